/**
 * The tables behind the `Store`, as Kysely sees them.
 *
 * The same schema serves SQLite and PostgreSQL, so it uses only types both read back alike:
 * text and small integers. Timestamps are ISO-8601 UTC text (they sort as text), JSON is text,
 * byte strings are base64 text, and there are no booleans. Names that IAM compares without case
 * have a `*_key` column holding the lower-cased name, which carries the unique index and the order.
 */
import type { Generated } from 'kysely';

export interface AccountsTable {
  account_id: string;
  alias: string | null;
  created_at: string;
}

export interface RolesTable {
  role_id: string;
  account_id: string;
  role_name: string;
  name_key: string;
  path: string;
  arn: string;
  trust_policy: string;
  description: string | null;
  max_session_duration: number;
  permissions_boundary_arn: string | null;
  /** JSON `[{ key, value }]`. */
  tags: string;
  created_at: string;
}

export interface RolePoliciesTable {
  role_id: string;
  policy_name: string;
  name_key: string;
  document: string;
}

export interface ManagedPoliciesTable {
  policy_id: string;
  account_id: string;
  policy_name: string;
  name_key: string;
  path: string;
  arn: string;
  description: string | null;
  default_version: number;
  /** The number the next version gets; IAM never reuses a version number. */
  next_version: number;
  tags: string;
  created_at: string;
  updated_at: string;
}

export interface PolicyVersionsTable {
  policy_id: string;
  version: number;
  document: string;
  created_at: string;
}

export interface RoleAttachmentsTable {
  role_id: string;
  policy_arn: string;
  /** Set for customer managed policies; null for AWS managed ones, which have no row here. */
  policy_id: string | null;
  policy_name: string;
  attached_at: string;
}

export interface InstanceProfilesTable {
  instance_profile_id: string;
  account_id: string;
  instance_profile_name: string;
  name_key: string;
  path: string;
  arn: string;
  /** One column, not a join table: IAM allows at most one role per instance profile. */
  role_id: string | null;
  tags: string;
  created_at: string;
}

export interface OidcProvidersTable {
  arn: string;
  account_id: string;
  url: string;
  client_ids: string;
  thumbprints: string;
  tags: string;
  created_at: string;
}

export interface WorkloadsTable {
  account_id: string;
  kind: string;
  name: string;
  role_name: string;
  settings: string;
  created_at: string;
  updated_at: string;
}

export interface AccessKeysTable {
  access_key_id: string;
  account_id: string;
  user_name: string;
  sealed_secret: string;
  status: string;
  created_at: string;
  /** Written in batches by the authenticator (`control/access-key-use.ts`), not per request. */
  last_used_at: string | null;
  last_used_service: string | null;
  last_used_region: string | null;
}

export interface MfaDevicesTable {
  serial_number: string;
  account_id: string;
  device_name: string;
  /** The serial number in lower case: unique per account. */
  name_key: string;
  path: string;
  sealed_seed: string;
  /** The user the device is enabled for, while it is. */
  user_id: string | null;
  enabled_at: string | null;
  last_used_step: number | null;
  /** The device's clock drift in TOTP steps, learnt by `ResyncMFADevice` (0 when none). */
  drift_steps: number;
  tags: string;
  created_at: string;
}

export interface SlrDeletionTasksTable {
  account_id: string;
  /** `task/aws-service-role/<service>/<role>/<uuid>`, as `DeleteServiceLinkedRole` returned it. */
  task_id: string;
  role_name: string;
  status: string;
  reason: string | null;
  /** JSON `[{ region, resources }]`. */
  role_usage: string;
  created_at: string;
}

export interface UsersTable {
  user_id: string;
  account_id: string;
  user_name: string;
  name_key: string;
  path: string;
  arn: string;
  permissions_boundary_arn: string | null;
  /** JSON `[{ key, value }]`. */
  tags: string;
  created_at: string;
}

export interface GroupsTable {
  group_id: string;
  account_id: string;
  group_name: string;
  name_key: string;
  path: string;
  arn: string;
  created_at: string;
}

export interface GroupMembersTable {
  group_id: string;
  user_id: string;
}

/** Inline policies of users and groups, by the owner's unique id (`AIDA…` or `AGPA…`). */
export interface PrincipalPoliciesTable {
  owner_id: string;
  policy_name: string;
  name_key: string;
  document: string;
}

/** Managed policies attached to users and groups, by the owner's unique id. */
export interface PrincipalAttachmentsTable {
  owner_id: string;
  policy_arn: string;
  /** Set for customer managed policies; null for AWS managed ones. */
  policy_id: string | null;
  policy_name: string;
  attached_at: string;
}

export interface KeyRingTable {
  /** Always `1`: the key ring is a single row. */
  id: Generated<number>;
  version: number;
  sealed: string;
  updated_at: string;
}

export interface RoleRevocationsTable {
  role_id: string;
  revoked_before: string;
}

export interface AccountSettingsTable {
  account_id: string;
  name: string;
  /** JSON. */
  value: string;
  updated_at: string;
}

export interface AccessEventsTable {
  event_id: string;
  event_time: string;
  account_id: string;
  role_name: string | null;
  /** Lower-cased role name, for case-blind lookups. */
  role_key: string | null;
  principal_arn: string | null;
  channel: string;
  event_source: string;
  event_name: string;
  decision: string;
  error_code: string | null;
  /** JSON: the CloudTrail-format record with credplane's additions. */
  record: string;
}

export interface LastAccessedTable {
  account_id: string;
  role_name: string;
  role_key: string;
  action: string;
  resource: string;
  first_accessed: string;
  last_accessed: string;
  allowed_count: number;
  denied_count: number;
}

export interface RolePolicySnapshotsTable {
  snapshot_id: string;
  account_id: string;
  role_key: string;
  role_name: string;
  reason: string;
  /** JSON. */
  snapshot: string;
  created_at: string;
}

/** One row (`id` = 1): advanced by every committed change to the IAM model. */
export interface StoreGenerationTable {
  id: number;
  /** `bigint`: PostgreSQL's driver reads it back as text, SQLite's as a number. */
  generation: number | string;
}

/** One row (`id` = 1): the plane's CA for node identities (`src/delivery/fleet/ca.ts`). */
export interface NodeCaTable {
  id: number;
  /** PEM. */
  certificate: string;
  /** Base64 of the PKCS#8 key sealed under the master key. */
  sealed_key: string;
  created_at: string;
}

export interface NodesTable {
  name: string;
  created_at: string;
  /** Hex SHA-256 of the join token's secret; the token itself is never stored. */
  join_token_hash: string;
  join_token_expires_at: string;
  join_token_used_at: string | null;
}

export interface NodeCertificatesTable {
  /** Hex, as the certificate carries it. */
  serial: string;
  node_name: string;
  issued_at: string;
  not_after: string;
}

export interface Database {
  accounts: AccountsTable;
  roles: RolesTable;
  role_policies: RolePoliciesTable;
  managed_policies: ManagedPoliciesTable;
  policy_versions: PolicyVersionsTable;
  role_attachments: RoleAttachmentsTable;
  instance_profiles: InstanceProfilesTable;
  oidc_providers: OidcProvidersTable;
  workloads: WorkloadsTable;
  access_keys: AccessKeysTable;
  users: UsersTable;
  mfa_devices: MfaDevicesTable;
  slr_deletion_tasks: SlrDeletionTasksTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  principal_policies: PrincipalPoliciesTable;
  principal_attachments: PrincipalAttachmentsTable;
  key_ring: KeyRingTable;
  role_revocations: RoleRevocationsTable;
  account_settings: AccountSettingsTable;
  access_events: AccessEventsTable;
  last_accessed: LastAccessedTable;
  role_policy_snapshots: RolePolicySnapshotsTable;
  store_generation: StoreGenerationTable;
  node_ca: NodeCaTable;
  nodes: NodesTable;
  node_certificates: NodeCertificatesTable;
}
