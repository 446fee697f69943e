/**
 * Managed policies attached to roles: AttachRolePolicy, DetachRolePolicy, ListAttachedRolePolicies,
 * ListEntitiesForPolicy (roles only: credplane has no users or groups).
 */
import { NoSuchEntityError } from '../iam/errors.js';
import { parsePolicyArn } from '../iam/arn.js';
import type { Role } from '../iam/types.js';
import { allRoles } from './aws-policies.js';
import type { IamOperation } from './operation.js';
import { pageOf } from './paging.js';
import { IamParams } from './params.js';
import { authorizeOnRole, policyTarget } from './resources.js';
import { pageXml } from './serialize.js';

const attachRolePolicy: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const roleName = input.roleName();
  const arn = input.arn('PolicyArn', 'policyArn');
  input.done();
  await authorizeOnRole(ctx, 'iam:AttachRolePolicy', roleName, { 'iam:PolicyARN': arn });
  // AWS managed policies are checked against the catalog here; the store checks customer ones.
  policyTarget(ctx, arn);
  await ctx.store.attachRolePolicy(ctx.accountId, roleName, arn);
  return undefined;
};

const detachRolePolicy: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const roleName = input.roleName();
  const arn = input.arn('PolicyArn', 'policyArn');
  input.done();
  await authorizeOnRole(ctx, 'iam:DetachRolePolicy', roleName, { 'iam:PolicyARN': arn });
  await ctx.store.detachRolePolicy(ctx.accountId, roleName, arn);
  return undefined;
};

const listAttachedRolePolicies: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const roleName = input.roleName();
  const pathPrefix = input.policyPath('PathPrefix', 'pathPrefix');
  const paging = input.paging();
  input.done();
  await authorizeOnRole(ctx, 'iam:ListAttachedRolePolicies', roleName);
  const page = await ctx.store.listAttachedRolePolicies(ctx.accountId, roleName, paging);
  // IAM may return fewer than MaxItems with IsTruncated set; filtering the page keeps markers valid.
  const items =
    pathPrefix === undefined
      ? page.items
      : page.items.filter((p) => parsePolicyArn(p.policyArn).path.startsWith(pathPrefix));
  return pageXml('AttachedPolicies', { ...page, items }, (p) => ({
    PolicyName: p.policyName,
    PolicyArn: p.policyArn,
  }));
};

type EntityFilter = 'User' | 'Role' | 'Group' | 'LocalManagedPolicy' | 'AWSManagedPolicy';
type UsageFilter = 'PermissionsPolicy' | 'PermissionsBoundary';

const listEntitiesForPolicy: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const arn = input.arn('PolicyArn', 'policyArn');
  const entityFilter = input.enumeration<EntityFilter>('EntityFilter', 'entityFilter', [
    'User',
    'Role',
    'Group',
    'LocalManagedPolicy',
    'AWSManagedPolicy',
  ]);
  const pathPrefix = input.path('PathPrefix');
  const usageFilter = input.enumeration<UsageFilter>('PolicyUsageFilter', 'policyUsageFilter', [
    'PermissionsPolicy',
    'PermissionsBoundary',
  ]);
  const paging = input.paging();
  input.done();
  ctx.authorize('iam:ListEntitiesForPolicy', arn);
  const target = policyTarget(ctx, arn, (a) => `Policy ${a} was not found.`);
  if (target.kind === 'customer') {
    try {
      await ctx.store.getPolicy(arn);
    } catch (error) {
      if (error instanceof NoSuchEntityError) throw new NoSuchEntityError(`Policy ${arn} was not found.`);
      throw error;
    }
  }
  let roles: Role[] = [];
  if (entityFilter === undefined || entityFilter === 'Role') {
    const attached =
      usageFilter === 'PermissionsBoundary'
        ? new Set<string>()
        : new Set(await ctx.store.listRolesForPolicy(arn));
    const boundaries = usageFilter !== 'PermissionsPolicy';
    roles = (await allRoles(ctx)).filter(
      (r) =>
        (attached.has(r.roleName) || (boundaries && r.permissionsBoundaryArn === arn)) &&
        (pathPrefix === undefined || r.path.startsWith(pathPrefix)),
    );
  }
  const page = pageOf(roles, paging, (r) => r.roleName.toLowerCase());
  return {
    PolicyGroups: [],
    PolicyUsers: [],
    ...pageXml('PolicyRoles', page, (r) => ({ RoleName: r.roleName, RoleId: r.roleId })),
  };
};

export const attachmentOperations: Record<string, IamOperation> = {
  AttachRolePolicy: attachRolePolicy,
  DetachRolePolicy: detachRolePolicy,
  ListAttachedRolePolicies: listAttachedRolePolicies,
  ListEntitiesForPolicy: listEntitiesForPolicy,
};
