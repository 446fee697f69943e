/**
 * Property: a generated (tightened) policy is never broader than the policies it replaces. Over
 * random current policies — Allow and Deny, Action and NotAction, Resource and NotResource,
 * conditions on s3:prefix, kms:EncryptionContext:app, dynamodb:LeadingKeys and aws:SourceIp — and
 * random access histories, for every request of a request set built here (independently of the
 * generator's own check): if the current policies refuse it, the generated policy refuses it; and
 * every used access the current policies allow in some context stays allowed in that context.
 * Decided by the policy engine.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compilePolicy,
  createRequestContext,
  evaluate,
  parsePolicy,
  principalContextKeys,
  type CompiledPolicy,
  type ContextInput,
  type RequestPrincipal,
} from '../../policy/index.js';
import type { LastAccessed } from '../../store/store.js';
import { generatePolicy, type CurrentPolicy } from './generate.js';

const ACCOUNT = '123456789012';
const ROLE = { roleName: 'app', arn: `arn:aws:iam::${ACCOUNT}:role/app`, accountId: ACCOUNT };
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const TABLE = (n: string): string => `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${n}`;

const ACTIONS = [
  's3:ListBucket',
  's3:GetObject',
  's3:PutObject',
  'kms:Encrypt',
  'kms:Decrypt',
  'dynamodb:GetItem',
  'dynamodb:Query',
];
/** What the log can record. */
const RESOURCES = [
  'arn:aws:s3:::b1',
  'arn:aws:s3:::b1/in/1.json',
  'arn:aws:s3:::b1/in/2.json',
  'arn:aws:s3:::b1/in/2026/3.json',
  'arn:aws:s3:::b1/archive/0.json',
  'arn:aws:s3:::b2/in/1.json',
  KEY,
  TABLE('orders'),
  TABLE('tenants'),
];
/** What requests are checked on: the recorded ones and ones nobody used. */
const CHECKED_RESOURCES = [
  ...RESOURCES,
  'arn:aws:s3:::b1/in/9.json',
  'arn:aws:s3:::b1/in/2026/9.json',
  'arn:aws:s3:::b1/secret/1.json',
  'arn:aws:s3:::b2',
  `arn:aws:kms:us-east-1:${ACCOUNT}:key/other`,
  TABLE('other'),
];
const RESOURCE_PATTERNS = [
  ...RESOURCES,
  'arn:aws:s3:::b1/in/*',
  'arn:aws:s3:::b1/*',
  'arn:aws:s3:::*/in/*',
  'arn:aws:s3:::b1/in/?.json',
  `arn:aws:kms:us-east-1:${ACCOUNT}:key/*`,
  `arn:aws:dynamodb:*:${ACCOUNT}:table/*`,
  '*',
];

const condition = fc.oneof(
  fc.constantFrom('in/*', 'archive/*', 'in/2026/*').map((v) => ({ StringLike: { 's3:prefix': v } })),
  fc.constantFrom('orders', 'billing').map((v) => ({ StringEquals: { 'kms:EncryptionContext:app': v } })),
  fc
    .constantFrom(['tenant-a'], ['tenant-a', 'tenant-b'])
    .map((v) => ({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': v } })),
  fc.constantFrom('10.0.0.0/8', '192.0.2.0/24').map((v) => ({ IpAddress: { 'aws:SourceIp': v } })),
);

const statement = fc.record(
  {
    Effect: fc.constantFrom('Allow', 'Allow', 'Allow', 'Deny'),
    action: fc.oneof(
      fc.subarray(ACTIONS, { minLength: 1 }).map((a) => ({ Action: a })),
      fc.constantFrom('s3:*', 'kms:*', 'dynamodb:Get*', '*').map((a) => ({ Action: a })),
      fc.subarray(ACTIONS, { minLength: 1, maxLength: 2 }).map((a) => ({ NotAction: a })),
    ),
    resource: fc.oneof(
      fc.subarray(RESOURCE_PATTERNS, { minLength: 1, maxLength: 3 }).map((r) => ({ Resource: r })),
      fc.subarray(RESOURCE_PATTERNS.slice(0, -1), { minLength: 1, maxLength: 2 }).map((r) => ({
        NotResource: r,
      })),
    ),
    Condition: condition,
  },
  { requiredKeys: ['Effect', 'action', 'resource'] },
);

const policies = fc.array(fc.array(statement, { minLength: 1, maxLength: 4 }), {
  minLength: 1,
  maxLength: 2,
});

const history = fc.array(
  fc.record({
    action: fc.constantFrom(...ACTIONS),
    resource: fc.constantFrom(...RESOURCES),
    allowed: fc.nat(2),
    denied: fc.nat(1),
  }),
  { minLength: 1, maxLength: 12 },
);

const contextValue = {
  's3:prefix': fc.constantFrom(undefined, 'in/x', 'in/2026/y', 'archive/z', 'secret/'),
  'kms:EncryptionContext:app': fc.constantFrom(undefined, 'orders', 'billing', 'other'),
  'dynamodb:LeadingKeys': fc.constantFrom(
    undefined,
    [],
    ['tenant-a'],
    ['tenant-b'],
    ['tenant-a', 'tenant-c'],
  ),
  'aws:SourceIp': fc.constantFrom(undefined, '10.1.2.3', '192.0.2.9', '203.0.113.1'),
};
const contexts = fc.array(fc.record(contextValue), { minLength: 10, maxLength: 25 });

const PRINCIPAL: RequestPrincipal = {
  type: 'AssumedRole',
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/app/job`,
  account: ACCOUNT,
  roleArn: ROLE.arn,
  roleId: 'AROAEXAMPLEAPP',
  userId: 'AROAEXAMPLEAPP:job',
};

function compile(documents: readonly string[]): CompiledPolicy[] {
  return documents.map((d, i) => compilePolicy(parsePolicy(d), { id: `p${i}`, kind: 'identity' }));
}

function defined(context: Record<string, ContextInput | undefined>): Record<string, ContextInput> {
  return Object.fromEntries(Object.entries(context).filter(([, v]) => v !== undefined)) as Record<
    string,
    ContextInput
  >;
}

describe('generated policies are never broader than the current ones', () => {
  it('refuse whatever the current policies refuse, and keep what the workload used', async () => {
    await fc.assert(
      fc.asyncProperty(
        policies,
        history,
        contexts,
        fc.boolean(),
        fc.integer({ min: 1, max: 3 }),
        async (docs, accesses, extraContexts, includeDenied, prefixThreshold) => {
          const current: CurrentPolicy[] = docs.map((statements, i) => ({
            source: 'inline',
            name: `p${i}`,
            document: JSON.stringify({
              Version: '2012-10-17',
              Statement: statements.map((s) => ({
                Effect: s.Effect,
                ...s.action,
                ...s.resource,
                ...(s.Condition === undefined ? {} : { Condition: s.Condition }),
              })),
            }),
          }));
          const T = new Date('2026-11-20T10:00:00Z');
          const log: LastAccessed[] = accesses.map((a) => ({
            accountId: ACCOUNT,
            roleName: ROLE.roleName,
            action: a.action,
            resource: a.resource,
            firstAccessed: T,
            lastAccessed: T,
            allowedCount: a.allowed,
            deniedCount: a.denied,
          }));
          const result = await generatePolicy(
            { role: ROLE, accesses: log, current },
            { includeDenied, prefixThreshold },
          );
          expect(result.verification.widening).toEqual([]);

          const before = compile(current.map((p) => p.document));
          const after = result.document.Statement.length === 0 ? [] : compile([result.text]);
          const checked = [
            {},
            ...Object.entries(contextValue).flatMap(([key]) => [{ [key]: 'other' }]),
            ...extraContexts.map(defined),
          ];
          const needed = new Set(
            log.filter((a) => a.allowedCount > 0 || includeDenied).map((a) => `${a.action} ${a.resource}`),
          );
          for (const extra of checked) {
            const context = createRequestContext(principalContextKeys(PRINCIPAL), extra);
            for (const action of ACTIONS) {
              for (const resource of CHECKED_RESOURCES) {
                const request = { principal: PRINCIPAL, action, resource, context };
                const old = evaluate(request, { identity: before }).decision;
                const now = evaluate(request, { identity: after }).decision;
                const what = `${action} on ${resource} with ${JSON.stringify(extra)}`;
                if (old !== 'Allow') expect(now, `widened: ${what}\n${result.text}`).not.toBe('Allow');
                if (old === 'Allow' && needed.has(`${action} ${resource}`)) {
                  expect(now, `broke a used access: ${what}\n${result.text}`).toBe('Allow');
                }
              }
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  }, 120_000);
});
