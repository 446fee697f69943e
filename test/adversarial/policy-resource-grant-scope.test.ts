/**
 * Attacker view of resource-based grants through the public `credplane/policy` API: a principal the
 * policy author excluded, or never named, must not be granted by it.
 */
import { describe, expect, it } from 'vitest';
import {
  MalformedPolicyDocumentError,
  compilePolicy,
  compilePolicyStrict,
  createRequestContext,
  evaluate,
  parsePolicy,
  principalContextKeys,
} from '../../src/policy/index.js';
import type { RequestPrincipal } from '../../src/policy/index.js';

const ACCT = '111122223333';
const attacker: RequestPrincipal = {
  type: 'AssumedRole',
  arn: `arn:aws:sts::${ACCT}:assumed-role/intruder/x`,
  roleArn: `arn:aws:iam::${ACCT}:role/intruder`,
  userId: 'AROAINTRUDER:x',
  account: ACCT,
};
const request = (principal: RequestPrincipal) => ({
  principal,
  action: 's3:GetObject',
  resource: 'arn:aws:s3:::payroll/salaries.csv',
  resourceAccount: ACCT,
  context: createRequestContext(principalContextKeys(principal)),
});

describe('a resource policy never grants a principal it excludes or does not name', () => {
  it('Allow + NotPrincipal naming the intruder role does not grant the intruder a session of it', () => {
    const policy = compilePolicy(
      parsePolicy({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            NotPrincipal: { AWS: attacker.roleArn },
            Action: 's3:GetObject',
            Resource: 'arn:aws:s3:::payroll/*',
          },
        ],
      }),
      { id: 'bucket', kind: 'resource' },
    );
    expect(evaluate(request(attacker), { resource: policy }).decision).toBe('ImplicitDeny');
  });

  it('a bucket policy without Principal is refused, not applied to anonymous callers', () => {
    const doc = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::payroll/*' }],
    };
    expect(() => compilePolicy(parsePolicy(doc), { id: 'bucket', kind: 'resource' })).toThrow(
      MalformedPolicyDocumentError,
    );
    expect(() => compilePolicyStrict(doc, { id: 'bucket', kind: 'resource' })).toThrow(
      MalformedPolicyDocumentError,
    );
    // Smuggled in as an identity-shaped policy in the resource slot: refused at evaluation.
    const identityShaped = compilePolicy(parsePolicy(doc), { id: 'bucket', kind: 'identity' });
    expect(() => evaluate(request({ type: 'Anonymous' }), { resource: identityShaped })).toThrow(
      MalformedPolicyDocumentError,
    );
  });
});
