/**
 * Checks a desired state before anything is written: every policy document through the policy
 * engine, tags against IAM's rules and credplane's reserved prefix, references to managed
 * policies and roles, and values the template needs that credplane will never know. Each problem
 * is a `StackResourceError` naming the logical id and the template property.
 */
import { parsePolicyArn, parseRoleArn, AWS_MANAGED_ACCOUNT } from '../iam/arn.js';
import { findAwsManagedPolicy } from '../catalog/aws-managed-policies.js';
import { assertTagKeysAllowed, checkTags } from '../iam/names.js';
import {
  isServiceLinkedPath,
  protectedRoleRefusal,
  serviceLinkedPathRefusal,
} from '../iam/service-linked.js';
import { AwsError } from '../errors.js';
import { validatePolicy, type PolicyFinding } from '../policy/index.js';
import type { IdentityAttachment } from '../policy/index.js';
import type { Store } from '../store/store.js';
import {
  allRecords,
  type DesiredState,
  type PolicyDocument,
  type ResourceRecord,
  type RoleRecord,
  type Tag,
} from './desired.js';
import { StackResourceError } from './errors.js';
import { isReservedTagKey } from './ownership.js';
import { hasPlaceholder } from './physical.js';
import { declaredByStack, trustPrincipalsOf } from './trust-principals.js';

/** The attributes credplane can give after creation, per type (see `current.ts`). */
const ASSIGNED: Record<string, readonly string[]> = {
  'AWS::IAM::Role': ['RoleId'],
  'AWS::IAM::ManagedPolicy': ['PolicyId', 'DefaultVersionId'],
  'AWS::EC2::Instance': ['InstanceId', 'AvailabilityZone', 'PrivateIp', 'PrivateDnsName'],
  'AWS::ECS::TaskDefinition': ['TaskDefinitionArn'],
  'AWS::EKS::PodIdentityAssociation': ['AssociationArn', 'AssociationId'],
};

type Segment = string | number;

/** Template property names of record fields, where they differ from the capitalised field name. */
const PROPERTY: Record<string, string> = {
  assumeRolePolicyDocument: 'AssumeRolePolicyDocument',
  managedPolicyArns: 'ManagedPolicyArns',
  permissionsBoundary: 'PermissionsBoundary',
  inlinePolicies: 'Policies',
  document: 'PolicyDocument',
  policyName: 'PolicyName',
  instanceProfileName: 'IamInstanceProfile',
  clientIds: 'ClientIdList',
  thumbprints: 'ThumbprintList',
  containers: 'ContainerDefinitions',
  taskRoleArn: 'TaskRoleArn',
  executionRoleArn: 'ExecutionRoleArn',
  metadataOptions: 'MetadataOptions',
  userData: 'UserData',
  roleArn: 'RoleArn',
  clusterName: 'ClusterName',
  serviceAccount: 'ServiceAccount',
  environment: 'Environment',
};

function capitalise(s: string): string {
  return s.length === 0 ? s : `${s[0]?.toUpperCase() ?? ''}${s.slice(1)}`;
}

function joinPath(base: string, segments: readonly Segment[]): string {
  let out = base;
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

/**
 * `Resources.<id>.Properties.<Property>...` for a path inside a record. Policy documents keep
 * their own keys; record fields are named as the template names them.
 */
export function propertyPath(record: ResourceRecord, segments: readonly Segment[]): string {
  const base = `Resources.${record.logicalId ?? record.kind}.Properties`;
  const out: Segment[] = [];
  let inDocument = false;
  for (const s of segments) {
    if (inDocument || typeof s === 'number') {
      out.push(s);
      continue;
    }
    if (s === 'document' || s === 'assumeRolePolicyDocument') inDocument = true;
    if (record.kind === 'lambda-function' && s === 'roleArn') out.push('Role');
    else if (record.kind === 'lambda-function' && s === 'environment') out.push('Environment', 'Variables');
    else out.push(PROPERTY[s] ?? capitalise(s));
  }
  return joinPath(base, out);
}

function where(record: ResourceRecord, segments: readonly Segment[]) {
  return {
    ...(record.logicalId !== undefined ? { logicalId: record.logicalId } : {}),
    path: propertyPath(record, segments),
    ...(record.position !== undefined ? { position: record.position } : {}),
  };
}

function fail(
  record: ResourceRecord,
  segments: readonly Segment[],
  code: string,
  message: string,
  status = 400,
): never {
  throw new StackResourceError(code, where(record, segments), message, { status });
}

/** `MalformedPolicyDocument` for the first ERROR finding of a document, with the rest counted. */
export class StackPolicyError extends StackResourceError {
  readonly findings: readonly PolicyFinding[];
  constructor(record: ResourceRecord, segments: readonly Segment[], findings: readonly PolicyFinding[]) {
    const first = findings[0] as PolicyFinding;
    const path = first.loc.path === '' ? [] : [first.loc.path];
    const more = findings.length > 1 ? ` (and ${findings.length - 1} more)` : '';
    const inner =
      path.length === 0 ? propertyPath(record, segments) : joinPath(propertyPath(record, segments), path);
    super(
      'MalformedPolicyDocument',
      { ...where(record, segments), path: inner },
      `${first.message} [${first.code}]${more}`,
    );
    this.findings = findings;
  }
}

function checkDocument(
  record: ResourceRecord,
  segments: readonly Segment[],
  document: PolicyDocument,
  policyType: 'trust' | 'identity' | 'boundary',
  attachment?: IdentityAttachment,
): void {
  if (hasPlaceholder(document)) return; // checked once the value is known, still before it is written
  const findings = validatePolicy(document, { policyType, ...(attachment ? { attachment } : {}) }).filter(
    (f) => f.severity === 'ERROR',
  );
  if (findings.length > 0) throw new StackPolicyError(record, segments, findings);
}

function checkRecordTags(record: ResourceRecord, tags: readonly Tag[], caseInsensitiveKeys: boolean): void {
  const reserved = tags.find((t) => isReservedTagKey(t.key));
  if (reserved) {
    fail(
      record,
      ['tags'],
      'InvalidInput',
      `tag key ${reserved.key}: the credplane: prefix is reserved for stack ownership`,
    );
  }
  const violation = checkTags([...tags])[0];
  if (violation) {
    fail(
      record,
      ['tags'],
      'ValidationError',
      `${violation.field} failed to satisfy constraint: Member must ${violation.constraint}`,
    );
  }
  try {
    assertTagKeysAllowed(tags, caseInsensitiveKeys);
  } catch (e) {
    if (e instanceof AwsError) fail(record, ['tags'], e.code, e.message, e.status);
    throw e;
  }
}

/** A managed policy ARN must name an AWS managed policy, one of the stack's, or one in the Store. */
async function checkPolicyRef(
  store: Store,
  desired: DesiredState,
  record: ResourceRecord,
  segments: readonly Segment[],
  arn: string,
): Promise<void> {
  if (hasPlaceholder(arn)) return;
  let account: string;
  try {
    account = parsePolicyArn(arn).accountId;
  } catch (e) {
    if (e instanceof AwsError) fail(record, segments, e.code, e.message, e.status);
    throw e;
  }
  if (account === AWS_MANAGED_ACCOUNT) {
    if (findAwsManagedPolicy(arn) === undefined) {
      fail(record, segments, 'NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`, 404);
    }
    return;
  }
  if (desired.managedPolicies.some((p) => p.arn === arn)) return;
  try {
    await store.getPolicy(arn);
  } catch (e) {
    if (e instanceof AwsError) fail(record, segments, e.code, e.message, e.status);
    throw e;
  }
}

function checkRoleArn(
  desired: DesiredState,
  record: ResourceRecord,
  segments: readonly Segment[],
  arn: string,
): void {
  if (hasPlaceholder(arn)) return;
  try {
    const parts = parseRoleArn(arn);
    if (parts.accountId !== desired.accountId) {
      fail(record, segments, 'ValidationError', `role ${arn} is not in account ${desired.accountId}`);
    }
  } catch (e) {
    if (e instanceof StackResourceError) throw e;
    if (e instanceof AwsError) fail(record, segments, 'ValidationError', `${arn} is not a role ARN`);
    throw e;
  }
}

const PLACEHOLDER = /<known after apply: ([^.>]+)\.([^>]+)>/g;

/** Placeholders for values credplane never assigns (attributes of skipped types, public IPs, ...). */
function checkKnowable(
  desired: DesiredState,
  types: ReadonlyMap<string, string>,
  record: ResourceRecord,
): void {
  const walk = (value: unknown, segments: Segment[]): void => {
    if (typeof value === 'string') {
      for (const m of value.matchAll(PLACEHOLDER)) {
        const [, logicalId = '', attribute = ''] = m;
        const type = types.get(logicalId) ?? 'unknown';
        if (!(ASSIGNED[type] ?? []).includes(attribute)) {
          const why = desired.skipped.some((s) => s.logicalId === logicalId)
            ? `${type} is not a type credplane acts on`
            : `credplane does not assign ${attribute} to ${type}`;
          fail(
            record,
            segments,
            'ValidationError',
            `needs ${logicalId}.${attribute}, which credplane cannot know (${why}); pass the value as a parameter`,
          );
        }
      }
    } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...segments, i]));
    else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (['stack', 'logicalId', 'type', 'position', 'kind'].includes(k) && segments.length === 0) continue;
        walk(v, [...segments, k]);
      }
    }
  };
  walk(record, []);
}

/**
 * A stack puts no policy on a service-linked role and no such role in an instance profile, as the
 * IAM API refuses it (`UnmodifiableEntity`): only the role's service may change it.
 */
async function checkNotServiceLinked(
  store: Store,
  accountId: string,
  record: ResourceRecord,
  roles: readonly string[],
): Promise<void> {
  for (const [i, name] of roles.entries()) {
    if (hasPlaceholder(name)) continue;
    const role = await store.findRole(accountId, name);
    if (role !== undefined && isServiceLinkedPath(role.path)) {
      const refusal = protectedRoleRefusal(role.roleName);
      fail(record, ['roles', i], refusal.code, refusal.message, refusal.status);
    }
  }
}

/**
 * A trust policy binds the users and roles it names to their unique ids when it is stored (IAM
 * User Guide, "IAM identifiers" → "Unique identifiers"), so, as `CreateRole` does, a user or role
 * that does not exist (or has another path) is an invalid principal: stored by name it would trust
 * whoever creates it later. One the same stack declares (with that ARN) is accepted: the apply
 * creates it in the same transaction, and a name held outside the stack is refused before
 * anything is written. The apply checks the others again, row-locked, as it writes
 * (`trust-principals.ts`).
 */
async function checkTrustPrincipals(store: Store, desired: DesiredState, record: RoleRecord): Promise<void> {
  const document = record.assumeRolePolicyDocument;
  if (hasPlaceholder(document)) return;
  const held = new Map<string, boolean>();
  for (const p of trustPrincipalsOf(document, store.partition)) {
    if (declaredByStack(desired, p.arn)) continue;
    let holds = held.get(p.accountId);
    if (holds === undefined) {
      holds = await store.getAccount(p.accountId).then(
        () => true,
        () => false,
      );
      held.set(p.accountId, holds);
    }
    // Another credplane account is checked too; an account the store does not hold cannot be.
    if (!holds) continue;
    const found =
      p.kind === 'role'
        ? await store.findRole(p.accountId, p.name)
        : await store.findUser(p.accountId, p.name);
    if (found === undefined || found.arn !== p.arn) {
      fail(
        record,
        ['assumeRolePolicyDocument', 'Statement', p.statement, 'Principal', 'AWS'],
        'MalformedPolicyDocument',
        `Invalid principal in policy: "AWS":"${p.arn}"`,
      );
    }
  }
}

/**
 * Throws the first problem of a desired state, before any write. Documents still holding values
 * known only after apply are skipped here; the apply checks them again once they are resolved.
 *
 * @example
 * await checkDesiredState(store, desired); // StackResourceError (MalformedPolicyDocument, NoSuchEntity, ...)
 */
export async function checkDesiredState(store: Store, desired: DesiredState): Promise<void> {
  const boundaries = new Set(
    [...desired.roles, ...desired.users].flatMap((r) =>
      r.permissionsBoundary ? [r.permissionsBoundary] : [],
    ),
  );
  const types = new Map<string, string>();
  for (const r of allRecords(desired)) if (r.logicalId && r.type) types.set(r.logicalId, r.type);
  for (const s of desired.skipped) types.set(s.logicalId, s.type);
  for (const record of allRecords(desired)) {
    checkKnowable(desired, types, record);
    switch (record.kind) {
      case 'role':
        if (isServiceLinkedPath(record.path)) {
          // As CreateRole: only CreateServiceLinkedRole makes a role under /aws-service-role/.
          const refusal = serviceLinkedPathRefusal();
          fail(record, ['path'], refusal.code, refusal.message, refusal.status);
        }
        checkDocument(record, ['assumeRolePolicyDocument'], record.assumeRolePolicyDocument, 'trust');
        await checkTrustPrincipals(store, desired, record);
        for (const [i, p] of record.inlinePolicies.entries()) {
          checkDocument(record, ['inlinePolicies', i, 'document'], p.document, 'identity', 'role-inline');
        }
        checkRecordTags(record, record.tags, true);
        for (const [i, arn] of record.managedPolicyArns.entries()) {
          await checkPolicyRef(store, desired, record, ['managedPolicyArns', i], arn);
        }
        if (record.permissionsBoundary !== undefined) {
          await checkPolicyRef(store, desired, record, ['permissionsBoundary'], record.permissionsBoundary);
        }
        break;
      case 'managed-policy':
        checkDocument(record, ['document'], record.document, 'identity', 'managed');
        await checkNotServiceLinked(store, desired.accountId, record, record.roles);
        if (boundaries.has(record.arn)) checkDocument(record, ['document'], record.document, 'boundary');
        break;
      case 'role-policy':
        // Checked once per kind of principal it is put on (IAM's size limits differ per kind).
        if (record.roles.length > 0)
          checkDocument(record, ['document'], record.document, 'identity', 'role-inline');
        if (record.users.length > 0)
          checkDocument(record, ['document'], record.document, 'identity', 'user-inline');
        if (record.groups.length > 0) {
          checkDocument(record, ['document'], record.document, 'identity', 'group-inline');
        }
        await checkNotServiceLinked(store, desired.accountId, record, record.roles);
        break;
      case 'user':
      case 'group':
        for (const [i, p] of record.inlinePolicies.entries()) {
          checkDocument(
            record,
            ['inlinePolicies', i, 'document'],
            p.document,
            'identity',
            record.kind === 'user' ? 'user-inline' : 'group-inline',
          );
        }
        if (record.kind === 'user') {
          checkRecordTags(record, record.tags, true);
          if (record.permissionsBoundary !== undefined) {
            await checkPolicyRef(store, desired, record, ['permissionsBoundary'], record.permissionsBoundary);
          }
        }
        for (const [i, arn] of record.managedPolicyArns.entries()) {
          await checkPolicyRef(store, desired, record, ['managedPolicyArns', i], arn);
        }
        break;
      case 'instance-profile':
        if (record.roles.length > 1) {
          fail(record, ['roles'], 'LimitExceeded', 'an instance profile holds at most one role', 409);
        }
        await checkNotServiceLinked(store, desired.accountId, record, record.roles);
        break;
      case 'oidc-provider':
        checkRecordTags(record, record.tags, false);
        break;
      case 'ec2-instance':
        // IamInstanceProfile is optional, as on EC2: without it the instance has no role.
        if (record.tags.some((t) => isReservedTagKey(t.key))) checkRecordTags(record, record.tags, false);
        break;
      case 'ecs-task-definition':
        if (record.taskRoleArn === undefined) {
          fail(
            record,
            ['taskRoleArn'],
            'ValidationError',
            'credplane needs the task role to deliver credentials to the task',
          );
        }
        checkRoleArn(desired, record, ['taskRoleArn'], record.taskRoleArn);
        break;
      case 'eks-pod-identity':
      case 'lambda-function':
        checkRoleArn(desired, record, ['roleArn'], record.roleArn);
        break;
    }
  }
}
