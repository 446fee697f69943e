/**
 * `policy tighten` must never widen access: every request the role's current policies refuse, the
 * generated policy refuses too. The three calls of issue 12 that a condition-dropping rewrite let
 * through (ListObjectsV2 outside the allowed prefix, Encrypt with another encryption context,
 * GetItem for another tenant), decided by the policy engine — not by comparing JSON text.
 */
import { describe, expect, it } from 'vitest';
import { generatePolicy, type CurrentPolicy } from '../../src/analyzer/generate/generate.js';
import type { LastAccessed } from '../../src/store/store.js';
import {
  compilePolicy,
  createRequestContext,
  evaluate,
  parsePolicy,
  principalContextKeys,
  type ContextInput,
  type RequestPrincipal,
} from '../../src/policy/index.js';

const ACCOUNT = '123456789012';
const ROLE = { roleName: 'orders', arn: `arn:aws:iam::${ACCOUNT}:role/orders`, accountId: ACCOUNT };
const BUCKET = 'arn:aws:s3:::orders';
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const TABLE = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders`;
const T = new Date('2026-11-20T10:00:00Z');

const CURRENT: CurrentPolicy[] = [
  {
    source: 'inline',
    name: 'scoped',
    document: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ListInbox',
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: BUCKET,
          Condition: { StringLike: { 's3:prefix': 'in/*' } },
        },
        {
          Sid: 'EncryptForOrders',
          Effect: 'Allow',
          Action: ['kms:Encrypt', 'kms:Decrypt'],
          Resource: KEY,
          Condition: { StringEquals: { 'kms:EncryptionContext:app': 'orders' } },
        },
        {
          Sid: 'OwnTenant',
          Effect: 'Allow',
          Action: 'dynamodb:*',
          Resource: TABLE,
          Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['tenant-a'] } },
        },
      ],
    }),
  },
];

function access(action: string, resource: string): LastAccessed {
  return {
    accountId: ACCOUNT,
    roleName: ROLE.roleName,
    action,
    resource,
    firstAccessed: T,
    lastAccessed: T,
    allowedCount: 1,
    deniedCount: 0,
  };
}

const PRINCIPAL: RequestPrincipal = {
  type: 'AssumedRole',
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/orders/job`,
  account: ACCOUNT,
  roleArn: ROLE.arn,
  roleId: 'AROAEXAMPLEORDERS',
  userId: 'AROAEXAMPLEORDERS:job',
};

function decide(
  documents: readonly string[],
  action: string,
  resource: string,
  context: Record<string, ContextInput>,
): string {
  const identity = documents.map((d, i) => compilePolicy(parsePolicy(d), { id: `p${i}`, kind: 'identity' }));
  return evaluate(
    {
      principal: PRINCIPAL,
      action,
      resource,
      context: createRequestContext(principalContextKeys(PRINCIPAL), context),
    },
    { identity },
  ).decision;
}

describe('policy tighten keeps the conditions of the statements it narrows', () => {
  const calls: [string, string, Record<string, ContextInput>, Record<string, ContextInput>][] = [
    // ListObjectsV2 is authorized as s3:ListBucket with the s3:prefix key.
    ['s3:ListBucket', BUCKET, { 's3:prefix': 'in/2026/' }, { 's3:prefix': 'archive/' }],
    [
      'kms:Encrypt',
      KEY,
      { 'kms:EncryptionContext:app': 'orders' },
      { 'kms:EncryptionContext:app': 'billing' },
    ],
    [
      'dynamodb:GetItem',
      TABLE,
      { 'dynamodb:LeadingKeys': ['tenant-a'] },
      { 'dynamodb:LeadingKeys': ['tenant-b'] },
    ],
  ];

  it('refuses afterwards what was refused before, and still allows what the workload did', async () => {
    const result = await generatePolicy({
      role: ROLE,
      accesses: calls.map(([action, resource]) => access(action, resource)),
      current: CURRENT,
    });
    const before = CURRENT.map((p) => p.document);
    const after = [result.text];
    for (const [action, resource, allowed, refused] of calls) {
      expect(decide(before, action, resource, refused), `${action} before`).toBe('ImplicitDeny');
      expect(decide(after, action, resource, refused), `${action} after`).toBe('ImplicitDeny');
      expect(decide(after, action, resource, allowed), `${action} used`).toBe('Allow');
    }
    // Only what was used: kms:Decrypt was granted but never called.
    expect(decide(after, 'kms:Decrypt', KEY, { 'kms:EncryptionContext:app': 'orders' })).toBe('ImplicitDeny');
  });
});
