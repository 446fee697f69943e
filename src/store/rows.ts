/**
 * Conversions between table rows and domain objects: JSON and base64 text, ISO timestamps,
 * version numbers. Kept apart from the queries so each side reads as what it is.
 */
import type { Selectable } from 'kysely';
import type {
  AccessKey,
  AccessKeyStatus,
  Account,
  Group,
  InstanceProfile,
  User,
  ManagedPolicy,
  OidcProvider,
  PolicyVersion,
  PolicyVersionId,
  Role,
  Tag,
  WorkloadKind,
} from '../iam/types.js';
import { parseWorkloadSettings, type Workload } from '../workloads/index.js';
import type {
  AccessKeysTable,
  AccountsTable,
  GroupsTable,
  UsersTable,
  InstanceProfilesTable,
  ManagedPoliciesTable,
  OidcProvidersTable,
  PolicyVersionsTable,
  RolesTable,
  WorkloadsTable,
} from './schema.js';

export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

export function tagsFrom(text: string): Tag[] {
  return JSON.parse(text) as Tag[];
}

export function bytesToText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function bytesFrom(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** `v3` from 3. */
export function versionId(n: number): PolicyVersionId {
  return `v${n}`;
}

/** 3 from `v3`; `undefined` for anything IAM would not have issued. */
export function versionNumber(id: string): number | undefined {
  const m = /^v([1-9]\d{0,8})$/.exec(id);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

export function toAccount(row: Selectable<AccountsTable>): Account {
  const account: Account = { accountId: row.account_id, createDate: new Date(row.created_at) };
  if (row.alias !== null) account.alias = row.alias;
  return account;
}

export function toRole(row: Selectable<RolesTable>): Role {
  const role: Role = {
    accountId: row.account_id,
    roleName: row.role_name,
    path: row.path,
    roleId: row.role_id,
    arn: row.arn,
    assumeRolePolicyDocument: row.trust_policy,
    maxSessionDuration: Number(row.max_session_duration),
    tags: tagsFrom(row.tags),
    createDate: new Date(row.created_at),
  };
  if (row.description !== null) role.description = row.description;
  if (row.permissions_boundary_arn !== null) role.permissionsBoundaryArn = row.permissions_boundary_arn;
  return role;
}

export type PolicyRow = Selectable<ManagedPoliciesTable> & {
  attachment_count: number | string | bigint;
  /** Users' and groups' attachments; absent from rows read before users existed. */
  principal_attachment_count?: number | string | bigint;
  boundary_count: number | string | bigint;
  user_boundary_count?: number | string | bigint;
};

export function toPolicy(row: PolicyRow): ManagedPolicy {
  const policy: ManagedPolicy = {
    accountId: row.account_id,
    policyName: row.policy_name,
    path: row.path,
    policyId: row.policy_id,
    arn: row.arn,
    defaultVersionId: versionId(Number(row.default_version)),
    // PostgreSQL's count() is a bigint, which `pg` reads as a string.
    attachmentCount: Number(row.attachment_count) + Number(row.principal_attachment_count ?? 0),
    permissionsBoundaryUsageCount: Number(row.boundary_count) + Number(row.user_boundary_count ?? 0),
    isAttachable: true,
    tags: tagsFrom(row.tags),
    createDate: new Date(row.created_at),
    updateDate: new Date(row.updated_at),
  };
  if (row.description !== null) policy.description = row.description;
  return policy;
}

export function toPolicyVersion(
  row: Selectable<PolicyVersionsTable>,
  policyArn: string,
  defaultVersion: number,
): PolicyVersion {
  const n = Number(row.version);
  return {
    policyArn,
    versionId: versionId(n),
    document: row.document,
    isDefaultVersion: n === Number(defaultVersion),
    createDate: new Date(row.created_at),
  };
}

export function toInstanceProfile(
  row: Selectable<InstanceProfilesTable>,
  role: Role | undefined,
): InstanceProfile {
  return {
    accountId: row.account_id,
    instanceProfileName: row.instance_profile_name,
    path: row.path,
    instanceProfileId: row.instance_profile_id,
    arn: row.arn,
    roles: role === undefined ? [] : [role],
    tags: tagsFrom(row.tags),
    createDate: new Date(row.created_at),
  };
}

export function toOidcProvider(row: Selectable<OidcProvidersTable>): OidcProvider {
  return {
    accountId: row.account_id,
    arn: row.arn,
    url: row.url,
    clientIds: JSON.parse(row.client_ids) as string[],
    thumbprints: JSON.parse(row.thumbprints) as string[],
    tags: tagsFrom(row.tags),
    createDate: new Date(row.created_at),
  };
}

/** The row as a typed workload; the Store asks for `K` only with a query that selected kind `K`. */
export function toWorkload<K extends WorkloadKind = WorkloadKind>(
  row: Selectable<WorkloadsTable> & { role_arn: string | null },
): Workload<K> {
  const kind = row.kind as WorkloadKind;
  const where = { accountId: row.account_id, kind, name: row.name };
  // Parsed once here, so every consumer reads typed settings (src/workloads/).
  const workload = {
    accountId: row.account_id,
    kind,
    name: row.name,
    roleName: row.role_name,
    settings: parseWorkloadSettings(where, JSON.parse(row.settings) as unknown),
    createDate: new Date(row.created_at),
    updateDate: new Date(row.updated_at),
  } as Workload<K>;
  if (row.role_arn !== null) workload.roleArn = row.role_arn;
  return workload;
}

export function toAccessKey(row: Selectable<AccessKeysTable>): AccessKey {
  const key: AccessKey = {
    accessKeyId: row.access_key_id,
    accountId: row.account_id,
    userName: row.user_name,
    sealedSecret: bytesFrom(row.sealed_secret),
    status: row.status as AccessKeyStatus,
    createDate: new Date(row.created_at),
  };
  if (row.last_used_at !== null) {
    key.lastUsed = {
      date: new Date(row.last_used_at),
      serviceName: row.last_used_service ?? 'N/A',
      region: row.last_used_region ?? 'N/A',
    };
  }
  return key;
}

export function toUser(row: Selectable<UsersTable>): User {
  const user: User = {
    accountId: row.account_id,
    userName: row.user_name,
    path: row.path,
    userId: row.user_id,
    arn: row.arn,
    tags: tagsFrom(row.tags),
    createDate: new Date(row.created_at),
  };
  if (row.permissions_boundary_arn !== null) user.permissionsBoundaryArn = row.permissions_boundary_arn;
  return user;
}

export function toGroup(row: Selectable<GroupsTable>): Group {
  return {
    accountId: row.account_id,
    groupName: row.group_name,
    path: row.path,
    groupId: row.group_id,
    arn: row.arn,
    createDate: new Date(row.created_at),
  };
}
