/**
 * Fixtures for the analyzer's unit tests: an in-memory SQLite store with one account, policy
 * documents and access events in a few words.
 */
import { randomUUID } from 'node:crypto';
import type { JsonValue } from '../../iam/types.js';
import { openStore } from '../../store/open.js';
import type { AccessEventInput, Store } from '../../store/store.js';
import type { AnalysisData } from '../data.js';
import { loadAnalysisData } from '../load.js';

export const ACCT = '123456789012';
export const DAY = 86_400_000;

export async function memoryStore(): Promise<Store> {
  const store = await openStore(':memory:');
  await store.createAccount({ accountId: ACCT });
  return store;
}

type Statement = { [key: string]: JsonValue };

export function policy(...statements: Statement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

export function allow(
  action: string | string[],
  resource: string | string[] = '*',
  extra: Statement = {},
): Statement {
  return { Effect: 'Allow', Action: action, Resource: resource, ...extra };
}

export function trustService(service: string): string {
  return policy({ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' });
}

/** Creates a role (EC2 trust by default) with inline policies. */
export async function role(
  store: Store,
  roleName: string,
  options: { trust?: string; inline?: Record<string, string>; maxSessionDuration?: number } = {},
): Promise<void> {
  await store.createRole(ACCT, {
    roleName,
    assumeRolePolicyDocument: options.trust ?? trustService('ec2.amazonaws.com'),
    ...(options.maxSessionDuration === undefined ? {} : { maxSessionDuration: options.maxSessionDuration }),
  });
  for (const [name, doc] of Object.entries(options.inline ?? {}))
    await store.putRolePolicy(ACCT, roleName, name, doc);
}

/** An access-log event of `roleName` at `at`, with the accesses it counts as. */
export function event(
  at: Date,
  fields: Partial<AccessEventInput> & { channel?: string },
  accesses: { action: string; resource?: string; allowed?: boolean }[] = [],
): AccessEventInput {
  return {
    eventId: randomUUID(),
    eventTime: at,
    accountId: ACCT,
    channel: 'gateway',
    eventSource: 'sqs.amazonaws.com',
    eventName: 'SendMessage',
    decision: 'allow',
    record: {},
    ...fields,
    accesses: accesses.map((a) => ({
      action: a.action,
      resource: a.resource ?? '*',
      allowed: a.allowed ?? true,
    })),
  };
}

/** Loads the account as the checks see it, `daysLater` days after now (so roles are that old). */
export function load(store: Store, periodMs = 90 * DAY, daysLater = 0): Promise<AnalysisData> {
  return loadAnalysisData(store, { accountId: ACCT, periodMs, now: new Date(Date.now() + daysLater * DAY) });
}
