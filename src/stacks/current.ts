/**
 * What exists: the records in the Store that a stack owns, plus any record that holds a name the
 * template declares (so `planChanges` can refuse to take it over), in the same shape as a desired
 * state. Ownership is read from the reserved tags and workload settings of `ownership.ts`.
 */
import type { Page, Store } from '../store/store.js';
import type { Role } from '../iam/types.js';
import {
  emptyState,
  type DesiredState,
  type InlinePolicyRecord,
  type ManagedPolicyRecord,
  type PolicyDocument,
  type RoleRecord,
  type RolePolicyRecord,
} from './desired.js';
import { recordKey } from './diff.js';
import { readLedger } from './ledger.js';
import { readOwnership, readPolicyTags, type Ownership } from './ownership.js';
import type { PhysicalResolver } from './physical.js';
import { workloadIdentity, workloadRecord } from './workload-settings.js';

export interface ReadCurrentOptions {
  accountId: string;
  stackName: string;
  /** For ARNs of ECS and EKS records; the desired state's region, else `us-east-1`. */
  region?: string;
  /** The store's partition unless given. */
  partition?: string;
  /**
   * The template's desired state. With it, records holding names the template declares are read
   * too (they end in a conflict when another stack or no stack owns them), and it settles which
   * side a role–managed-policy attachment belongs to (see `attribution`).
   */
  desired?: DesiredState;
}

/** The current state plus a resolver answering, from the Store, the values AWS assigns at creation. */
export interface CurrentStack {
  state: DesiredState;
  resolver: PhysicalResolver;
}

interface PhysicalEntry {
  type: string;
  name?: string;
  attributes: Record<string, string>;
}

async function all<T>(page: (marker: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let marker: string | undefined;
  for (;;) {
    const p = await page(marker);
    out.push(...p.items);
    if (!p.isTruncated || p.marker === undefined) return out;
    marker = p.marker;
  }
}

/** Documents are stored as the JSON text given; text that is not JSON can never equal a template's. */
function parseDocument(text: string): PolicyDocument {
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as PolicyDocument;
  } catch {
    // fall through
  }
  return { 'credplane:unparsable': text };
}

function source(owner: Ownership, type: string): { stack?: string; logicalId?: string; type: string } {
  return { ...owner, type };
}

const lower = (s: string) => s.toLowerCase();

type PrincipalKind = 'role' | 'user' | 'group';

/**
 * Which side of a principal–policy attachment records it. A template can attach the same pair
 * through the role, user or group (`ManagedPolicyArns`) and through the policy (`Roles`, `Users`,
 * `Groups`); the Store keeps one attachment. It is the principal's when the principal is this
 * stack's and either the template's principal lists it or the policy is not this stack's; it is
 * the policy's when the policy is this stack's and either the template's policy lists the
 * principal or the template's principal does not list the policy. An attachment nobody wants
 * therefore shows on exactly one side (and is detached there), and one both want on both (and is
 * left alone).
 */
function attribution(
  desired: DesiredState | undefined,
  owned: Record<PrincipalKind, Set<string>>,
  ownedPolicies: Set<string>,
) {
  const principals = (kind: PrincipalKind): { name: string; managedPolicyArns: string[] }[] => {
    if (desired === undefined) return [];
    if (kind === 'role')
      return desired.roles.map((r) => ({ name: r.roleName, managedPolicyArns: r.managedPolicyArns }));
    if (kind === 'user')
      return desired.users.map((u) => ({ name: u.userName, managedPolicyArns: u.managedPolicyArns }));
    return desired.groups.map((g) => ({ name: g.groupName, managedPolicyArns: g.managedPolicyArns }));
  };
  const listed = { role: 'roles', user: 'users', group: 'groups' } as const;
  const principalWants = (kind: PrincipalKind, name: string, arn: string) =>
    principals(kind).some((p) => lower(p.name) === lower(name) && p.managedPolicyArns.includes(arn));
  const policyWants = (kind: PrincipalKind, name: string, arn: string) =>
    desired?.managedPolicies.some(
      (p) => p.arn === arn && p[listed[kind]].some((r) => lower(r) === lower(name)),
    ) ?? false;
  return {
    toPrincipal(kind: PrincipalKind, name: string, arn: string): boolean {
      if (!owned[kind].has(lower(name))) return true;
      return principalWants(kind, name, arn) || (!policyWants(kind, name, arn) && !ownedPolicies.has(arn));
    },
    toPolicy(kind: PrincipalKind, name: string, arn: string): boolean {
      if (!ownedPolicies.has(arn)) return true;
      return policyWants(kind, name, arn) || !principalWants(kind, name, arn);
    },
  };
}

/**
 * Reads the stack's records (and conflicting ones) and a resolver for their assigned values.
 *
 * @example
 * const { state, resolver } = await readCurrentStack(store, { accountId, stackName: 'demo', desired });
 * planChanges(desired, state);
 */
export async function readCurrentStack(store: Store, options: ReadCurrentOptions): Promise<CurrentStack> {
  const { accountId, stackName, desired } = options;
  const partition = options.partition ?? store.partition;
  const region = options.region ?? desired?.region ?? 'us-east-1';
  const env = { partition, accountId, region };
  const state = emptyState(stackName, accountId, region, partition);
  const physical = new Map<string, PhysicalEntry>();
  const mine = (owner: Ownership) => owner.stack === stackName;
  const remember = (owner: Ownership, entry: PhysicalEntry) => {
    if (mine(owner) && owner.logicalId !== undefined) physical.set(owner.logicalId, entry);
  };

  const wantedRoles = new Set((desired?.roles ?? []).map((r) => lower(r.roleName)));
  const wantedPolicies = new Set((desired?.managedPolicies ?? []).map((p) => p.arn));
  const wantedProfiles = new Set((desired?.instanceProfiles ?? []).map((p) => lower(p.instanceProfileName)));
  const wantedProviders = new Set((desired?.oidcProviders ?? []).map((p) => p.url));
  const wantedWorkloads = new Set((desired?.workloads ?? []).map(recordKey));
  const wantedRolePolicies = new Set((desired?.rolePolicies ?? []).map(recordKey));

  // Roles first: ownership of both ends decides how attachments are split.
  const roles = await all((marker) => store.listRoles(accountId, marker === undefined ? {} : { marker }));
  const ownedRoles = new Set<string>();
  for (const role of roles) if (mine(readOwnership(role.tags).owner)) ownedRoles.add(lower(role.roleName));
  const policies = await all((marker) =>
    store.listPolicies(accountId, marker === undefined ? {} : { marker }),
  );
  const ownedPolicies = new Set<string>();
  for (const p of policies) if (mine(readOwnership(p.tags).owner)) ownedPolicies.add(p.arn);
  // Users and groups: owned when the stack's ledger names their unique id (`ledger.ts`).
  const ledger = await readLedger(store, accountId, stackName);
  const users = await all((marker) => store.listUsers(accountId, marker === undefined ? {} : { marker }));
  const groups = await all((marker) => store.listGroups(accountId, marker === undefined ? {} : { marker }));
  const userById = new Map(users.map((u) => [u.userId, u]));
  const groupById = new Map(groups.map((g) => [g.groupId, g]));
  const ownedUsers = new Set(
    users.filter((u) => ledger.users[u.userId] !== undefined).map((u) => lower(u.userName)),
  );
  const ownedGroups = new Set(
    groups.filter((g) => ledger.groups[g.groupId] !== undefined).map((g) => lower(g.groupName)),
  );
  const side = attribution(
    desired,
    { role: ownedRoles, user: ownedUsers, group: ownedGroups },
    ownedPolicies,
  );

  // AWS::IAM::Policy records, gathered across the roles that carry their tags.
  const rolePolicies = new Map<string, { record: RolePolicyRecord; documents: Set<string> }>();
  const inlineOf = async (role: Role) =>
    all((marker) => store.listRolePolicies(accountId, role.roleName, marker === undefined ? {} : { marker }));

  for (const role of roles) {
    const { owner, userTags } = readOwnership(role.tags);
    const policyTags = readPolicyTags(role.tags);
    const included = mine(owner) || wantedRoles.has(lower(role.roleName));
    const marked = [...policyTags.values()].some((t) => t.owner.stack !== undefined);
    if (!included && !marked) continue;
    const inline = await inlineOf(role);
    const own: InlinePolicyRecord[] = [];
    for (const p of inline) {
      const tag = policyTags.get(lower(p.policyName));
      if (tag === undefined) {
        own.push({ policyName: p.policyName, document: parseDocument(p.document) });
        continue;
      }
      const key = `${tag.owner.stack ?? ''}/${tag.owner.logicalId ?? ''}/${lower(p.policyName)}`;
      let entry = rolePolicies.get(key);
      if (entry === undefined) {
        entry = {
          record: {
            kind: 'role-policy',
            ...source(tag.owner, 'AWS::IAM::Policy'),
            policyName: p.policyName,
            document: parseDocument(p.document),
            roles: [],
            users: [],
            groups: [],
          },
          documents: new Set(),
        };
        rolePolicies.set(key, entry);
      }
      entry.record.roles.push(role.roleName);
      entry.documents.add(JSON.stringify(parseDocument(p.document)));
    }
    if (!included) continue;
    const attached = await all((marker) =>
      store.listAttachedRolePolicies(accountId, role.roleName, marker === undefined ? {} : { marker }),
    );
    const record: RoleRecord = {
      kind: 'role',
      ...source(owner, 'AWS::IAM::Role'),
      roleName: role.roleName,
      path: role.path,
      arn: role.arn,
      assumeRolePolicyDocument: parseDocument(role.assumeRolePolicyDocument),
      // IAM has no way to unset a description but to set it empty: both mean "none".
      ...(role.description ? { description: role.description } : {}),
      maxSessionDuration: role.maxSessionDuration,
      managedPolicyArns: attached
        .map((a) => a.policyArn)
        .filter((arn) => side.toPrincipal('role', role.roleName, arn)),
      ...(role.permissionsBoundaryArn !== undefined
        ? { permissionsBoundary: role.permissionsBoundaryArn }
        : {}),
      inlinePolicies: own,
      tags: userTags,
    };
    state.roles.push(record);
    remember(owner, { type: 'AWS::IAM::Role', name: role.roleName, attributes: { RoleId: role.roleId } });
  }
  // AWS::IAM::Policy on users and groups, as this stack's ledger records them.
  const claimedInline = new Set<string>();
  for (const [logicalId, entry] of Object.entries(ledger.policies)) {
    const key = `${stackName}/${logicalId}/${lower(entry.policyName)}`;
    const on: [PrincipalKind, string, string][] = [
      ...entry.userIds.flatMap((id): [PrincipalKind, string, string][] => {
        const u = userById.get(id);
        return u === undefined ? [] : [['user', u.userName, id]];
      }),
      ...entry.groupIds.flatMap((id): [PrincipalKind, string, string][] => {
        const g = groupById.get(id);
        return g === undefined ? [] : [['group', g.groupName, id]];
      }),
    ];
    for (const [kind, name, id] of on) {
      const found =
        kind === 'user'
          ? await store.getUserPolicy(accountId, name, entry.policyName).catch(() => undefined)
          : await store.getGroupPolicy(accountId, name, entry.policyName).catch(() => undefined);
      if (found === undefined) continue;
      claimedInline.add(`${id}/${lower(entry.policyName)}`);
      let held = rolePolicies.get(key);
      if (held === undefined) {
        held = {
          record: {
            kind: 'role-policy',
            ...source({ stack: stackName, logicalId }, 'AWS::IAM::Policy'),
            policyName: found.policyName,
            document: parseDocument(found.document),
            roles: [],
            users: [],
            groups: [],
          },
          documents: new Set(),
        };
        rolePolicies.set(key, held);
      }
      (kind === 'user' ? held.record.users : held.record.groups).push(name);
      held.documents.add(JSON.stringify(parseDocument(found.document)));
    }
  }
  for (const { record, documents } of rolePolicies.values()) {
    if (record.stack !== stackName && !wantedRolePolicies.has(recordKey(record))) continue;
    // The same AWS::IAM::Policy edited by hand on one role: no single document describes it.
    if (documents.size > 1) record.document = { 'credplane:documents-differ': true };
    state.rolePolicies.push(record);
  }

  for (const policy of policies) {
    const { owner } = readOwnership(policy.tags);
    if (!mine(owner) && !wantedPolicies.has(policy.arn)) continue;
    const version = await store.getPolicyVersion(policy.arn, policy.defaultVersionId);
    const attachedTo = await store.listRolesForPolicy(policy.arn);
    const principalIds = await store.listPrincipalsForPolicy(policy.arn);
    const attachedUsers = principalIds.flatMap((id) => userById.get(id)?.userName ?? []);
    const attachedGroups = principalIds.flatMap((id) => groupById.get(id)?.groupName ?? []);
    const record: ManagedPolicyRecord = {
      kind: 'managed-policy',
      ...source(owner, 'AWS::IAM::ManagedPolicy'),
      policyName: policy.policyName,
      path: policy.path,
      arn: policy.arn,
      ...(policy.description ? { description: policy.description } : {}),
      document: parseDocument(version.document),
      roles: attachedTo.filter((role) => side.toPolicy('role', role, policy.arn)),
      users: attachedUsers.filter((u) => side.toPolicy('user', u, policy.arn)),
      groups: attachedGroups.filter((g) => side.toPolicy('group', g, policy.arn)),
    };
    state.managedPolicies.push(record);
    remember(owner, {
      type: 'AWS::IAM::ManagedPolicy',
      name: policy.policyName,
      attributes: { PolicyId: policy.policyId, DefaultVersionId: policy.defaultVersionId },
    });
  }

  // Memberships an AWS::IAM::UserToGroupAddition of this stack made: (group id, user id) pairs.
  const claimedMembership = new Set<string>();
  for (const [logicalId, m] of Object.entries(ledger.memberships)) {
    const group = groupById.get(m.groupId);
    if (group === undefined) continue; // the group is gone, and the memberships with it
    const members = new Set(
      (
        await all((marker) =>
          store.listUsersInGroup(accountId, group.groupName, marker === undefined ? {} : { marker }),
        )
      ).map((u) => u.userId),
    );
    const held = m.userIds.filter((id) => members.has(id) && userById.has(id));
    for (const id of held) claimedMembership.add(`${m.groupId}/${id}`);
    state.userToGroups.push({
      kind: 'user-to-group',
      ...source({ stack: stackName, logicalId }, 'AWS::IAM::UserToGroupAddition'),
      name: desired?.userToGroups.find((r) => r.logicalId === logicalId)?.name ?? logicalId,
      groupName: group.groupName,
      users: held.map((id) => userById.get(id)!.userName),
    });
  }
  const userWantsGroup = (user: string, group: string) =>
    desired?.users.some(
      (u) => lower(u.userName) === lower(user) && u.groups.some((g) => lower(g) === lower(group)),
    ) ?? false;

  const wantedUsers = new Set((desired?.users ?? []).map((u) => lower(u.userName)));
  for (const user of users) {
    const logicalId = ledger.users[user.userId];
    const owner: Ownership = logicalId === undefined ? {} : { stack: stackName, logicalId };
    if (logicalId === undefined && !wantedUsers.has(lower(user.userName))) continue;
    const inline = await all((marker) =>
      store.listUserPolicies(accountId, user.userName, marker === undefined ? {} : { marker }),
    );
    const attached = await all((marker) =>
      store.listAttachedUserPolicies(accountId, user.userName, marker === undefined ? {} : { marker }),
    );
    const memberOf = await all((marker) =>
      store.listGroupsForUser(accountId, user.userName, marker === undefined ? {} : { marker }),
    );
    state.users.push({
      kind: 'user',
      ...source(owner, 'AWS::IAM::User'),
      userName: user.userName,
      path: user.path,
      arn: user.arn,
      // A membership an AWS::IAM::UserToGroupAddition made is that resource's, unless the user lists it too.
      groups: memberOf
        .filter(
          (g) =>
            userWantsGroup(user.userName, g.groupName) ||
            !claimedMembership.has(`${g.groupId}/${user.userId}`),
        )
        .map((g) => g.groupName),
      managedPolicyArns: attached
        .map((a) => a.policyArn)
        .filter((arn) => side.toPrincipal('user', user.userName, arn)),
      ...(user.permissionsBoundaryArn !== undefined
        ? { permissionsBoundary: user.permissionsBoundaryArn }
        : {}),
      inlinePolicies: inline
        .filter((p) => !claimedInline.has(`${user.userId}/${lower(p.policyName)}`))
        .map((p) => ({ policyName: p.policyName, document: parseDocument(p.document) })),
      tags: user.tags,
    });
  }

  const wantedGroups = new Set((desired?.groups ?? []).map((g) => lower(g.groupName)));
  for (const group of groups) {
    const logicalId = ledger.groups[group.groupId];
    const owner: Ownership = logicalId === undefined ? {} : { stack: stackName, logicalId };
    if (logicalId === undefined && !wantedGroups.has(lower(group.groupName))) continue;
    const inline = await all((marker) =>
      store.listGroupPolicies(accountId, group.groupName, marker === undefined ? {} : { marker }),
    );
    const attached = await all((marker) =>
      store.listAttachedGroupPolicies(accountId, group.groupName, marker === undefined ? {} : { marker }),
    );
    state.groups.push({
      kind: 'group',
      ...source(owner, 'AWS::IAM::Group'),
      groupName: group.groupName,
      path: group.path,
      arn: group.arn,
      managedPolicyArns: attached
        .map((a) => a.policyArn)
        .filter((arn) => side.toPrincipal('group', group.groupName, arn)),
      inlinePolicies: inline
        .filter((p) => !claimedInline.has(`${group.groupId}/${lower(p.policyName)}`))
        .map((p) => ({ policyName: p.policyName, document: parseDocument(p.document) })),
    });
  }

  const profiles = await all((marker) =>
    store.listInstanceProfiles(accountId, marker === undefined ? {} : { marker }),
  );
  for (const profile of profiles) {
    const { owner } = readOwnership(profile.tags);
    if (!mine(owner) && !wantedProfiles.has(lower(profile.instanceProfileName))) continue;
    state.instanceProfiles.push({
      kind: 'instance-profile',
      ...source(owner, 'AWS::IAM::InstanceProfile'),
      instanceProfileName: profile.instanceProfileName,
      path: profile.path,
      arn: profile.arn,
      roles: profile.roles.map((r) => r.roleName),
    });
  }

  for (const provider of await store.listOidcProviders(accountId)) {
    const { owner, userTags } = readOwnership(provider.tags);
    if (!mine(owner) && !wantedProviders.has(provider.url)) continue;
    state.oidcProviders.push({
      kind: 'oidc-provider',
      ...source(owner, 'AWS::IAM::OIDCProvider'),
      url: provider.url,
      arn: provider.arn,
      clientIds: provider.clientIds,
      thumbprints: provider.thumbprints,
      tags: userTags,
    });
  }

  for (const workload of await store.listWorkloads(accountId)) {
    const record = workloadRecord(workload, env);
    if (record === undefined) continue;
    if (!mine(record) && !wantedWorkloads.has(recordKey(record))) continue;
    state.workloads.push(record);
    const ids = workloadIdentity(workload);
    switch (record.kind) {
      case 'ec2-instance':
        if (ids.instanceId !== undefined) {
          // The instance runs on this host: its IMDS is on loopback, and it has one zone.
          remember(record, {
            type: 'AWS::EC2::Instance',
            attributes: {
              InstanceId: ids.instanceId,
              AvailabilityZone: `${region}a`,
              PrivateIp: '127.0.0.1',
              PrivateDnsName: 'localhost',
            },
          });
        }
        break;
      case 'ecs-task-definition':
        if (ids.taskDefinitionArn !== undefined) {
          remember(record, {
            type: 'AWS::ECS::TaskDefinition',
            name: record.name,
            attributes: { TaskDefinitionArn: ids.taskDefinitionArn },
          });
        }
        break;
      case 'eks-pod-identity':
        if (ids.associationArn !== undefined && ids.associationId !== undefined) {
          remember(record, {
            type: 'AWS::EKS::PodIdentityAssociation',
            attributes: { AssociationArn: ids.associationArn, AssociationId: ids.associationId },
          });
        }
        break;
      default:
        break;
    }
  }

  const resolver: PhysicalResolver = (request) => {
    const entry = physical.get(request.logicalId);
    if (entry === undefined || entry.type !== request.type) return undefined;
    // A renamed resource is a new resource: the old one's id must not leak into the template.
    if (request.physicalName !== undefined && entry.name !== undefined) {
      if (lower(request.physicalName) !== lower(entry.name)) return undefined;
    }
    return entry.attributes[request.attribute];
  };
  return { state, resolver };
}

/**
 * The `DesiredState`-shaped description of what the Store holds for a stack (and of records that
 * hold names `desired` declares), for `planChanges`.
 *
 * @example
 * const current = await readCurrentState(store, { accountId: '111122223333', stackName: 'demo' });
 * current.roles.map((r) => r.roleName);
 */
export async function readCurrentState(store: Store, options: ReadCurrentOptions): Promise<DesiredState> {
  return (await readCurrentStack(store, options)).state;
}
