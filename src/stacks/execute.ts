/**
 * Carries out one plan change against the Store: the IAM calls CloudFormation's resource handlers
 * would make (CreateRole, PutRolePolicy, AttachRolePolicy, CreatePolicyVersion, ...), plus the
 * ownership tags of `ownership.ts`. Called inside the apply's transaction, in plan order.
 */
import { AwsError } from '../errors.js';
import { parseRoleArn } from '../iam/arn.js';
import { isServiceLinkedPath, protectedRoleRefusal } from '../iam/service-linked.js';
import { IAM_QUOTAS } from '../iam/quotas.js';
import type { Store } from '../store/store.js';
import type {
  DesiredState,
  InstanceProfileRecord,
  ManagedPolicyRecord,
  OidcProviderRecord,
  PolicyDocument,
  ResourceRecord,
  RolePolicyRecord,
  RoleRecord,
  Tag,
  WorkloadRecord,
} from './desired.js';
import type { PlanChange } from './diff.js';
import { StackResourceError } from './errors.js';
import { ownershipTags, policyTag, POLICY_TAG_PREFIX, readOwnership } from './ownership.js';
import { workloadInput, type WorkloadEnv } from './workload-settings.js';
import { checkLambdaCanAssumeRole } from './function-role.js';

export interface ExecuteContext extends WorkloadEnv {
  stackName: string;
  /** The state being applied: deletes check it so they never undo what it still wants. */
  desired: DesiredState;
}

const lower = (s: string) => s.toLowerCase();
const text = (document: PolicyDocument) => JSON.stringify(document);

function minus(a: readonly string[], b: readonly string[], caseless = false): string[] {
  const norm = caseless ? lower : (s: string) => s;
  const drop = new Set(b.map(norm));
  return a.filter((x) => !drop.has(norm(x)));
}

function sameTags(a: readonly Tag[], b: readonly Tag[]): boolean {
  const key = (t: Tag) => `${t.key}\u0000${t.value}`;
  const x = a.map(key).sort();
  const y = b.map(key).sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

async function ignoreMissing(work: Promise<unknown>): Promise<void> {
  try {
    await work;
  } catch (e) {
    if (!(e instanceof AwsError && e.code === 'NoSuchEntity')) throw e;
  }
}

function roleNameOf(arn: string): string {
  return parseRoleArn(arn).roleName;
}

// ------------------------------------------------------------------------------------- roles

async function createRole(tx: Store, ctx: ExecuteContext, d: RoleRecord): Promise<void> {
  await tx.createRole(ctx.accountId, {
    roleName: d.roleName,
    path: d.path,
    assumeRolePolicyDocument: text(d.assumeRolePolicyDocument),
    ...(d.description !== undefined ? { description: d.description } : {}),
    maxSessionDuration: d.maxSessionDuration,
    ...(d.permissionsBoundary !== undefined ? { permissionsBoundaryArn: d.permissionsBoundary } : {}),
    tags: [...d.tags, ...ownershipTags(ctx.stackName, d.logicalId)],
  });
  for (const p of d.inlinePolicies)
    await tx.putRolePolicy(ctx.accountId, d.roleName, p.policyName, text(p.document));
  for (const arn of d.managedPolicyArns) await tx.attachRolePolicy(ctx.accountId, d.roleName, arn);
}

/**
 * A stack never changes or deletes a service-linked role, even one tagged as its own (TagRole may
 * tag such a role): only its service may, as the IAM API answers (`UnmodifiableEntity`).
 */
function refuseServiceLinked(c: RoleRecord): void {
  if (isServiceLinkedPath(c.path)) throw protectedRoleRefusal(c.roleName);
}

async function updateRole(tx: Store, ctx: ExecuteContext, d: RoleRecord, c: RoleRecord): Promise<void> {
  refuseServiceLinked(c);
  const acct = ctx.accountId;
  const name = c.roleName;
  const trust = text(d.assumeRolePolicyDocument);
  const changes = {
    ...(trust !== text(c.assumeRolePolicyDocument) ? { assumeRolePolicyDocument: trust } : {}),
    ...((d.description ?? '') !== (c.description ?? '') ? { description: d.description ?? '' } : {}),
    ...(d.maxSessionDuration !== c.maxSessionDuration ? { maxSessionDuration: d.maxSessionDuration } : {}),
  };
  if (Object.keys(changes).length > 0) await tx.updateRole(acct, name, changes);
  if (d.permissionsBoundary !== c.permissionsBoundary) {
    if (d.permissionsBoundary === undefined) await tx.deleteRolePermissionsBoundary(acct, name);
    else await tx.putRolePermissionsBoundary(acct, name, d.permissionsBoundary);
  }
  if (!sameTags(d.tags, c.tags)) {
    const gone = minus(
      c.tags.map((t) => t.key),
      d.tags.map((t) => t.key),
      true,
    );
    if (gone.length > 0) await tx.untagRole(acct, name, gone);
    if (d.tags.length > 0) await tx.tagRole(acct, name, d.tags);
  }
  if (d.logicalId !== undefined && d.logicalId !== c.logicalId) {
    await tx.tagRole(acct, name, ownershipTags(ctx.stackName, d.logicalId));
  }
  const before = new Map(c.inlinePolicies.map((p) => [lower(p.policyName), text(p.document)]));
  for (const p of d.inlinePolicies) {
    const document = text(p.document);
    if (before.get(lower(p.policyName)) !== document)
      await tx.putRolePolicy(acct, name, p.policyName, document);
  }
  const wanted = new Set(d.inlinePolicies.map((p) => lower(p.policyName)));
  for (const p of c.inlinePolicies) {
    if (!wanted.has(lower(p.policyName))) await tx.deleteRolePolicy(acct, name, p.policyName);
  }
  for (const arn of minus(c.managedPolicyArns, d.managedPolicyArns))
    await tx.detachRolePolicy(acct, name, arn);
  for (const arn of minus(d.managedPolicyArns, c.managedPolicyArns))
    await tx.attachRolePolicy(acct, name, arn);
}

/** IAM's DeleteRole needs the role bare: no inline or attached policies, in no instance profile. */
async function deleteRole(tx: Store, ctx: ExecuteContext, c: RoleRecord): Promise<void> {
  refuseServiceLinked(c);
  const acct = ctx.accountId;
  const name = c.roleName;
  for (const p of (await tx.listRolePolicies(acct, name, { maxItems: 1000 })).items) {
    await tx.deleteRolePolicy(acct, name, p.policyName);
  }
  for (const a of (await tx.listAttachedRolePolicies(acct, name, { maxItems: 1000 })).items) {
    await tx.detachRolePolicy(acct, name, a.policyArn);
  }
  // Only the stack's own profiles let go of the role; another owner's profile keeps it (DeleteConflict).
  for (const profile of (await tx.listInstanceProfilesForRole(acct, name, { maxItems: 1000 })).items) {
    if (readOwnership(profile.tags).owner.stack === ctx.stackName) {
      await tx.removeRoleFromInstanceProfile(acct, profile.instanceProfileName, name);
    }
  }
  await tx.deleteRole(acct, name);
}

// ------------------------------------------------------------------------- managed policies

async function createManagedPolicy(tx: Store, ctx: ExecuteContext, d: ManagedPolicyRecord): Promise<void> {
  await tx.createPolicy(ctx.accountId, {
    policyName: d.policyName,
    path: d.path,
    document: text(d.document),
    ...(d.description !== undefined ? { description: d.description } : {}),
    tags: ownershipTags(ctx.stackName, d.logicalId),
  });
  for (const role of d.roles) await tx.attachRolePolicy(ctx.accountId, role, d.arn);
}

/**
 * A new document is a new default version, as CloudFormation does it; at IAM's limit of five
 * versions the oldest version that is not the default goes first.
 */
async function updateManagedPolicy(
  tx: Store,
  ctx: ExecuteContext,
  d: ManagedPolicyRecord,
  c: ManagedPolicyRecord,
): Promise<void> {
  const document = text(d.document);
  if (document !== text(c.document)) {
    const versions = await tx.listPolicyVersions(d.arn);
    if (versions.length >= IAM_QUOTAS.policyVersions) {
      const oldest = [...versions].reverse().find((v) => !v.isDefaultVersion);
      if (oldest !== undefined) await tx.deletePolicyVersion(d.arn, oldest.versionId);
    }
    await tx.createPolicyVersion(d.arn, document, true);
  }
  for (const role of minus(c.roles, d.roles, true)) await tx.detachRolePolicy(ctx.accountId, role, d.arn);
  for (const role of minus(d.roles, c.roles, true)) await tx.attachRolePolicy(ctx.accountId, role, d.arn);
}

/**
 * DeletePolicy needs the policy unused. The stack's own roles let go of it as their boundary too:
 * when the policy is being replaced, the next pass sets the new one on them, inside the same
 * transaction, so no reader ever sees those roles without a boundary. Other owners' roles keep it
 * (DeleteConflict).
 */
async function deleteManagedPolicy(tx: Store, ctx: ExecuteContext, c: ManagedPolicyRecord): Promise<void> {
  for (const role of await tx.listRolesForPolicy(c.arn))
    await tx.detachRolePolicy(ctx.accountId, role, c.arn);
  const policy = await tx.getPolicy(c.arn);
  if (policy.permissionsBoundaryUsageCount > 0) {
    for (let marker: string | undefined, more = true; more;) {
      const page = await tx.listRoles(ctx.accountId, marker === undefined ? {} : { marker });
      for (const role of page.items) {
        if (role.permissionsBoundaryArn !== c.arn) continue;
        if (readOwnership(role.tags).owner.stack !== ctx.stackName) continue;
        await tx.deleteRolePermissionsBoundary(ctx.accountId, role.roleName);
      }
      marker = page.marker;
      more = page.isTruncated && marker !== undefined;
    }
  }
  await tx.deletePolicy(c.arn);
}

// --------------------------------------------------------------------- AWS::IAM::Policy

async function putRolePolicies(
  tx: Store,
  ctx: ExecuteContext,
  d: RolePolicyRecord,
  c?: RolePolicyRecord,
): Promise<void> {
  const document = text(d.document);
  const unchanged = c !== undefined && text(c.document) === document;
  for (const role of d.roles) {
    const already = unchanged && c.roles.some((r) => lower(r) === lower(role));
    if (already) continue;
    await tx.putRolePolicy(ctx.accountId, role, d.policyName, document);
    await tx.tagRole(ctx.accountId, role, [policyTag(d.policyName, ctx.stackName, d.logicalId ?? '')]);
  }
}

/** Takes the policy off its roles, except where the desired state still puts it there. */
async function deleteRolePolicies(tx: Store, ctx: ExecuteContext, c: RolePolicyRecord): Promise<void> {
  const name = lower(c.policyName);
  for (const role of c.roles) {
    const r = lower(role);
    const stillWanted =
      ctx.desired.rolePolicies.some(
        (p) => lower(p.policyName) === name && p.roles.some((x) => lower(x) === r),
      ) ||
      ctx.desired.roles.some(
        (x) => lower(x.roleName) === r && x.inlinePolicies.some((p) => lower(p.policyName) === name),
      );
    if (!stillWanted) await ignoreMissing(tx.deleteRolePolicy(ctx.accountId, role, c.policyName));
    const marker = ctx.desired.rolePolicies.some(
      (p) => lower(p.policyName) === name && p.roles.some((x) => lower(x) === r),
    );
    if (!marker)
      await ignoreMissing(tx.untagRole(ctx.accountId, role, [`${POLICY_TAG_PREFIX}${c.policyName}`]));
  }
}

// ------------------------------------------------------------------------ instance profiles

/** EC2 instances take their role from their profile: when the profile's role changes, so do they. */
async function followProfile(tx: Store, ctx: ExecuteContext, profileName: string): Promise<void> {
  const profile = await tx.getInstanceProfile(ctx.accountId, profileName);
  const role = profile.roles[0]?.roleName;
  if (role === undefined) return;
  for (const w of await tx.listWorkloads(ctx.accountId, { kind: 'ec2-instance' })) {
    if (w.settings.instanceProfileName !== profileName || lower(w.roleName) === lower(role)) continue;
    await tx.putWorkload(ctx.accountId, {
      kind: 'ec2-instance',
      name: w.name,
      roleName: role,
      settings: w.settings,
    });
  }
}

async function createInstanceProfile(
  tx: Store,
  ctx: ExecuteContext,
  d: InstanceProfileRecord,
): Promise<void> {
  await tx.createInstanceProfile(ctx.accountId, {
    instanceProfileName: d.instanceProfileName,
    path: d.path,
    tags: ownershipTags(ctx.stackName, d.logicalId),
  });
  for (const role of d.roles) await tx.addRoleToInstanceProfile(ctx.accountId, d.instanceProfileName, role);
}

async function updateInstanceProfile(
  tx: Store,
  ctx: ExecuteContext,
  d: InstanceProfileRecord,
  c: InstanceProfileRecord,
): Promise<void> {
  const name = c.instanceProfileName;
  for (const role of minus(c.roles, d.roles, true))
    await tx.removeRoleFromInstanceProfile(ctx.accountId, name, role);
  for (const role of minus(d.roles, c.roles, true))
    await tx.addRoleToInstanceProfile(ctx.accountId, name, role);
  await followProfile(tx, ctx, name);
}

async function deleteInstanceProfile(
  tx: Store,
  ctx: ExecuteContext,
  c: InstanceProfileRecord,
): Promise<void> {
  for (const role of c.roles)
    await tx.removeRoleFromInstanceProfile(ctx.accountId, c.instanceProfileName, role);
  await tx.deleteInstanceProfile(ctx.accountId, c.instanceProfileName);
}

// --------------------------------------------------------------------------- OIDC providers

async function createOidcProvider(tx: Store, ctx: ExecuteContext, d: OidcProviderRecord): Promise<void> {
  await tx.createOidcProvider(ctx.accountId, {
    url: `https://${d.url}`,
    clientIds: d.clientIds,
    thumbprints: d.thumbprints,
    tags: [...d.tags, ...ownershipTags(ctx.stackName, d.logicalId)],
  });
}

async function updateOidcProvider(
  tx: Store,
  ctx: ExecuteContext,
  d: OidcProviderRecord,
  c: OidcProviderRecord,
): Promise<void> {
  if (!sameTags(d.tags, c.tags)) {
    // The Store cannot retag a provider; the ARN is the URL's, so a re-create keeps every reference valid.
    await tx.deleteOidcProvider(c.arn);
    await createOidcProvider(tx, ctx, d);
    return;
  }
  await tx.updateOidcProvider(c.arn, { clientIds: d.clientIds, thumbprints: d.thumbprints });
}

// -------------------------------------------------------------------------------- workloads

async function workloadRole(tx: Store, ctx: ExecuteContext, d: WorkloadRecord): Promise<string> {
  switch (d.kind) {
    case 'ec2-instance': {
      // An instance without IamInstanceProfile runs with no role, as EC2 allows.
      if (d.instanceProfileName === undefined) return '';
      const profile = await tx.getInstanceProfile(ctx.accountId, d.instanceProfileName);
      const role = profile.roles[0]?.roleName;
      if (role === undefined) {
        throw new AwsError(
          'ValidationError',
          `instance profile ${profile.instanceProfileName} holds no role`,
        );
      }
      return role;
    }
    case 'ecs-task-definition':
      return roleNameOf(d.taskRoleArn ?? '');
    default:
      return roleNameOf(d.roleArn);
  }
}

async function putWorkload(
  tx: Store,
  ctx: ExecuteContext,
  d: WorkloadRecord,
  update: boolean,
): Promise<void> {
  const previous = update ? await tx.getWorkload(ctx.accountId, d.kind, d.name) : undefined;
  const roleName = await workloadRole(tx, ctx, d);
  if (d.kind === 'lambda-function') await checkLambdaCanAssumeRole(tx, ctx, roleName, d.name);
  await tx.putWorkload(ctx.accountId, workloadInput({ ...d, stack: ctx.stackName }, roleName, ctx, previous));
}

// ------------------------------------------------------------------------------------ entry

async function create(tx: Store, ctx: ExecuteContext, d: ResourceRecord): Promise<void> {
  switch (d.kind) {
    case 'role':
      return createRole(tx, ctx, d);
    case 'managed-policy':
      return createManagedPolicy(tx, ctx, d);
    case 'role-policy':
      return putRolePolicies(tx, ctx, d);
    case 'instance-profile':
      return createInstanceProfile(tx, ctx, d);
    case 'oidc-provider':
      return createOidcProvider(tx, ctx, d);
    default:
      return putWorkload(tx, ctx, d, false);
  }
}

async function update(tx: Store, ctx: ExecuteContext, d: ResourceRecord, c: ResourceRecord): Promise<void> {
  if (d.kind === 'role' && c.kind === 'role') return updateRole(tx, ctx, d, c);
  if (d.kind === 'managed-policy' && c.kind === 'managed-policy') return updateManagedPolicy(tx, ctx, d, c);
  if (d.kind === 'role-policy' && c.kind === 'role-policy') return putRolePolicies(tx, ctx, d, c);
  if (d.kind === 'instance-profile' && c.kind === 'instance-profile')
    return updateInstanceProfile(tx, ctx, d, c);
  if (d.kind === 'oidc-provider' && c.kind === 'oidc-provider') return updateOidcProvider(tx, ctx, d, c);
  if (d.kind !== c.kind)
    throw new AwsError('InternalFailure', `cannot update a ${c.kind} into a ${d.kind}`, { status: 500 });
  return putWorkload(tx, ctx, d as WorkloadRecord, true);
}

async function remove(tx: Store, ctx: ExecuteContext, c: ResourceRecord): Promise<void> {
  switch (c.kind) {
    case 'role':
      return deleteRole(tx, ctx, c);
    case 'managed-policy':
      return deleteManagedPolicy(tx, ctx, c);
    case 'role-policy':
      return deleteRolePolicies(tx, ctx, c);
    case 'instance-profile':
      return deleteInstanceProfile(tx, ctx, c);
    case 'oidc-provider':
      return tx.deleteOidcProvider(c.arn);
    default:
      return tx.deleteWorkload(ctx.accountId, c.kind, c.name);
  }
}

/**
 * Applies one change. A Store error comes back as a `StackResourceError` with the same code and
 * status, naming the resource it happened on.
 *
 * @example
 * for (const change of plan) if (change.action !== 'noop') await executeChange(tx, change, ctx);
 */
export async function executeChange(tx: Store, change: PlanChange, ctx: ExecuteContext): Promise<void> {
  try {
    if (change.action === 'create' && change.desired) await create(tx, ctx, change.desired);
    else if (change.action === 'update' && change.desired && change.current) {
      await update(tx, ctx, change.desired, change.current);
    } else if (change.action === 'delete' && change.current) await remove(tx, ctx, change.current);
  } catch (e) {
    if (e instanceof StackResourceError || !(e instanceof AwsError)) throw e;
    const record = change.desired ?? change.current;
    const logicalId = change.logicalId ?? record?.logicalId;
    throw new StackResourceError(
      e.code,
      {
        ...(logicalId !== undefined ? { logicalId } : {}),
        path: `Resources.${logicalId ?? change.name}`,
        ...(record?.position !== undefined ? { position: record.position } : {}),
      },
      `${change.action} ${change.kind} ${change.name}: ${e.message}`,
      { status: e.status, cause: e },
    );
  }
}
