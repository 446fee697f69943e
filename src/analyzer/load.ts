/**
 * Reads what the posture and unused-access checks need from the Store into one `AnalysisData`
 * value: the only I/O of the analyzer besides the action catalogue.
 */
import { findAwsManagedPolicy } from '../catalog/aws-managed-policies.js';
import { isAwsManagedPolicyArn } from '../iam/arn.js';
import type { JsonValue, Role } from '../iam/types.js';
import type { AccessEvent, Store } from '../store/store.js';
import type {
  AccessKeyData,
  UserData,
  AnalysisData,
  InstanceMetadataDefaults,
  NamedPolicy,
  RoleActivity,
  RoleData,
} from './data.js';
import { objectOf } from './data.js';
import { workloadSourceOf } from './posture/event-sources.js';

export const IMDS_DEFAULTS_SETTING = 'ec2:instance-metadata-defaults';

export interface LoadOptions {
  accountId: string;
  /** Tracking period in milliseconds. */
  periodMs: number;
  /** Only this role (any case); every role when absent. */
  roleName?: string;
  now?: Date;
}

const PAGE = 5000;

/**
 * Loads one account for analysis.
 *
 * @example
 * const data = await loadAnalysisData(store, { accountId: '123456789012', periodMs: 90 * 86_400_000 });
 */
export async function loadAnalysisData(store: Store, options: LoadOptions): Promise<AnalysisData> {
  const { accountId } = options;
  const now = options.now ?? new Date();
  const periodStart = new Date(now.getTime() - options.periodMs);

  let roles = await allRoles(store, accountId);
  if (options.roleName !== undefined) {
    const wanted = options.roleName.toLowerCase();
    roles = roles.filter((r) => r.roleName.toLowerCase() === wanted);
  }
  const workloads = await store.listWorkloads(accountId);
  const activity = await scanEvents(store, accountId, periodStart);
  const lastAccessed = await store.listLastAccessed(accountId);

  const roleData: RoleData[] = [];
  for (const role of roles) {
    const key = role.roleName.toLowerCase();
    const boundary =
      role.permissionsBoundaryArn === undefined
        ? undefined
        : await managedPolicy(store, role.permissionsBoundaryArn);
    roleData.push({
      role,
      identityPolicies: await identityPolicies(store, role),
      ...(boundary === undefined ? {} : { boundary }),
      workloads: workloads.filter((w) => w.roleName.toLowerCase() === key),
      activity: activity.roles.get(key) ?? { eventCount: 0, sources: [] },
      lastAccessed: lastAccessed.filter((a) => a.roleName.toLowerCase() === key),
    });
  }

  const accessKeys: AccessKeyData[] = (await store.listAccessKeys(accountId)).map((key) => {
    const used = activity.keys.get(key.accessKeyId);
    return {
      key,
      ...(used === undefined ? {} : { lastUsed: used }),
      usedInPeriod: used !== undefined && used >= periodStart,
    };
  });

  const users: UserData[] = [];
  let userMarker: string | undefined;
  do {
    const page = await store.listUsers(accountId, userMarker === undefined ? {} : { marker: userMarker });
    for (const user of page.items) {
      const used = activity.users.get(user.arn);
      users.push({
        user,
        ...(used === undefined ? {} : { lastUsed: used }),
        usedInPeriod: used !== undefined && used >= periodStart,
      });
    }
    userMarker = page.isTruncated ? page.marker : undefined;
  } while (userMarker !== undefined);

  const managedPolicies: AnalysisData['managedPolicies'] = [];
  let marker: string | undefined;
  do {
    const page = await store.listPolicies(accountId, marker === undefined ? {} : { marker });
    for (const p of page.items) {
      const version = await store.getPolicyVersion(p.arn, p.defaultVersionId);
      managedPolicies.push({ arn: p.arn, name: p.policyName, document: version.document, tags: p.tags });
    }
    marker = page.isTruncated ? page.marker : undefined;
  } while (marker !== undefined);

  const defaults = await store.getAccountSetting(accountId, IMDS_DEFAULTS_SETTING);
  return {
    accountId,
    partition: store.partition,
    now,
    periodStart,
    roles: roleData,
    workloads,
    oidcProviders: await store.listOidcProviders(accountId),
    ...(defaults === undefined ? {} : { imdsDefaults: imdsDefaultsOf(defaults) }),
    accessKeys,
    users,
    managedPolicies,
  };
}

async function allRoles(store: Store, accountId: string): Promise<Role[]> {
  const out: Role[] = [];
  let marker: string | undefined;
  do {
    const page = await store.listRoles(accountId, marker === undefined ? {} : { marker });
    out.push(...page.items);
    marker = page.isTruncated ? page.marker : undefined;
  } while (marker !== undefined);
  return out;
}

async function identityPolicies(store: Store, role: Role): Promise<NamedPolicy[]> {
  const out: NamedPolicy[] = [];
  let marker: string | undefined;
  do {
    const page = await store.listRolePolicies(
      role.accountId,
      role.roleName,
      marker === undefined ? {} : { marker },
    );
    for (const p of page.items) {
      out.push({ name: `${role.roleName}/${p.policyName}`, document: p.document, source: 'inline' });
    }
    marker = page.isTruncated ? page.marker : undefined;
  } while (marker !== undefined);
  do {
    const page = await store.listAttachedRolePolicies(
      role.accountId,
      role.roleName,
      marker === undefined ? {} : { marker },
    );
    for (const a of page.items) {
      const policy = await managedPolicy(store, a.policyArn);
      if (policy !== undefined) out.push(policy);
    }
    marker = page.isTruncated ? page.marker : undefined;
  } while (marker !== undefined);
  return out;
}

/** A managed policy's default version; `undefined` for an AWS managed ARN the catalogue lacks. */
async function managedPolicy(store: Store, arn: string): Promise<NamedPolicy | undefined> {
  if (isAwsManagedPolicyArn(arn)) {
    const aws = findAwsManagedPolicy(arn);
    return aws === undefined ? undefined : { name: arn, arn, document: aws.document, source: 'aws-managed' };
  }
  const policy = await store.getPolicy(arn);
  const version = await store.getPolicyVersion(arn, policy.defaultVersionId);
  return { name: arn, arn, document: version.document, source: 'customer-managed' };
}

interface EventScan {
  roles: Map<string, RoleActivity>;
  /** Access key id → newest event signed with it. */
  keys: Map<string, Date>;
  /** IAM user ARN → newest event it signed (`userIdentity.type` `IAMUser`). */
  users: Map<string, Date>;
}

/**
 * One pass over the access log the store still holds: per role the events of the period and
 * the workloads they came from; per access key the newest use (over all time, for `lastUsed`).
 */
async function scanEvents(store: Store, accountId: string, periodStart: Date): Promise<EventScan> {
  const roles = new Map<string, RoleActivity & { sourceSet: Set<string> }>();
  const keys = new Map<string, Date>();
  const users = new Map<string, Date>();
  let after: { eventTime: Date; eventId: string } | undefined;
  for (;;) {
    const events: AccessEvent[] = await store.listAccessEvents({
      accountId,
      limit: PAGE,
      ...(after === undefined ? {} : { after }),
    });
    for (const event of events) {
      const keyId = accessKeyIdOf(event.record);
      if (keyId !== undefined) {
        const seen = keys.get(keyId);
        if (seen === undefined || seen < event.eventTime) keys.set(keyId, event.eventTime);
      }
      const userArn = iamUserArnOf(event.record);
      if (userArn !== undefined) {
        const seen = users.get(userArn);
        if (seen === undefined || seen < event.eventTime) users.set(userArn, event.eventTime);
      }
      if (event.roleName === undefined || event.eventTime < periodStart) continue;
      const key = event.roleName.toLowerCase();
      let entry = roles.get(key);
      if (entry === undefined) {
        entry = { eventCount: 0, sources: [], sourceSet: new Set() };
        roles.set(key, entry);
      }
      entry.eventCount += 1;
      if (entry.lastEvent === undefined || entry.lastEvent < event.eventTime)
        entry.lastEvent = event.eventTime;
      const source = workloadSourceOf(event);
      if (source !== undefined) entry.sourceSet.add(source);
    }
    const last = events[events.length - 1];
    if (last === undefined || events.length < PAGE) break;
    after = { eventTime: last.eventTime, eventId: last.eventId };
  }
  const out = new Map<string, RoleActivity>();
  for (const [key, { sourceSet, ...activity }] of roles) {
    out.set(key, { ...activity, sources: [...sourceSet].sort() });
  }
  return { roles: out, keys, users };
}

/** CloudTrail's `userIdentity.accessKeyId`: the key that signed the request. */
function iamUserArnOf(record: JsonValue): string | undefined {
  const identity = objectOf(objectOf(record).userIdentity);
  return identity.type === 'IAMUser' && typeof identity.arn === 'string' ? identity.arn : undefined;
}

function accessKeyIdOf(record: JsonValue): string | undefined {
  const id = objectOf(objectOf(record).userIdentity).accessKeyId;
  return typeof id === 'string' ? id : undefined;
}

function imdsDefaultsOf(value: JsonValue): InstanceMetadataDefaults {
  const o = objectOf(value);
  const out: InstanceMetadataDefaults = {};
  if (typeof o.HttpTokens === 'string') out.HttpTokens = o.HttpTokens;
  if (typeof o.HttpPutResponseHopLimit === 'number') out.HttpPutResponseHopLimit = o.HttpPutResponseHopLimit;
  if (typeof o.HttpEndpoint === 'string') out.HttpEndpoint = o.HttpEndpoint;
  if (typeof o.InstanceMetadataTags === 'string') out.InstanceMetadataTags = o.InstanceMetadataTags;
  return out;
}

/**
 * How many versions each customer managed policy of `data` has (for the escalation analysis:
 * `iam:SetDefaultPolicyVersion` changes a policy only when it has another version).
 *
 * @example
 * const counts = await loadPolicyVersionCounts(store, data);
 */
export async function loadPolicyVersionCounts(
  store: Store,
  data: AnalysisData,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const p of data.managedPolicies) out.set(p.arn, (await store.listPolicyVersions(p.arn)).length);
  return out;
}
