/**
 * Attack: a role of account A trusts `arn:aws:iam::B:user/bob` where B is another account of the
 * same credplane and bob does not exist (yet). Whoever can create users in B later creates bob and
 * is trusted by A's role. IAM refuses such a trust policy when it is saved ("Invalid principal in
 * policy"): it binds the principal to its unique id then, and there is none (IAM User Guide, "IAM
 * identifiers" → "Unique identifiers"). credplane checked only the role's own account.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestPlane, type TestPlane } from '../../src/server/test-support/plane.js';

const B = '222222222222';
const IAM = { Version: '2010-05-08' };
const errorCode = (text: string) => /<Code>([^<]+)<\/Code>/.exec(text)?.[1];

let plane: TestPlane;
beforeEach(async () => {
  plane = await createTestPlane();
  await plane.store.createAccount({ accountId: B });
});
afterEach(async () => {
  await plane.close();
});

const trusting = (principal: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole' }],
  });

const createRole = (roleName: string, principal: string) =>
  plane.call('iam', plane.admin, {
    ...IAM,
    Action: 'CreateRole',
    RoleName: roleName,
    AssumeRolePolicyDocument: trusting(principal),
  });

describe('a trust policy naming a user or role of another account of the store', () => {
  it('is refused while that principal does not exist, and accepted once it does', async () => {
    const missing = await createRole('shared', `arn:aws:iam::${B}:user/bob`);
    expect(missing.status, missing.text).toBe(400);
    expect(errorCode(missing.text)).toBe('MalformedPolicyDocument');
    expect((await createRole('shared', `arn:aws:iam::${B}:role/ops`)).status).toBe(400);

    await plane.store.createUser(B, { userName: 'bob' });
    const ok = await createRole('shared', `arn:aws:iam::${B}:user/bob`);
    expect(ok.status, ok.text).toBe(200);
  });

  it('is accepted for an account this credplane does not hold', async () => {
    const res = await createRole('external', 'arn:aws:iam::333333333333:user/anyone');
    expect(res.status, res.text).toBe(200);
  });
});
