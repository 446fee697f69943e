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
  GroupRecord,
  InstanceProfileRecord,
  ManagedPolicyRecord,
  OidcProviderRecord,
  PolicyDocument,
  ResourceRecord,
  RolePolicyRecord,
  RoleRecord,
  Tag,
  UserRecord,
  UserToGroupRecord,
  WorkloadRecord,
} from './desired.js';
import { readLedger, updateLedger, type Ledger } from './ledger.js';
import type { PlanChange } from './diff.js';
import { StackResourceError } from './errors.js';
import { ownershipTags, policyTag, POLICY_TAG_PREFIX, readOwnership } from './ownership.js';
import { workloadInput, type WorkloadEnv } from './workload-settings.js';
import { trustPrincipalsToLock } from './trust-principals.js';
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

async function allPages<T>(
  page: (marker: string | undefined) => Promise<{ items: T[]; isTruncated: boolean; marker?: string }>,
): Promise<T[]> {
  const out: T[] = [];
  for (let marker: string | undefined, more = true; more;) {
    const p = await page(marker);
    out.push(...p.items);
    marker = p.marker;
    more = p.isTruncated && marker !== undefined;
  }
  return out;
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
    // Checked again, row-locked, where the policy is written (as CreateRole does).
    trustPrincipals: await trustPrincipalsToLock(tx, ctx.desired, d.assumeRolePolicyDocument),
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
    ...(trust !== text(c.assumeRolePolicyDocument)
      ? {
          assumeRolePolicyDocument: trust,
          trustPrincipals: await trustPrincipalsToLock(tx, ctx.desired, d.assumeRolePolicyDocument),
        }
      : {}),
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
  for (const user of d.users) await tx.attachUserPolicy(ctx.accountId, user, d.arn);
  for (const group of d.groups) await tx.attachGroupPolicy(ctx.accountId, group, d.arn);
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
  for (const user of minus(c.users, d.users, true)) await tx.detachUserPolicy(ctx.accountId, user, d.arn);
  for (const user of minus(d.users, c.users, true)) await tx.attachUserPolicy(ctx.accountId, user, d.arn);
  for (const group of minus(c.groups, d.groups, true))
    await tx.detachGroupPolicy(ctx.accountId, group, d.arn);
  for (const group of minus(d.groups, c.groups, true))
    await tx.attachGroupPolicy(ctx.accountId, group, d.arn);
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
  const attachedTo = new Set(await tx.listPrincipalsForPolicy(c.arn));
  if (attachedTo.size > 0) {
    for (const u of await allPages((m) =>
      tx.listUsers(ctx.accountId, m === undefined ? {} : { marker: m }),
    )) {
      if (attachedTo.has(u.userId)) await tx.detachUserPolicy(ctx.accountId, u.userName, c.arn);
    }
    for (const g of await allPages((m) =>
      tx.listGroups(ctx.accountId, m === undefined ? {} : { marker: m }),
    )) {
      if (attachedTo.has(g.groupId)) await tx.detachGroupPolicy(ctx.accountId, g.groupName, c.arn);
    }
  }
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
    const own = await readLedger(tx, ctx.accountId, ctx.stackName);
    for (const u of await allPages((m) =>
      tx.listUsers(ctx.accountId, m === undefined ? {} : { marker: m }),
    )) {
      if (u.permissionsBoundaryArn === c.arn && own.users[u.userId] !== undefined) {
        await tx.deleteUserPermissionsBoundary(ctx.accountId, u.userName);
      }
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
  // Users and groups: put where new or changed, taken off where no longer named; the ledger says
  // which inline policies are this resource's (groups have no tags to mark them).
  const own = await readLedger(tx, ctx.accountId, ctx.stackName);
  for (const user of d.users) {
    const held = c?.users.some((u) => lower(u) === lower(user)) ?? false;
    if (unchanged && held) continue;
    if (!held) {
      const u = await tx.getUser(ctx.accountId, user);
      if (own.users[u.userId] === undefined) await refuseInlineTakeover(tx, ctx, 'user', user, d.policyName);
    }
    await tx.putUserPolicy(ctx.accountId, user, d.policyName, document);
  }
  for (const group of d.groups) {
    const held = c?.groups.some((g) => lower(g) === lower(group)) ?? false;
    if (unchanged && held) continue;
    if (!held) {
      const g = await tx.getGroup(ctx.accountId, group);
      if (own.groups[g.groupId] === undefined)
        await refuseInlineTakeover(tx, ctx, 'group', group, d.policyName);
    }
    await tx.putGroupPolicy(ctx.accountId, group, d.policyName, document);
  }
  if (c !== undefined) await removeInline(tx, ctx, c, d);
  const userIds: string[] = [];
  for (const user of d.users) userIds.push(await userId(tx, ctx, user));
  const groupIds: string[] = [];
  for (const group of d.groups) groupIds.push(await groupId(tx, ctx, group));
  await ledger(tx, ctx, (l) => {
    const key = d.logicalId ?? d.policyName;
    if (userIds.length + groupIds.length === 0) delete l.policies[key];
    else l.policies[key] = { policyName: d.policyName, userIds, groupIds };
  });
}

/**
 * An inline policy of that name already on a user or group the stack does not own was put there
 * by someone else: overwriting it would make it the stack's, and deleting the stack would delete
 * it. Refused as a name held outside the stack is (`EntityAlreadyExists`).
 */
async function refuseInlineTakeover(
  tx: Store,
  ctx: ExecuteContext,
  kind: 'user' | 'group',
  name: string,
  policyName: string,
): Promise<void> {
  const existing =
    kind === 'user'
      ? await tx.getUserPolicy(ctx.accountId, name, policyName).catch(() => undefined)
      : await tx.getGroupPolicy(ctx.accountId, name, policyName).catch(() => undefined);
  if (existing === undefined) return;
  throw new AwsError(
    'EntityAlreadyExists',
    `${kind} ${name} already has an inline policy ${policyName} that this stack did not put there`,
    { status: 409 },
  );
}

/** Whether the desired state still puts an inline policy of that name on the user or group. */
function inlineWanted(
  ctx: ExecuteContext,
  kind: 'user' | 'group',
  name: string,
  policyName: string,
): boolean {
  const n = lower(name);
  const p = lower(policyName);
  const listed = (r: RolePolicyRecord) => (kind === 'user' ? r.users : r.groups);
  const own =
    kind === 'user'
      ? ctx.desired.users.filter((u) => lower(u.userName) === n)
      : ctx.desired.groups.filter((g) => lower(g.groupName) === n);
  return (
    ctx.desired.rolePolicies.some(
      (r) => lower(r.policyName) === p && listed(r).some((x) => lower(x) === n),
    ) || own.some((r) => r.inlinePolicies.some((x) => lower(x.policyName) === p))
  );
}

/** Takes `c`'s policy off the users and groups `d` (when given) no longer names, unless still wanted. */
async function removeInline(
  tx: Store,
  ctx: ExecuteContext,
  c: RolePolicyRecord,
  d?: RolePolicyRecord,
): Promise<void> {
  for (const user of minus(c.users, d?.users ?? [], true)) {
    if (!inlineWanted(ctx, 'user', user, c.policyName)) {
      await ignoreMissing(tx.deleteUserPolicy(ctx.accountId, user, c.policyName));
    }
  }
  for (const group of minus(c.groups, d?.groups ?? [], true)) {
    if (!inlineWanted(ctx, 'group', group, c.policyName)) {
      await ignoreMissing(tx.deleteGroupPolicy(ctx.accountId, group, c.policyName));
    }
  }
}

/** Takes the policy off its roles, users and groups, except where the desired state still puts it there. */
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
  await removeInline(tx, ctx, c);
  if (c.users.length + c.groups.length > 0 && c.logicalId !== undefined) {
    const logicalId = c.logicalId;
    const again = ctx.desired.rolePolicies.some((p) => p.logicalId === logicalId);
    if (!again) {
      await ledger(tx, ctx, (l) => {
        delete l.policies[logicalId];
      });
    }
  }
}

// ---------------------------------------------------------------------------- users, groups

/** The stack's ledger (`ledger.ts`), changed in the apply's transaction. */
function ledger(tx: Store, ctx: ExecuteContext, change: (l: Ledger) => void): Promise<void> {
  return updateLedger(tx, ctx.accountId, ctx.stackName, change);
}

async function userId(tx: Store, ctx: ExecuteContext, name: string): Promise<string> {
  return (await tx.getUser(ctx.accountId, name)).userId;
}

async function groupId(tx: Store, ctx: ExecuteContext, name: string): Promise<string> {
  return (await tx.getGroup(ctx.accountId, name)).groupId;
}

/** Whether the desired state still puts `user` in `group` (through the user or another addition). */
function membershipWanted(ctx: ExecuteContext, group: string, user: string, except?: string): boolean {
  const g = lower(group);
  const u = lower(user);
  return (
    ctx.desired.users.some((x) => lower(x.userName) === u && x.groups.some((y) => lower(y) === g)) ||
    ctx.desired.userToGroups.some(
      (x) => x.logicalId !== except && lower(x.groupName) === g && x.users.some((y) => lower(y) === u),
    )
  );
}

interface InlineOps {
  put(name: string, policyName: string, document: string): Promise<void>;
  remove(name: string, policyName: string): Promise<void>;
  attach(name: string, arn: string): Promise<void>;
  detach(name: string, arn: string): Promise<void>;
}

function userOps(tx: Store, acct: string): InlineOps {
  return {
    put: (n, p, d) => tx.putUserPolicy(acct, n, p, d),
    remove: (n, p) => tx.deleteUserPolicy(acct, n, p),
    attach: (n, a) => tx.attachUserPolicy(acct, n, a),
    detach: (n, a) => tx.detachUserPolicy(acct, n, a),
  };
}

function groupOps(tx: Store, acct: string): InlineOps {
  return {
    put: (n, p, d) => tx.putGroupPolicy(acct, n, p, d),
    remove: (n, p) => tx.deleteGroupPolicy(acct, n, p),
    attach: (n, a) => tx.attachGroupPolicy(acct, n, a),
    detach: (n, a) => tx.detachGroupPolicy(acct, n, a),
  };
}

/** Inline policies and attachments of a user or group, from `c` (what it has) to `d`. */
async function syncPolicies(
  ops: InlineOps,
  name: string,
  d: UserRecord | GroupRecord,
  c?: UserRecord | GroupRecord,
  ctx?: ExecuteContext,
): Promise<void> {
  const before = new Map((c?.inlinePolicies ?? []).map((p) => [lower(p.policyName), text(p.document)]));
  for (const p of d.inlinePolicies) {
    const document = text(p.document);
    if (before.get(lower(p.policyName)) !== document) await ops.put(name, p.policyName, document);
  }
  const wanted = new Set(d.inlinePolicies.map((p) => lower(p.policyName)));
  for (const p of c?.inlinePolicies ?? []) {
    if (wanted.has(lower(p.policyName))) continue;
    // Moved to an AWS::IAM::Policy of the stack (which may already have put it back): left to it.
    if (
      ctx?.desired.rolePolicies.some(
        (r) =>
          lower(r.policyName) === lower(p.policyName) &&
          (d.kind === 'user' ? r.users : r.groups).some((x) => lower(x) === lower(name)),
      )
    ) {
      continue;
    }
    await ops.remove(name, p.policyName);
  }
  const had = c?.managedPolicyArns ?? [];
  // A policy replaced earlier in this apply was detached from everything before it went.
  for (const arn of minus(had, d.managedPolicyArns)) await ignoreMissing(ops.detach(name, arn));
  for (const arn of minus(d.managedPolicyArns, had)) await ops.attach(name, arn);
}

async function createUser(tx: Store, ctx: ExecuteContext, d: UserRecord): Promise<void> {
  const user = await tx.createUser(ctx.accountId, {
    userName: d.userName,
    path: d.path,
    ...(d.permissionsBoundary !== undefined ? { permissionsBoundaryArn: d.permissionsBoundary } : {}),
    tags: d.tags,
  });
  await ledger(tx, ctx, (l) => {
    l.users[user.userId] = d.logicalId ?? '';
  });
  await syncPolicies(userOps(tx, ctx.accountId), d.userName, d);
  for (const group of d.groups) await tx.addUserToGroup(ctx.accountId, group, d.userName);
}

/**
 * UpdateUser for a new path: the Store rewrites the trust policies naming the user's old ARN to
 * the new one (`store/sql/trust-binding.ts`), as IAM does.
 */
async function updateUser(tx: Store, ctx: ExecuteContext, d: UserRecord, c: UserRecord): Promise<void> {
  const acct = ctx.accountId;
  const name = c.userName;
  if (d.path !== c.path) await tx.updateUser(acct, name, { newPath: d.path });
  if (d.permissionsBoundary !== c.permissionsBoundary) {
    if (d.permissionsBoundary === undefined) await tx.deleteUserPermissionsBoundary(acct, name);
    else await tx.putUserPermissionsBoundary(acct, name, d.permissionsBoundary);
  }
  if (!sameTags(d.tags, c.tags)) {
    const gone = minus(
      c.tags.map((t) => t.key),
      d.tags.map((t) => t.key),
      true,
    );
    if (gone.length > 0) await tx.untagUser(acct, name, gone);
    if (d.tags.length > 0) await tx.tagUser(acct, name, d.tags);
  }
  if (d.logicalId !== undefined && d.logicalId !== c.logicalId) {
    const id = await userId(tx, ctx, name);
    await ledger(tx, ctx, (l) => {
      l.users[id] = d.logicalId ?? '';
    });
  }
  await syncPolicies(userOps(tx, acct), name, d, c, ctx);
  for (const group of minus(c.groups, d.groups, true)) {
    if (
      !ctx.desired.userToGroups.some(
        (x) => lower(x.groupName) === lower(group) && x.users.some((u) => lower(u) === lower(name)),
      )
    ) {
      // The group may be gone already: replaced earlier in this apply (its members go with it).
      await ignoreMissing(tx.removeUserFromGroup(acct, group, name));
    }
  }
  for (const group of minus(d.groups, c.groups, true)) await tx.addUserToGroup(acct, group, name);
}

/**
 * DeleteUser needs the user bare: no inline or attached policies, in no group. Its access keys and
 * MFA devices are not the stack's to remove (keys are never made by stacks): while it has any,
 * the delete fails with IAM's DeleteConflict, naming the resource, and nothing is written.
 * Deleting goes through the Store's DeleteUser, which rewrites every trust policy naming the user
 * to its unique id (`store/sql/trust-binding.ts`).
 */
async function deleteUser(tx: Store, ctx: ExecuteContext, c: UserRecord): Promise<void> {
  const acct = ctx.accountId;
  const name = c.userName;
  const user = await tx.getUser(acct, name);
  for (const p of (await tx.listUserPolicies(acct, name, { maxItems: 1000 })).items) {
    await tx.deleteUserPolicy(acct, name, p.policyName);
  }
  for (const a of (await tx.listAttachedUserPolicies(acct, name, { maxItems: 1000 })).items) {
    await tx.detachUserPolicy(acct, name, a.policyArn);
  }
  for (const g of (await tx.listGroupsForUser(acct, name, { maxItems: 1000 })).items) {
    await tx.removeUserFromGroup(acct, g.groupName, name);
  }
  await tx.deleteUser(acct, name);
  await ledger(tx, ctx, (l) => {
    delete l.users[user.userId];
  });
}

async function createGroup(tx: Store, ctx: ExecuteContext, d: GroupRecord): Promise<void> {
  const group = await tx.createGroup(ctx.accountId, { groupName: d.groupName, path: d.path });
  await ledger(tx, ctx, (l) => {
    l.groups[group.groupId] = d.logicalId ?? '';
  });
  await syncPolicies(groupOps(tx, ctx.accountId), d.groupName, d);
}

async function updateGroup(tx: Store, ctx: ExecuteContext, d: GroupRecord, c: GroupRecord): Promise<void> {
  const name = c.groupName;
  if (d.path !== c.path) await tx.updateGroup(ctx.accountId, name, { newPath: d.path });
  if (d.logicalId !== undefined && d.logicalId !== c.logicalId) {
    const id = await groupId(tx, ctx, name);
    await ledger(tx, ctx, (l) => {
      l.groups[id] = d.logicalId ?? '';
    });
  }
  await syncPolicies(groupOps(tx, ctx.accountId), name, d, c, ctx);
}

/** DeleteGroup needs the group bare: no policies, no members (whoever made the memberships). */
async function deleteGroup(tx: Store, ctx: ExecuteContext, c: GroupRecord): Promise<void> {
  const acct = ctx.accountId;
  const name = c.groupName;
  const group = await tx.getGroup(acct, name);
  for (const p of (await tx.listGroupPolicies(acct, name, { maxItems: 1000 })).items) {
    await tx.deleteGroupPolicy(acct, name, p.policyName);
  }
  for (const a of (await tx.listAttachedGroupPolicies(acct, name, { maxItems: 1000 })).items) {
    await tx.detachGroupPolicy(acct, name, a.policyArn);
  }
  for (const u of (await tx.listUsersInGroup(acct, name, { maxItems: 1000 })).items) {
    await tx.removeUserFromGroup(acct, name, u.userName);
  }
  await tx.deleteGroup(acct, name);
  await ledger(tx, ctx, (l) => {
    delete l.groups[group.groupId];
  });
}

/**
 * AWS::IAM::UserToGroupAddition: AddUserToGroup for each user, recorded in the ledger by unique
 * ids. The users need not be the stack's (CloudFormation allows any); deleting the resource
 * removes only the memberships it made, never a user or a group.
 */
async function putMembership(
  tx: Store,
  ctx: ExecuteContext,
  d: UserToGroupRecord,
  c?: UserToGroupRecord,
): Promise<void> {
  const acct = ctx.accountId;
  for (const user of minus(c?.users ?? [], d.users, true)) {
    if (!membershipWanted(ctx, d.groupName, user, d.logicalId)) {
      await ignoreMissing(tx.removeUserFromGroup(acct, d.groupName, user));
    }
  }
  for (const user of d.users) await tx.addUserToGroup(acct, d.groupName, user);
  const gid = await groupId(tx, ctx, d.groupName);
  const uids: string[] = [];
  for (const user of d.users) uids.push(await userId(tx, ctx, user));
  await ledger(tx, ctx, (l) => {
    l.memberships[d.logicalId ?? d.name] = { groupId: gid, userIds: uids };
  });
}

async function deleteMembership(tx: Store, ctx: ExecuteContext, c: UserToGroupRecord): Promise<void> {
  for (const user of c.users) {
    if (!membershipWanted(ctx, c.groupName, user, c.logicalId)) {
      await ignoreMissing(tx.removeUserFromGroup(ctx.accountId, c.groupName, user));
    }
  }
  await ledger(tx, ctx, (l) => {
    delete l.memberships[c.logicalId ?? c.name];
  });
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

const WORKLOAD_KINDS: readonly string[] = [
  'ec2-instance',
  'ecs-task-definition',
  'eks-pod-identity',
  'lambda-function',
];

function isWorkload(r: ResourceRecord): r is WorkloadRecord {
  return WORKLOAD_KINDS.includes(r.kind);
}

async function create(tx: Store, ctx: ExecuteContext, d: ResourceRecord): Promise<void> {
  switch (d.kind) {
    case 'role':
      return createRole(tx, ctx, d);
    case 'managed-policy':
      return createManagedPolicy(tx, ctx, d);
    case 'role-policy':
      return putRolePolicies(tx, ctx, d);
    case 'user':
      return createUser(tx, ctx, d);
    case 'group':
      return createGroup(tx, ctx, d);
    case 'user-to-group':
      return putMembership(tx, ctx, d);
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
  if (d.kind === 'user' && c.kind === 'user') return updateUser(tx, ctx, d, c);
  if (d.kind === 'group' && c.kind === 'group') return updateGroup(tx, ctx, d, c);
  if (d.kind === 'user-to-group' && c.kind === 'user-to-group') return putMembership(tx, ctx, d, c);
  if (d.kind === 'instance-profile' && c.kind === 'instance-profile')
    return updateInstanceProfile(tx, ctx, d, c);
  if (d.kind === 'oidc-provider' && c.kind === 'oidc-provider') return updateOidcProvider(tx, ctx, d, c);
  if (d.kind !== c.kind)
    throw new AwsError('InternalFailure', `cannot update a ${c.kind} into a ${d.kind}`, { status: 500 });
  if (isWorkload(d)) return putWorkload(tx, ctx, d, true);
  throw new AwsError('InternalFailure', `cannot update a ${d.kind}`, { status: 500 });
}

async function remove(tx: Store, ctx: ExecuteContext, c: ResourceRecord): Promise<void> {
  switch (c.kind) {
    case 'role':
      return deleteRole(tx, ctx, c);
    case 'managed-policy':
      return deleteManagedPolicy(tx, ctx, c);
    case 'role-policy':
      return deleteRolePolicies(tx, ctx, c);
    case 'user':
      return deleteUser(tx, ctx, c);
    case 'group':
      return deleteGroup(tx, ctx, c);
    case 'user-to-group':
      return deleteMembership(tx, ctx, c);
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
