/**
 * The stack's ledger: what a stack made or did to IAM users and groups, by unique id, kept as one
 * account setting per stack (`credplane:stack:<stack>`).
 *
 * Roles and the other taggable resources record their owner in tags (`ownership.ts`). Users and
 * groups do not, for two reasons:
 * - IAM groups have no tags, and memberships (`AWS::IAM::UserToGroupAddition`) and inline policies
 *   (`AWS::IAM::Policy` on users and groups) are not resources that could carry any;
 * - a tag is written through the IAM API by anyone allowed `iam:TagUser`, so a user tagged
 *   `credplane:stack` by hand would be taken for the stack's and deleted with it. The ledger is
 *   written only by `credplane apply`, and it names users and groups by unique id (`AIDA…`,
 *   `AGPA…`), so a user deleted outside the stack and made again under the same name is not the
 *   stack's (IAM User Guide, "IAM identifiers" → "Unique identifiers").
 */
import type { JsonValue } from '../iam/types.js';
import type { Store } from '../store/store.js';

export const LEDGER_SETTING_PREFIX = 'credplane:stack:';

export interface Ledger {
  /** User id → logical id of the `AWS::IAM::User` that created it. */
  users: Record<string, string>;
  /** Group id → logical id of the `AWS::IAM::Group` that created it. */
  groups: Record<string, string>;
  /** `AWS::IAM::UserToGroupAddition` logical id → the group and the users it put there. */
  memberships: Record<string, { groupId: string; userIds: string[] }>;
  /** `AWS::IAM::Policy` logical id → its name and the users and groups it is on. */
  policies: Record<string, { policyName: string; userIds: string[]; groupIds: string[] }>;
}

export function emptyLedger(): Ledger {
  return { users: {}, groups: {}, memberships: {}, policies: {} };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** Reads the ledger, dropping whatever does not have its shape (nothing is then owned by mistake). */
export async function readLedger(store: Store, accountId: string, stackName: string): Promise<Ledger> {
  const raw = await store.getAccountSetting(accountId, `${LEDGER_SETTING_PREFIX}${stackName}`);
  const out = emptyLedger();
  if (!isObject(raw)) return out;
  for (const key of ['users', 'groups'] as const) {
    const map = raw[key];
    if (!isObject(map)) continue;
    for (const [id, logicalId] of Object.entries(map)) {
      if (typeof logicalId === 'string') out[key][id] = logicalId;
    }
  }
  if (isObject(raw['memberships'])) {
    for (const [logicalId, m] of Object.entries(raw['memberships'])) {
      if (isObject(m) && typeof m['groupId'] === 'string') {
        out.memberships[logicalId] = { groupId: m['groupId'], userIds: strings(m['userIds']) };
      }
    }
  }
  if (isObject(raw['policies'])) {
    for (const [logicalId, p] of Object.entries(raw['policies'])) {
      if (isObject(p) && typeof p['policyName'] === 'string') {
        out.policies[logicalId] = {
          policyName: p['policyName'],
          userIds: strings(p['userIds']),
          groupIds: strings(p['groupIds']),
        };
      }
    }
  }
  return out;
}

/** Reads, changes and writes back the ledger (inside the apply's transaction); an empty one is removed. */
export async function updateLedger(
  store: Store,
  accountId: string,
  stackName: string,
  change: (ledger: Ledger) => void,
): Promise<void> {
  const ledger = await readLedger(store, accountId, stackName);
  change(ledger);
  const empty =
    Object.keys(ledger.users).length +
      Object.keys(ledger.groups).length +
      Object.keys(ledger.memberships).length +
      Object.keys(ledger.policies).length ===
    0;
  await store.putAccountSetting(
    accountId,
    `${LEDGER_SETTING_PREFIX}${stackName}`,
    empty ? undefined : (ledger as unknown as JsonValue),
  );
}
