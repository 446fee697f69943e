/**
 * The `Store`: everything the control plane persists, behind one async interface with one
 * implementation per SQL dialect (`sqlite.ts`, `postgres.ts`) over a shared query layer.
 *
 * Conventions:
 * - `get*` throws `NoSuchEntity` (404) when the entity is missing; `find*` resolves `undefined`.
 * - Names IAM compares without case (roles, managed policies, instance profiles, inline policies)
 *   are unique and looked up without case; the stored spelling is the one returned.
 * - Writes that break an IAM rule throw the IAM error (`EntityAlreadyExists`, `DeleteConflict`,
 *   `LimitExceeded`, `NoSuchEntity`, `ConcurrentModification`) from `src/iam/errors.ts`.
 * - Inputs are assumed to be validated by the caller (`src/iam/names.ts`); the store enforces
 *   uniqueness, existence, references and quotas.
 * - Every committed write fires `onChange` listeners, after the commit, and advances the store
 *   generation in its transaction (`generation()`), so other processes can tell too.
 */
import type {
  AccessKey,
  AccessKeyStatus,
  Account,
  AccountId,
  ArnString,
  AttachedPolicy,
  InlinePolicy,
  InstanceProfile,
  JsonValue,
  KeyRingRecord,
  ManagedPolicy,
  PolicyDocumentText,
  PolicyVersion,
  Role,
  RoleId,
  RoleRevocation,
  Tag,
  WorkloadKind,
  OidcProvider,
  User,
  Group,
  EmbeddedPolicy,
  VirtualMfaDevice,
} from '../iam/types.js';
import type { Workload, WorkloadInput } from '../workloads/index.js';
import type { GenerationFeed, Leadership } from './coordination/types.js';
import type { NodeStore } from './node-store.js';

export type { GenerationFeed, Leadership } from './coordination/types.js';

/** Pagination in IAM's style: pass back `marker` to get the next page. */
export interface ListOptions {
  /** The `marker` of the previous page. Opaque. */
  marker?: string;
  /** 1..1000; 100 when absent, as in IAM. */
  maxItems?: number;
}

export interface PathListOptions extends ListOptions {
  /** Only entities whose path starts with this text (`/` when absent). */
  pathPrefix?: string;
}

export interface Page<T> {
  items: T[];
  isTruncated: boolean;
  /** Present when `isTruncated`. */
  marker?: string;
}

export interface CreateAccountInput {
  accountId: AccountId;
  alias?: string;
}

export interface CreateRoleInput {
  roleName: string;
  /** `/` when absent. */
  path?: string;
  assumeRolePolicyDocument: PolicyDocumentText;
  description?: string;
  /** 3600 when absent. */
  maxSessionDuration?: number;
  permissionsBoundaryArn?: ArnString;
  tags?: Tag[];
  /**
   * The user and role ARNs the trust policy names as AWS principals that must exist, each with
   * exactly that ARN, when the role is written. Checked in the writing transaction with each
   * principal's row locked, so that a concurrent `DeleteUser`/`DeleteRole`/`UpdateUser` either
   * commits first (and the write fails: `MalformedPolicyDocument` "Invalid principal in policy") or
   * waits for it (and then rebinds the new trust policy to the unique id).
   */
  trustPrincipals?: readonly ArnString[];
}

/** Fields `UpdateRole` and `UpdateAssumeRolePolicy` change; absent fields stay as they are. */
export interface UpdateRoleInput {
  description?: string;
  maxSessionDuration?: number;
  assumeRolePolicyDocument?: PolicyDocumentText;
  /**
   * The user and role ARNs the trust policy names as AWS principals that must exist, each with
   * exactly that ARN, when the trust policy is written. Checked in the writing transaction with each
   * principal's row locked, so that a concurrent `DeleteUser`/`DeleteRole`/`UpdateUser` either
   * commits first (and the write fails: `MalformedPolicyDocument` "Invalid principal in policy") or
   * waits for it (and then rebinds the new trust policy to the unique id).
   */
  trustPrincipals?: readonly ArnString[];
}

export interface CreatePolicyInput {
  policyName: string;
  path?: string;
  /** Becomes version `v1`, the default. */
  document: PolicyDocumentText;
  description?: string;
  tags?: Tag[];
}

export interface ListPoliciesOptions extends PathListOptions {
  /** Only policies attached to at least one role (`OnlyAttached`). */
  onlyAttached?: boolean;
}

export interface CreateInstanceProfileInput {
  instanceProfileName: string;
  path?: string;
  tags?: Tag[];
}

export interface CreateOidcProviderInput {
  /** `https://host/path`; stored as `host/path`, as IAM does. */
  url: string;
  clientIds: string[];
  thumbprints: string[];
  tags?: Tag[];
}

export interface UpdateOidcProviderInput {
  clientIds?: string[];
  thumbprints?: string[];
}

export interface CreateUserInput {
  userName: string;
  /** `/` when absent. */
  path?: string;
  permissionsBoundaryArn?: ArnString;
  tags?: Tag[];
  /**
   * The unique id to give the user (`AIDA…`); a fresh one when absent. Only for carrying an id
   * over (the admin's, which earlier versions derived from its name), never from the API.
   */
  userId?: string;
}

/** `UpdateUser`: a new name and/or path; absent fields stay. */
export interface UpdateUserInput {
  newUserName?: string;
  newPath?: string;
}

export interface CreateGroupInput {
  groupName: string;
  path?: string;
}

export interface UpdateGroupInput {
  newGroupName?: string;
  newPath?: string;
}

/** One authenticated use of an access key, as `GetAccessKeyLastUsed` reports it. */
export interface AccessKeyUseInput {
  accessKeyId: string;
  date: Date;
  serviceName: string;
  region: string;
}

export interface CreateVirtualMfaDeviceInput {
  deviceName: string;
  /** `/` when absent. */
  path?: string;
  /** The TOTP seed sealed under the master key, bound to the serial number. */
  sealedSeed: Uint8Array;
  tags?: Tag[];
}

/** A kind, a name, a role and that kind's settings (`src/workloads/`). */
export type PutWorkloadInput<K extends WorkloadKind = WorkloadKind> = WorkloadInput<K>;

export interface CreateAccessKeyInput {
  accessKeyId: string;
  accountId: AccountId;
  userName: string;
  sealedSecret: Uint8Array;
  status?: AccessKeyStatus;
}

/** One decision or credential delivery, as the access log keeps it. */
export interface AccessEventInput {
  /** Unique (a UUID); CloudTrail's `eventID`. */
  eventId: string;
  eventTime: Date;
  accountId: AccountId;
  /** The role the caller acted as, or the role credentials were delivered for. */
  roleName?: string;
  principalArn?: string;
  /** Who produced the event: `gateway`, `sts`, `iam`, `ec2`, `imds`, `container`, `lambda`, ... */
  channel: string;
  /** CloudTrail's `eventSource`, e.g. `s3.amazonaws.com`. */
  eventSource: string;
  /** CloudTrail's `eventName`, e.g. `GetObject`. */
  eventName: string;
  /** `allow`, `deny`, or `audit-deny` (denied by policy, let through in audit mode). */
  decision: 'allow' | 'deny' | 'audit-deny';
  errorCode?: string;
  /** The whole record (CloudTrail format plus credplane's fields); secrets already redacted. */
  record: JsonValue;
  /**
   * What the event counts as use of, for the last-accessed aggregates: one entry per IAM action
   * checked, with the resource (an ARN or a pattern) it was checked against.
   */
  accesses?: { action: string; resource: string; allowed: boolean }[];
  /**
   * This event completes one already stored under the same `eventId` (a forwarded call's outcome,
   * known only after the backend answered): its `record`, `decision` and `errorCode` replace the
   * stored ones; `accesses` are ignored (counted when the event was first stored).
   */
  completes?: boolean;
}

export type AccessEvent = Omit<AccessEventInput, 'accesses' | 'completes'>;

export interface AccessEventFilter {
  accountId?: AccountId;
  roleName?: string;
  /** Events at or after this time. */
  since?: Date;
  /** Events strictly before this time. */
  until?: Date;
  /** Only `deny` and `audit-deny`. */
  deniedOnly?: boolean;
  /** Events that sort after this `(eventTime, eventId)` cursor (for `--follow`). */
  after?: { eventTime: Date; eventId: string };
  /** At most this many, oldest first (1000 when absent). */
  limit?: number;
}

/** The aggregate of every access of one `(role, action, resource)`. */
export interface LastAccessed {
  accountId: AccountId;
  roleName: string;
  action: string;
  resource: string;
  firstAccessed: Date;
  lastAccessed: Date;
  allowedCount: number;
  deniedCount: number;
}

export interface RolePolicySnapshot {
  snapshotId: string;
  accountId: AccountId;
  roleName: string;
  /** Why it was taken, e.g. `policy tighten`. */
  reason: string;
  snapshot: JsonValue;
  createdAt: Date;
}

/** What a change notification names. */
export type StoreEntity =
  | 'account'
  | 'role'
  | 'role-policy'
  | 'role-attachment'
  | 'role-permissions-boundary'
  | 'managed-policy'
  | 'policy-version'
  | 'instance-profile'
  | 'oidc-provider'
  | 'workload'
  | 'access-key'
  | 'mfa-device'
  | 'user'
  | 'user-policy'
  | 'user-attachment'
  | 'user-permissions-boundary'
  | 'group'
  | 'group-policy'
  | 'group-attachment'
  | 'group-membership'
  | 'key-ring'
  | 'role-revocation'
  | 'account-setting';

/**
 * One committed write. `key` names what changed: the role name for role-scoped changes
 * (`role`, `role-policy`, `role-attachment`, `role-permissions-boundary`, `role-revocation`),
 * the policy ARN for `managed-policy` and `policy-version`, the profile name, provider ARN,
 * `kind/name` of a workload, the access key id, or `key-ring`; the user name for user-scoped
 * changes (`user`, `user-policy`, `user-attachment`, `user-permissions-boundary`), the group name
 * for group-scoped ones (`group`, `group-policy`, `group-attachment`, `group-membership`).
 */
export interface StoreChange {
  entity: StoreEntity;
  op: 'create' | 'update' | 'delete';
  accountId?: AccountId;
  key: string;
  /** The store generation the write's commit produced (see `Store.generation`). */
  generation?: number;
}

export type ChangeListener = (change: StoreChange) => void;

/** Accounts: the tenants every other entity belongs to. */
export interface AccountStore {
  createAccount(input: CreateAccountInput): Promise<Account>;
  getAccount(accountId: AccountId): Promise<Account>;
  listAccounts(): Promise<Account[]>;
}

/** Account-level settings, JSON values by name. */
export interface SettingsStore {
  /** An account-level setting (e.g. `ec2:instance-metadata-defaults`), or `undefined`. */
  getAccountSetting(accountId: AccountId, name: string): Promise<JsonValue | undefined>;
  /** Writes the setting; `undefined` deletes it. Fires `account-setting` with the name as key. */
  putAccountSetting(accountId: AccountId, name: string, value: JsonValue | undefined): Promise<void>;
}

/** Roles and policies: roles, inline and managed policies, attachments, instance profiles, OIDC providers. */
export interface RoleStore {
  // Roles
  createRole(accountId: AccountId, input: CreateRoleInput): Promise<Role>;
  getRole(accountId: AccountId, roleName: string): Promise<Role>;
  findRole(accountId: AccountId, roleName: string): Promise<Role | undefined>;
  getRoleById(roleId: RoleId): Promise<Role>;
  listRoles(accountId: AccountId, options?: PathListOptions): Promise<Page<Role>>;
  updateRole(accountId: AccountId, roleName: string, changes: UpdateRoleInput): Promise<Role>;
  /** `DeleteConflict` while the role has inline or attached policies or is in an instance profile. */
  deleteRole(accountId: AccountId, roleName: string): Promise<void>;

  /** Adds or replaces tags; role tag keys compare without case. `LimitExceeded` past 50 tags. */
  tagRole(accountId: AccountId, roleName: string, tags: Tag[]): Promise<void>;
  untagRole(accountId: AccountId, roleName: string, tagKeys: string[]): Promise<void>;
  listRoleTags(accountId: AccountId, roleName: string, options?: ListOptions): Promise<Page<Tag>>;

  /** The policy must exist (customer managed) or be AWS managed (`arn:aws:iam::aws:policy/...`). */
  putRolePermissionsBoundary(accountId: AccountId, roleName: string, policyArn: ArnString): Promise<void>;
  deleteRolePermissionsBoundary(accountId: AccountId, roleName: string): Promise<void>;

  // Inline role policies
  /** Creates or replaces the role's inline policy of that name. */
  putRolePolicy(
    accountId: AccountId,
    roleName: string,
    policyName: string,
    document: PolicyDocumentText,
  ): Promise<void>;
  getRolePolicy(accountId: AccountId, roleName: string, policyName: string): Promise<InlinePolicy>;
  /** Inline policies with their documents, ordered by name (the API layer reports the names). */
  listRolePolicies(
    accountId: AccountId,
    roleName: string,
    options?: ListOptions,
  ): Promise<Page<InlinePolicy>>;
  deleteRolePolicy(accountId: AccountId, roleName: string, policyName: string): Promise<void>;

  // Managed policies
  createPolicy(accountId: AccountId, input: CreatePolicyInput): Promise<ManagedPolicy>;
  getPolicy(policyArn: ArnString): Promise<ManagedPolicy>;
  listPolicies(accountId: AccountId, options?: ListPoliciesOptions): Promise<Page<ManagedPolicy>>;
  /** `DeleteConflict` while attached to a role or used as a permissions boundary. */
  deletePolicy(policyArn: ArnString): Promise<void>;
  /** `LimitExceeded` when the policy already has 5 versions. */
  createPolicyVersion(
    policyArn: ArnString,
    document: PolicyDocumentText,
    setAsDefault: boolean,
  ): Promise<PolicyVersion>;
  getPolicyVersion(policyArn: ArnString, versionId: string): Promise<PolicyVersion>;
  /** All versions, newest first (at most 5). */
  listPolicyVersions(policyArn: ArnString): Promise<PolicyVersion[]>;
  /** `DeleteConflict` for the default version. */
  deletePolicyVersion(policyArn: ArnString, versionId: string): Promise<void>;
  setDefaultPolicyVersion(policyArn: ArnString, versionId: string): Promise<void>;

  // Attachments
  /** Idempotent; `LimitExceeded` past 10 managed policies on one role. */
  attachRolePolicy(accountId: AccountId, roleName: string, policyArn: ArnString): Promise<void>;
  detachRolePolicy(accountId: AccountId, roleName: string, policyArn: ArnString): Promise<void>;
  listAttachedRolePolicies(
    accountId: AccountId,
    roleName: string,
    options?: ListOptions,
  ): Promise<Page<AttachedPolicy>>;
  /** The names of the roles a policy is attached to, in name order. */
  listRolesForPolicy(policyArn: ArnString): Promise<string[]>;

  // Instance profiles
  createInstanceProfile(accountId: AccountId, input: CreateInstanceProfileInput): Promise<InstanceProfile>;
  getInstanceProfile(accountId: AccountId, instanceProfileName: string): Promise<InstanceProfile>;
  listInstanceProfiles(accountId: AccountId, options?: PathListOptions): Promise<Page<InstanceProfile>>;
  listInstanceProfilesForRole(
    accountId: AccountId,
    roleName: string,
    options?: ListOptions,
  ): Promise<Page<InstanceProfile>>;
  /** `DeleteConflict` while the profile holds a role. */
  deleteInstanceProfile(accountId: AccountId, instanceProfileName: string): Promise<void>;
  /** `LimitExceeded` when the profile already holds a role (IAM allows one). */
  addRoleToInstanceProfile(
    accountId: AccountId,
    instanceProfileName: string,
    roleName: string,
  ): Promise<void>;
  removeRoleFromInstanceProfile(
    accountId: AccountId,
    instanceProfileName: string,
    roleName: string,
  ): Promise<void>;

  // OIDC providers
  /** `EntityAlreadyExists` for a URL the account already has. */
  createOidcProvider(accountId: AccountId, input: CreateOidcProviderInput): Promise<OidcProvider>;
  getOidcProvider(arn: ArnString): Promise<OidcProvider>;
  listOidcProviders(accountId: AccountId): Promise<OidcProvider[]>;
  updateOidcProvider(arn: ArnString, changes: UpdateOidcProviderInput): Promise<OidcProvider>;
  deleteOidcProvider(arn: ArnString): Promise<void>;
}

/**
 * IAM users and groups: users, their tags, boundaries, inline and attached policies; groups, their
 * members and policies. Names compare without case, as role names do.
 */
export interface UserStore {
  createUser(accountId: AccountId, input: CreateUserInput): Promise<User>;
  getUser(accountId: AccountId, userName: string): Promise<User>;
  findUser(accountId: AccountId, userName: string): Promise<User | undefined>;
  listUsers(accountId: AccountId, options?: PathListOptions): Promise<Page<User>>;
  /** Renames carry the user's keys, policies and memberships along. */
  updateUser(accountId: AccountId, userName: string, changes: UpdateUserInput): Promise<User>;
  /** `DeleteConflict` while the user has access keys, inline or attached policies, or groups. */
  deleteUser(accountId: AccountId, userName: string): Promise<void>;
  /** Adds or replaces tags; keys compare without case. `LimitExceeded` past 50 tags. */
  tagUser(accountId: AccountId, userName: string, tags: Tag[]): Promise<void>;
  untagUser(accountId: AccountId, userName: string, tagKeys: string[]): Promise<void>;
  listUserTags(accountId: AccountId, userName: string, options?: ListOptions): Promise<Page<Tag>>;
  putUserPermissionsBoundary(accountId: AccountId, userName: string, policyArn: ArnString): Promise<void>;
  deleteUserPermissionsBoundary(accountId: AccountId, userName: string): Promise<void>;
  putUserPolicy(
    accountId: AccountId,
    userName: string,
    policyName: string,
    document: PolicyDocumentText,
  ): Promise<void>;
  getUserPolicy(accountId: AccountId, userName: string, policyName: string): Promise<EmbeddedPolicy>;
  listUserPolicies(
    accountId: AccountId,
    userName: string,
    options?: ListOptions,
  ): Promise<Page<EmbeddedPolicy>>;
  deleteUserPolicy(accountId: AccountId, userName: string, policyName: string): Promise<void>;
  /** Idempotent; `LimitExceeded` past 10 managed policies on one user. */
  attachUserPolicy(accountId: AccountId, userName: string, policyArn: ArnString): Promise<void>;
  detachUserPolicy(accountId: AccountId, userName: string, policyArn: ArnString): Promise<void>;
  listAttachedUserPolicies(
    accountId: AccountId,
    userName: string,
    options?: ListOptions,
  ): Promise<Page<AttachedPolicy>>;

  createGroup(accountId: AccountId, input: CreateGroupInput): Promise<Group>;
  getGroup(accountId: AccountId, groupName: string): Promise<Group>;
  listGroups(accountId: AccountId, options?: PathListOptions): Promise<Page<Group>>;
  updateGroup(accountId: AccountId, groupName: string, changes: UpdateGroupInput): Promise<Group>;
  /** `DeleteConflict` while the group has members, inline or attached policies. */
  deleteGroup(accountId: AccountId, groupName: string): Promise<void>;
  /** Idempotent; `LimitExceeded` when the user is already in 10 groups. */
  addUserToGroup(accountId: AccountId, groupName: string, userName: string): Promise<void>;
  removeUserFromGroup(accountId: AccountId, groupName: string, userName: string): Promise<void>;
  listGroupsForUser(accountId: AccountId, userName: string, options?: ListOptions): Promise<Page<Group>>;
  listUsersInGroup(accountId: AccountId, groupName: string, options?: ListOptions): Promise<Page<User>>;
  putGroupPolicy(
    accountId: AccountId,
    groupName: string,
    policyName: string,
    document: PolicyDocumentText,
  ): Promise<void>;
  getGroupPolicy(accountId: AccountId, groupName: string, policyName: string): Promise<EmbeddedPolicy>;
  listGroupPolicies(
    accountId: AccountId,
    groupName: string,
    options?: ListOptions,
  ): Promise<Page<EmbeddedPolicy>>;
  deleteGroupPolicy(accountId: AccountId, groupName: string, policyName: string): Promise<void>;
  /** Idempotent; `LimitExceeded` past 10 managed policies on one group. */
  attachGroupPolicy(accountId: AccountId, groupName: string, policyArn: ArnString): Promise<void>;
  detachGroupPolicy(accountId: AccountId, groupName: string, policyArn: ArnString): Promise<void>;
  listAttachedGroupPolicies(
    accountId: AccountId,
    groupName: string,
    options?: ListOptions,
  ): Promise<Page<AttachedPolicy>>;
  /** The unique ids (`AIDA…`, `AGPA…`) of the users and groups a policy is attached to. */
  listPrincipalsForPolicy(policyArn: ArnString): Promise<string[]>;
}

/** Virtual MFA devices (`sql/mfa-devices.ts`). */
export interface MfaDeviceStore {
  /** `EntityAlreadyExists` for a path and name the account already has. */
  createVirtualMfaDevice(accountId: AccountId, input: CreateVirtualMfaDeviceInput): Promise<VirtualMfaDevice>;
  findMfaDevice(serialNumber: string): Promise<VirtualMfaDevice | undefined>;
  /** The account's devices (those enabled for `userName` only, when given), by serial number. */
  listVirtualMfaDevices(accountId: AccountId, userName?: string): Promise<VirtualMfaDevice[]>;
  /**
   * Enables an unassigned device for the user, `acceptedStep` being the TOTP step of the second
   * code accepted. `EntityAlreadyExists` when assigned, `LimitExceeded` past 8 per user. With
   * `sealedSeed` (the seed the codes were checked against), `NoSuchEntity` unless the device
   * still has that seed: a device deleted and made again under the serial number since is not
   * the one that was checked.
   */
  enableMfaDevice(
    accountId: AccountId,
    serialNumber: string,
    userName: string,
    acceptedStep: number,
    sealedSeed?: Uint8Array,
  ): Promise<void>;
  /** `NoSuchEntity` unless the device is enabled for that user. */
  deactivateMfaDevice(accountId: AccountId, serialNumber: string, userName: string): Promise<void>;
  /** `DeleteConflict` while enabled for a user. */
  deleteVirtualMfaDevice(accountId: AccountId, serialNumber: string): Promise<void>;
  /**
   * Records `step` as used when it is later than the last one accepted, atomically; false when it
   * is not (a replayed or older code) or the device is not enabled.
   */
  useMfaStep(serialNumber: string, step: number): Promise<boolean>;
  /**
   * `ResyncMFADevice`'s record: `step` (that of the second code) as used and `driftSteps` as the
   * device's drift, atomically, when the step is later than the last one accepted, the device is
   * enabled and still has `sealedSeed` (the seed the codes were checked against); false, with
   * nothing changed, otherwise.
   */
  resyncMfaDevice(
    serialNumber: string,
    resync: { step: number; driftSteps: number; sealedSeed: Uint8Array },
  ): Promise<boolean>;
}

/** `GetServiceLinkedRoleDeletionStatus`'s `Status` (IAM API Reference, `DeletionTaskStatusType`). */
export type DeletionTaskStatus = 'SUCCEEDED' | 'IN_PROGRESS' | 'FAILED' | 'NOT_STARTED';

/** Where a role is in use (`RoleUsageType`): a region and the resources there that use it. */
export interface RoleUsage {
  region: string;
  resources: string[];
}

/** A service-linked role deletion task, as `DeleteServiceLinkedRole` recorded it. */
export interface DeletionTask {
  accountId: AccountId;
  /** `task/aws-service-role/<service>/<role>/<uuid>`. */
  deletionTaskId: string;
  roleName: string;
  status: DeletionTaskStatus;
  /** Why it failed, when it did. */
  reason?: string;
  /** The resources that used the role, when it failed because of them; else empty. */
  roleUsage: RoleUsage[];
  createDate: Date;
}

export interface RecordDeletionTaskInput {
  deletionTaskId: string;
  roleName: string;
  status: DeletionTaskStatus;
  reason?: string;
  roleUsage?: RoleUsage[];
}

/** Service-linked role deletion tasks (`sql/deletion-tasks.ts`). */
export interface DeletionTaskStore {
  /**
   * Records a task for the account; `NoSuchEntity` for an account that does not exist,
   * `EntityAlreadyExists` for a task id the account already has. Only the role's newest tasks are
   * kept (`DELETION_TASKS_KEPT_PER_ROLE`), the one recorded always among them.
   */
  recordDeletionTask(accountId: AccountId, input: RecordDeletionTaskInput): Promise<DeletionTask>;
  /** The account's task of that id; `undefined` for any other account's or an unknown id. */
  findDeletionTask(accountId: AccountId, deletionTaskId: string): Promise<DeletionTask | undefined>;
}

/** Workloads: the identities credplane delivers role credentials to. */
export interface WorkloadStore {
  /**
   * Creates or replaces the workload `(kind, name)`; `NoSuchEntity` if the role does not exist, a
   * `WorkloadSettingsError` (nothing written) if the settings do not fit the kind.
   */
  putWorkload<K extends WorkloadKind>(accountId: AccountId, input: PutWorkloadInput<K>): Promise<Workload<K>>;
  /** A `WorkloadSettingsError` naming the workload when its stored settings do not fit its kind. */
  getWorkload<K extends WorkloadKind>(accountId: AccountId, kind: K, name: string): Promise<Workload<K>>;
  /** Of one kind when `filter.kind` is given; a `WorkloadSettingsError` as `getWorkload`. */
  listWorkloads<K extends WorkloadKind = WorkloadKind>(
    accountId: AccountId,
    filter?: { kind?: K; roleName?: string },
  ): Promise<Workload<K>[]>;
  deleteWorkload(accountId: AccountId, kind: WorkloadKind, name: string): Promise<void>;
}

/** Keys: users' access keys, the sealed key ring, role session revocation. */
export interface KeyStore {
  // Access keys
  /** `LimitExceeded` when the user already has 2 keys (IAM's fixed quota). */
  createAccessKey(input: CreateAccessKeyInput): Promise<AccessKey>;
  getAccessKey(accessKeyId: string): Promise<AccessKey>;
  findAccessKey(accessKeyId: string): Promise<AccessKey | undefined>;
  listAccessKeys(accountId: AccountId, userName?: string): Promise<AccessKey[]>;
  updateAccessKeyStatus(accessKeyId: string, status: AccessKeyStatus): Promise<void>;
  deleteAccessKey(accessKeyId: string): Promise<void>;
  /**
   * Records authenticated uses (the latest per key wins; an older one never replaces a newer).
   * Fires no change event and leaves the store generation alone: it changes no authorization.
   */
  recordAccessKeyUse(uses: AccessKeyUseInput[]): Promise<void>;

  // Key ring
  getKeyRing(): Promise<KeyRingRecord | undefined>;
  /**
   * Writes the sealed key ring if its current version is `expectedVersion` (0: none yet), else
   * throws `ConcurrentModification`. Resolves the new record (version `expectedVersion + 1`).
   */
  putKeyRing(sealed: Uint8Array, expectedVersion: number): Promise<KeyRingRecord>;

  // Session revocation
  /**
   * Invalidates the role's sessions issued before `issuedBefore`. The timestamp only moves
   * forward: an earlier one than already stored leaves the stored one in place.
   */
  revokeRoleSessions(accountId: AccountId, roleName: string, issuedBefore: Date): Promise<RoleRevocation>;
  getRoleRevocation(roleId: RoleId): Promise<RoleRevocation | undefined>;
}

/** The access log. */
export interface AccessLogStore {
  // No change events: it is written on the request path, in batches.
  /**
   * Appends the events and folds their `accesses` into the last-accessed aggregates, all in one
   * transaction. An event id already stored is skipped (a retried batch is not counted twice),
   * unless the event `completes` it.
   */
  appendAccessEvents(events: AccessEventInput[]): Promise<void>;
  /** Events matching `filter`, oldest first. */
  listAccessEvents(filter?: AccessEventFilter): Promise<AccessEvent[]>;
  /** The aggregates of an account, optionally of one role and last accessed at or after `since`. */
  listLastAccessed(
    accountId: AccountId,
    filter?: { roleName?: string; since?: Date },
  ): Promise<LastAccessed[]>;
  /** Deletes events older than `before` (aggregates stay); resolves how many were deleted. */
  pruneAccessEvents(before: Date): Promise<number>;
}

/** Role policy snapshots. */
export interface RolePolicySnapshotStore {
  saveRolePolicySnapshot(
    accountId: AccountId,
    roleName: string,
    reason: string,
    snapshot: JsonValue,
  ): Promise<RolePolicySnapshot>;
  /** Newest first. */
  listRolePolicySnapshots(accountId: AccountId, roleName: string): Promise<RolePolicySnapshot[]>;
  deleteRolePolicySnapshot(snapshotId: string): Promise<void>;
}

export type { NodeCaRecord, NodeCertificateRecord, NodeRecord, NodeStore } from './node-store.js';

/** The whole store: every entity's methods, plus transactions, change events and lifecycle. */
export interface Store
  extends
    AccountStore,
    SettingsStore,
    RoleStore,
    UserStore,
    MfaDeviceStore,
    DeletionTaskStore,
    WorkloadStore,
    KeyStore,
    AccessLogStore,
    RolePolicySnapshotStore,
    NodeStore {
  /** The partition the store writes into the ARNs it creates (`aws` by default). */
  readonly partition: string;

  /**
   * Runs `fn` against a transactional view of the store: all its writes commit together or none
   * do (the promise rejects with `fn`'s error). Change events fire after the commit. Inside `fn`
   * use only the `tx` store it is given, and await each call before the next.
   *
   * @example
   * await store.transaction(async (tx) => {
   *   await tx.createRole(acct, { roleName: 'web', assumeRolePolicyDocument: trust });
   *   await tx.attachRolePolicy(acct, 'web', policyArn);
   * });
   */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;

  /** Calls `listener` after each committed write; returns a function that unsubscribes. */
  onChange(listener: ChangeListener): () => void;

  /**
   * The store generation: a number that every committed write which fires change events advances
   * by one, in the same transaction, whichever process or replica makes it. Equal generations
   * mean no such write happened in between; a cache of the model is current while it holds.
   */
  generation(): Promise<number>;

  /**
   * Other processes' writes as they commit (PostgreSQL: LISTEN/NOTIFY on a dedicated session, plus
   * a check every second), or `undefined` where the store has no such feed (SQLite, one host: read
   * `generation()` instead). Started on the first call, shared by later ones, ended by `close()`.
   */
  generationFeed(): Promise<GenerationFeed | undefined>;

  /**
   * Who among the processes sharing this store runs periodic work that must run once (key-ring
   * rotation): on PostgreSQL the holder of an advisory lock on a dedicated session; on SQLite
   * always this process. Started on the first call, shared by later ones, ended by `close()`.
   */
  leadership(): Promise<Leadership>;

  /** Closes the database connection(s). */
  close(): Promise<void>;
}
