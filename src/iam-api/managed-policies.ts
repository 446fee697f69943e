/**
 * Managed policies and their versions: CreatePolicy, GetPolicy, ListPolicies, DeletePolicy,
 * CreatePolicyVersion, GetPolicyVersion, ListPolicyVersions, DeletePolicyVersion,
 * SetDefaultPolicyVersion. Customer managed policies live in the store; AWS managed ones come
 * from the catalog (`src/iam/managed-policies.ts`) and can be read but not changed.
 */
import type { OperationContext } from '../control/operation.js';
import { AccessDeniedError } from '../control/errors.js';
import { DeleteConflictError, NoSuchEntityError } from '../iam/errors.js';
import {
  getAwsManagedPolicyVersionDocument,
  listAwsManagedPolicies,
} from '../catalog/aws-managed-policies.js';
import { policyArn } from '../iam/arn.js';
import type { ManagedPolicy } from '../iam/types.js';
import { validationError } from '../iam/names.js';
import { awsPolicyView, policyUsage } from './aws-policies.js';
import { checkDocumentSize, parseForUse } from './documents.js';
import type { IamOperation } from './operation.js';
import { DEFAULT_MAX_ITEMS, pageOf } from './paging.js';
import { IamParams } from './params.js';
import { listResource, policyTarget, requestTagContext, type PolicyTarget } from './resources.js';
import { pageXml, policyVersionXml, policyXml } from './serialize.js';

const notFound = (arn: string) => `Policy ${arn} was not found.`;

/** Customer policy lookups with GetPolicy's wording for a missing policy. */
async function customerPolicy(ctx: OperationContext, arn: string): Promise<ManagedPolicy> {
  try {
    return await ctx.store.getPolicy(arn);
  } catch (error) {
    if (error instanceof NoSuchEntityError) throw new NoSuchEntityError(notFound(arn));
    throw error;
  }
}

/**
 * AWS managed policies belong to AWS's account: changing one is a cross-account write that no
 * resource policy allows, which is how AWS denies it.
 */
function customerOnly(ctx: OperationContext, action: string, arn: string, target: PolicyTarget): string {
  if (target.kind === 'customer') return target.arn;
  throw new AccessDeniedError(
    `User: ${ctx.caller.arn} is not authorized to perform: ${action} on resource: policy ${arn} because no resource-based policy allows the ${action} action`,
  );
}

const createPolicy: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const policyName = input.policyName();
  const path = input.policyPath('Path', 'path');
  const document = input.policyDocument();
  const description = input.policyDescription();
  const tags = input.tags('Tags', false);
  input.done();
  const arn = policyArn({
    partition: ctx.partition,
    accountId: ctx.accountId,
    path: path ?? '/',
    policyName,
  });
  const tagContext = requestTagContext(tags);
  ctx.authorize('iam:CreatePolicy', arn, tagContext);
  if (tags.length > 0) ctx.authorize('iam:TagPolicy', arn, tagContext);
  checkDocumentSize(parseForUse(document, 'managed'), 'managed');
  const policy = await ctx.store.createPolicy(ctx.accountId, {
    policyName,
    document,
    ...(path === undefined ? {} : { path }),
    ...(description === undefined ? {} : { description }),
    tags,
  });
  return { Policy: policyXml(policy) };
};

const getPolicy: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const arn = input.arn('PolicyArn', 'policyArn');
  input.done();
  ctx.authorize('iam:GetPolicy', arn);
  const target = policyTarget(ctx, arn, notFound);
  const policy =
    target.kind === 'aws'
      ? awsPolicyView(target.policy, await policyUsage(ctx))
      : await customerPolicy(ctx, arn);
  return { Policy: policyXml(policy) };
};

type Scope = 'All' | 'AWS' | 'Local';
type UsageFilter = 'PermissionsPolicy' | 'PermissionsBoundary';

/**
 * ListPolicies pages through the account's own policies first, then AWS's (for `Scope=All`). The
 * marker says which: `L` + the store's marker, or `A` + the last AWS policy name returned.
 */
const listPolicies: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const scope = input.enumeration<Scope>('Scope', 'scope', ['All', 'AWS', 'Local']) ?? 'All';
  const onlyAttached = input.boolean('OnlyAttached') ?? false;
  const pathPrefix = input.policyPath('PathPrefix', 'pathPrefix');
  const usageFilter = input.enumeration<UsageFilter>('PolicyUsageFilter', 'policyUsageFilter', [
    'PermissionsPolicy',
    'PermissionsBoundary',
  ]);
  const paging = input.paging();
  input.done();
  ctx.authorize('iam:ListPolicies', listResource(ctx, 'policy', pathPrefix));

  const max = paging.maxItems ?? DEFAULT_MAX_ITEMS;
  let phase: 'L' | 'A' = scope === 'AWS' ? 'A' : 'L';
  let inner: string | undefined;
  if (paging.marker !== undefined) {
    const marker = paging.marker;
    if ((marker[0] !== 'L' && marker[0] !== 'A') || (marker[0] === 'L' && scope === 'AWS')) {
      throw validationError([
        { field: 'marker', value: marker, constraint: 'be a marker returned by a previous call' },
      ]);
    }
    phase = marker[0];
    inner = marker.length > 1 ? marker.slice(1) : undefined;
  }
  const boundaryOnly = onlyAttached && usageFilter === 'PermissionsBoundary';
  const policyOnly = onlyAttached && usageFilter !== 'PermissionsBoundary';
  const keep = (p: ManagedPolicy) =>
    (!policyOnly || p.attachmentCount > 0) && (!boundaryOnly || p.permissionsBoundaryUsageCount > 0);

  const items: ManagedPolicy[] = [];
  let room = max;
  if (phase === 'L') {
    const page = await ctx.store.listPolicies(ctx.accountId, {
      maxItems: max,
      onlyAttached: policyOnly,
      ...(inner === undefined ? {} : { marker: inner }),
      ...(pathPrefix === undefined ? {} : { pathPrefix }),
    });
    items.push(...page.items.filter(keep));
    if (page.isTruncated) {
      return pageXml('Policies', { items, isTruncated: true, marker: `L${page.marker ?? ''}` }, (p) =>
        policyXml(p, 'list'),
      );
    }
    room -= page.items.length;
    inner = undefined;
  }
  if (scope === 'Local')
    return pageXml('Policies', { items, isTruncated: false }, (p) => policyXml(p, 'list'));

  const usage = await policyUsage(ctx);
  const aws = listAwsManagedPolicies({
    partition: ctx.partition,
    ...(pathPrefix === undefined ? {} : { pathPrefix }),
  })
    .map((p) => awsPolicyView(p, usage))
    .filter(keep);
  if (room === 0) {
    const more = aws.length > 0;
    return pageXml('Policies', { items, isTruncated: more, ...(more ? { marker: 'A' } : {}) }, (p) =>
      policyXml(p, 'list'),
    );
  }
  const page = pageOf(
    aws,
    { maxItems: room, ...(inner === undefined ? {} : { marker: inner }) },
    (p) => p.policyName,
  );
  items.push(...page.items);
  return pageXml(
    'Policies',
    {
      items,
      isTruncated: page.isTruncated,
      ...(page.marker === undefined ? {} : { marker: `A${page.marker}` }),
    },
    (p) => policyXml(p, 'list'),
  );
};

const deletePolicy: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const arn = input.arn('PolicyArn', 'policyArn');
  input.done();
  ctx.authorize('iam:DeletePolicy', arn);
  customerOnly(ctx, 'iam:DeletePolicy', arn, policyTarget(ctx, arn, notFound));
  await ctx.store.transaction(async (tx) => {
    const versions = await tx.listPolicyVersions(arn);
    if (versions.length > 1) {
      throw new DeleteConflictError(
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
      );
    }
    await tx.deletePolicy(arn);
  });
  return undefined;
};

const createPolicyVersion: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const arn = input.arn('PolicyArn', 'policyArn');
  const document = input.policyDocument();
  const setAsDefault = input.boolean('SetAsDefault') ?? false;
  input.done();
  ctx.authorize('iam:CreatePolicyVersion', arn);
  customerOnly(ctx, 'iam:CreatePolicyVersion', arn, policyTarget(ctx, arn));
  checkDocumentSize(parseForUse(document, 'managed'), 'managed');
  const version = await ctx.store.createPolicyVersion(arn, document, setAsDefault);
  return { PolicyVersion: policyVersionXml(version, false) };
};

const getPolicyVersion: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const arn = input.arn('PolicyArn', 'policyArn');
  const versionId = input.versionId();
  input.done();
  ctx.authorize('iam:GetPolicyVersion', arn);
  const target = policyTarget(ctx, arn);
  if (target.kind === 'customer') {
    const version = await ctx.store.getPolicyVersion(arn, versionId);
    return { PolicyVersion: policyVersionXml(version, true) };
  }
  const meta = target.policy.versions.find((v) => v.versionId === versionId);
  const document = meta === undefined ? undefined : getAwsManagedPolicyVersionDocument(arn, versionId);
  if (meta === undefined || document === undefined) {
    throw new NoSuchEntityError(`Policy ${arn} version ${versionId} does not exist or is not attachable.`);
  }
  return { PolicyVersion: policyVersionXml({ ...meta, document }, true) };
};

/** Version ids sort by number, newest first; the key keeps that order as text. */
const versionKey = (versionId: string) =>
  String(1e9 - Number.parseInt(versionId.slice(1), 10)).padStart(10, '0');

const listPolicyVersions: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const arn = input.arn('PolicyArn', 'policyArn');
  const paging = input.paging();
  input.done();
  ctx.authorize('iam:ListPolicyVersions', arn);
  const target = policyTarget(ctx, arn);
  const versions = target.kind === 'aws' ? target.policy.versions : await ctx.store.listPolicyVersions(arn);
  const page = pageOf(versions, paging, (v) => versionKey(v.versionId));
  return pageXml('Versions', page, (v) => policyVersionXml(v, false));
};

const deletePolicyVersion: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const arn = input.arn('PolicyArn', 'policyArn');
  const versionId = input.versionId();
  input.done();
  ctx.authorize('iam:DeletePolicyVersion', arn);
  customerOnly(ctx, 'iam:DeletePolicyVersion', arn, policyTarget(ctx, arn));
  await ctx.store.deletePolicyVersion(arn, versionId);
  return undefined;
};

const setDefaultPolicyVersion: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const arn = input.arn('PolicyArn', 'policyArn');
  const versionId = input.versionId();
  input.done();
  ctx.authorize('iam:SetDefaultPolicyVersion', arn);
  customerOnly(ctx, 'iam:SetDefaultPolicyVersion', arn, policyTarget(ctx, arn));
  await ctx.store.setDefaultPolicyVersion(arn, versionId);
  return undefined;
};

export const managedPolicyOperations: Record<string, IamOperation> = {
  CreatePolicy: createPolicy,
  GetPolicy: getPolicy,
  ListPolicies: listPolicies,
  DeletePolicy: deletePolicy,
  CreatePolicyVersion: createPolicyVersion,
  GetPolicyVersion: getPolicyVersion,
  ListPolicyVersions: listPolicyVersions,
  DeletePolicyVersion: deletePolicyVersion,
  SetDefaultPolicyVersion: setDefaultPolicyVersion,
};
