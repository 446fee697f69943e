/**
 * A fake `OperationContext` for IAM API tests: an in-memory store with one account, and an
 * `authorize` that records every call and denies the ones a test chooses.
 */
import { XMLParser } from 'fast-xml-parser';
import { AccessDeniedError } from '../../control/errors.js';
import type { ExtraContext, OperationContext } from '../../control/operation.js';
import { AwsError } from '../../errors.js';
import { parseQuery } from '../../protocol/query.js';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/store.js';
import { handleIamAction } from '../dispatch.js';

export const ACCOUNT = '111122223333';
export const CALLER_ARN = `arn:aws:iam::${ACCOUNT}:user/admin`;

export interface AuthorizeCall {
  action: string;
  resource: string;
  extra: ExtraContext | undefined;
}

export interface FakeContext extends OperationContext {
  calls: AuthorizeCall[];
  /** Return true to deny a call. */
  deny: (call: AuthorizeCall) => boolean;
}

export async function fakeContext(store?: Store): Promise<FakeContext> {
  const s = store ?? (await openStore(':memory:'));
  if (store === undefined) await s.createAccount({ accountId: ACCOUNT });
  const ctx: FakeContext = {
    accountId: ACCOUNT,
    partition: 'aws',
    region: 'us-east-1',
    requestId: '7a62c49f-347e-4fc4-9331-6e8eEXAMPLE',
    caller: {
      kind: 'User',
      accountId: ACCOUNT,
      arn: CALLER_ARN,
      userId: 'AIDAEXAMPLEEXAMPLE1',
      principalArn: CALLER_ARN,
      accessKeyId: 'AKIDEXAMPLE',
      userName: 'admin',
    },
    store: s,
    calls: [],
    deny: () => false,
    authorize(action, resource, extra) {
      const call = { action, resource, extra };
      ctx.calls.push(call);
      if (ctx.deny(call)) {
        throw new AccessDeniedError(
          `User: ${CALLER_ARN} is not authorized to perform: ${action} on resource: ${resource}`,
        );
      }
    },
  };
  return ctx;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  isArray: (name) => name === 'member',
});

export type Xml = Record<string, unknown>;

/** `Action=...&Version=...` from a record, through the real Query parser. */
export function queryOf(action: string, params: Record<string, string | number | boolean> = {}) {
  const search = new URLSearchParams({ Action: action, Version: '2010-05-08' });
  for (const [k, v] of Object.entries(params)) search.set(k, String(v));
  return parseQuery(search.toString());
}

/** Runs an action and returns the parsed `<ActionResult>` (or `{}` when the response has none). */
export async function call(
  ctx: OperationContext,
  action: string,
  params: Record<string, string | number | boolean> = {},
): Promise<Xml> {
  const response = await handleIamAction(ctx, queryOf(action, params));
  if (response.status !== 200) throw new Error(`status ${response.status}`);
  const doc = parser.parse(response.body) as Xml;
  const root = doc[`${action}Response`] as Xml | undefined;
  if (root === undefined) throw new Error(`no ${action}Response in ${response.body}`);
  if ((root['@_xmlns'] as string) !== 'https://iam.amazonaws.com/doc/2010-05-08/')
    throw new Error('namespace');
  const result = root[`${action}Result`];
  return result === undefined || result === '' ? {} : (result as Xml);
}

/** Runs an action that must fail; resolves the `AwsError`. */
export async function callError(
  ctx: OperationContext,
  action: string,
  params: Record<string, string | number | boolean> = {},
): Promise<AwsError> {
  try {
    await handleIamAction(ctx, queryOf(action, params));
  } catch (error) {
    if (error instanceof AwsError) return error;
    throw error;
  }
  throw new Error(`${action} succeeded`);
}

/** The `member` list of a parsed list element (empty when the element is empty). */
export function members(node: unknown): Xml[] {
  if (node === undefined || node === '' || node === null) return [];
  const list = (node as { member?: unknown[] }).member;
  return (list ?? []) as Xml[];
}

export const TRUST_EC2 = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

export const READ_LOGS = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['logs:GetLogEvents', 'logs:FilterLogEvents'], Resource: '*' }],
});
