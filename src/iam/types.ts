/**
 * The IAM model credplane keeps: accounts, roles, managed and inline policies, instance profiles,
 * OIDC providers, workloads, users, groups, access keys, the sealed key ring and per-role revocations.
 *
 * Names follow AWS's vocabulary (`RoleName`, `MaxSessionDuration`, `DefaultVersionId`) in camelCase.
 * Policy documents are kept as the exact text the user sent; IAM returns them URL-encoded on the
 * wire, which is the API layer's job, not the model's.
 */

/** A 12-digit AWS account id, e.g. `111122223333`. */
export type AccountId = string;
/** An ARN in text form, e.g. `arn:aws:iam::111122223333:role/deployer`. */
export type ArnString = string;
/** `aws`, `aws-cn`, `aws-us-gov`, ... */
export type Partition = string;
/** A path: `/` or `/a/b/`. */
export type IamPath = string;
/** The text of a JSON policy document, exactly as given. */
export type PolicyDocumentText = string;
/** `AROA` + 17 characters: a role's unique id. */
export type RoleId = string;
/** `ANPA` + 17 characters: a managed policy's unique id. */
export type PolicyId = string;
/** `AIPA` + 17 characters: an instance profile's unique id. */
export type InstanceProfileId = string;
/** `AIDA` + 17 characters: a user's unique id. */
export type UserId = string;
/** `AGPA` + 17 characters: a group's unique id. */
export type GroupId = string;
/** A long-term access key id: `AKIA` + 16 characters. */
export type AccessKeyId = string;
/** `v1`, `v2`, ...: IAM numbers policy versions and never reuses a number. */
export type PolicyVersionId = `v${number}`;

export interface Tag {
  key: string;
  value: string;
}

export interface Account {
  accountId: AccountId;
  /** The account alias, if one is set (IAM's `CreateAccountAlias`). */
  alias?: string;
  createDate: Date;
}

export interface Role {
  accountId: AccountId;
  roleName: string;
  path: IamPath;
  roleId: RoleId;
  arn: ArnString;
  /** The trust policy (`AssumeRolePolicyDocument`). */
  assumeRolePolicyDocument: PolicyDocumentText;
  description?: string;
  /** Seconds, 3600..43200; IAM's default is 3600. */
  maxSessionDuration: number;
  /** The managed policy ARN set as the role's permissions boundary. */
  permissionsBoundaryArn?: ArnString;
  tags: Tag[];
  createDate: Date;
}

/** An IAM user: a person or tool with long-term access keys (the admin is the first one). */
export interface User {
  accountId: AccountId;
  userName: string;
  path: IamPath;
  userId: UserId;
  arn: ArnString;
  permissionsBoundaryArn?: ArnString;
  tags: Tag[];
  createDate: Date;
}

/**
 * A virtual MFA device: its serial number is its ARN (`arn:aws:iam::<account>:mfa/<path><name>`).
 * The seed is sealed under the master key like an access key's secret; `userName` and
 * `enableDate` are set while the device is enabled for a user. `lastUsedStep` is the TOTP step of
 * the last code accepted, so no code is accepted twice; `driftSteps` the device's clock drift in
 * steps, learnt by `ResyncMFADevice` (0 when none).
 */
export interface VirtualMfaDevice {
  accountId: AccountId;
  serialNumber: ArnString;
  deviceName: string;
  path: IamPath;
  sealedSeed: Uint8Array;
  userName?: string;
  enableDate?: Date;
  lastUsedStep?: number;
  driftSteps: number;
  tags: Tag[];
  createDate: Date;
}

/** An IAM group: users inherit its inline and attached policies. */
export interface Group {
  accountId: AccountId;
  groupName: string;
  path: IamPath;
  groupId: GroupId;
  arn: ArnString;
  createDate: Date;
}

/** A policy embedded in one user or group (`PutUserPolicy`, `PutGroupPolicy`). */
export interface EmbeddedPolicy {
  policyName: string;
  document: PolicyDocumentText;
}

export interface ManagedPolicy {
  accountId: AccountId;
  policyName: string;
  path: IamPath;
  policyId: PolicyId;
  arn: ArnString;
  description?: string;
  defaultVersionId: PolicyVersionId;
  /** How many roles, users and groups have the policy attached. */
  attachmentCount: number;
  /** How many roles and users use the policy as their permissions boundary. */
  permissionsBoundaryUsageCount: number;
  isAttachable: boolean;
  tags: Tag[];
  createDate: Date;
  updateDate: Date;
}

export interface PolicyVersion {
  policyArn: ArnString;
  versionId: PolicyVersionId;
  document: PolicyDocumentText;
  isDefaultVersion: boolean;
  createDate: Date;
}

/** A policy embedded in one role (`PutRolePolicy`). */
export interface InlinePolicy {
  accountId: AccountId;
  roleName: string;
  policyName: string;
  document: PolicyDocumentText;
}

/** A managed policy attached to a role, as `ListAttachedRolePolicies` reports it. */
export interface AttachedPolicy {
  policyName: string;
  policyArn: ArnString;
}

export interface InstanceProfile {
  accountId: AccountId;
  instanceProfileName: string;
  path: IamPath;
  instanceProfileId: InstanceProfileId;
  arn: ArnString;
  /** At most one role: IAM's fixed quota of roles per instance profile. */
  roles: Role[];
  tags: Tag[];
  createDate: Date;
}

export interface OidcProvider {
  accountId: AccountId;
  arn: ArnString;
  /** The issuer URL without its `https://` scheme, as IAM stores and returns it (`host/path`). */
  url: string;
  clientIds: string[];
  thumbprints: string[];
  tags: Tag[];
  createDate: Date;
}

/** The compute kinds credplane delivers credentials to, each through its platform's channel. */
export const WORKLOAD_KINDS = [
  'ec2-instance',
  'ecs-task-definition',
  'eks-service-account',
  'eks-pod-identity',
  'lambda-function',
] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** JSON values a workload's settings may hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A workload bound to exactly one role; `settings` are the delivery channel's own options. */
/** The workload model lives in `src/workloads/`; re-exported here for older import paths. */
export type { Workload } from '../workloads/index.js';

export type AccessKeyStatus = 'Active' | 'Inactive';

/** A long-term access key of an IAM user; the secret is stored sealed under the master key, never in clear. */
export interface AccessKey {
  accessKeyId: AccessKeyId;
  accountId: AccountId;
  /** The IAM user the key belongs to. */
  userName: string;
  sealedSecret: Uint8Array;
  status: AccessKeyStatus;
  createDate: Date;
  /** When the key last signed a request that authenticated, and for which service and region. */
  lastUsed?: AccessKeyUse;
}

export interface AccessKeyUse {
  date: Date;
  serviceName: string;
  region: string;
}

/** The key ring, sealed by the crypto module; one record, replaced by optimistic version. */
export interface KeyRingRecord {
  /** Starts at 1 and grows by one on each successful write. */
  version: number;
  sealed: Uint8Array;
  updateDate: Date;
}

/** Sessions of the role issued before `revokedBefore` are invalid (AWS's "revoke active sessions"). */
export interface RoleRevocation {
  roleId: RoleId;
  revokedBefore: Date;
}
