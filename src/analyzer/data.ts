/**
 * What the posture and unused-access checks read: one account's roles with their policy
 * documents, workloads, OIDC providers, admin keys, IMDS defaults and what the access log says
 * about use. `load.ts` fills it from the Store; the checks are pure functions over it, so each
 * can be tested with a hand-made value or an in-memory store.
 */
import type { AccessKey, JsonValue, OidcProvider, Role, Tag, User, Workload } from '../iam/types.js';
import type { LastAccessed } from '../store/store.js';

/** One policy document attached to a role, named as findings name it. */
export interface NamedPolicy {
  /** `role/PolicyName` for inline policies, the ARN for managed ones. */
  name: string;
  /** Set for managed policies. */
  arn?: string;
  document: string;
  /** `inline`, `customer-managed` or `aws-managed`. */
  source: 'inline' | 'customer-managed' | 'aws-managed';
}

/** What the access log shows about one role within the tracking period. */
export interface RoleActivity {
  /** Events naming the role (credential deliveries, AssumeRole*, calls made as the role) in the period. */
  eventCount: number;
  /** The newest such event's time, if any. */
  lastEvent?: Date;
  /**
   * Distinct workloads the log shows obtaining the role's credentials: `imds:i-...`,
   * `lambda:<function>`, `web-identity:<issuer>:<sub>`, `container`, `pod-identity` (see
   * `unused/sources.ts`).
   */
  sources: string[];
}

export interface RoleData {
  role: Role;
  /** Inline, then attached managed policies (customer and AWS), in IAM's listing order. */
  identityPolicies: NamedPolicy[];
  boundary?: NamedPolicy;
  /** The workloads bound to the role. */
  workloads: Workload[];
  activity: RoleActivity;
  /** Every last-accessed aggregate of the role, over all time (the period is applied by the checks). */
  lastAccessed: LastAccessed[];
}

/** `ModifyInstanceMetadataDefaults` as stored in account setting `ec2:instance-metadata-defaults`. */
export interface InstanceMetadataDefaults {
  HttpTokens?: string;
  HttpPutResponseHopLimit?: number;
  HttpEndpoint?: string;
  InstanceMetadataTags?: string;
}

export interface AccessKeyData {
  key: AccessKey;
  /** The newest event signed with the key, over all the events the log still holds. */
  lastUsed?: Date;
  /** Whether an event in the period was signed with the key. */
  usedInPeriod: boolean;
}

export interface UserData {
  user: User;
  /** The newest event the user signed (with a key or a session of it), over the events the log holds. */
  lastUsed?: Date;
  usedInPeriod: boolean;
}

export interface AnalysisData {
  accountId: string;
  partition: string;
  /** The time the analysis runs at. */
  now: Date;
  /** Start of the tracking period (`now - period`). */
  periodStart: Date;
  roles: RoleData[];
  /** Every workload of the account (also those whose role was deleted). */
  workloads: Workload[];
  oidcProviders: OidcProvider[];
  /** `undefined` when the account has no default (AWS then launches with `HttpTokens=optional`). */
  imdsDefaults?: InstanceMetadataDefaults;
  accessKeys: AccessKeyData[];
  /** The account's IAM users (absent in data built before users existed). */
  users?: UserData[];
  /** Customer managed policies of the account with their default version's document. */
  managedPolicies: { arn: string; name: string; document: string; tags: Tag[] }[];
}

/** A JSON object member of `settings`, or `{}`. */
export function objectOf(v: JsonValue | undefined): { [key: string]: JsonValue } {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
}
