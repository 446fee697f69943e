/**
 * Attack: a role in account A trusts `arn:aws:iam::B:user/bob`. Bob is deleted in B (or renamed)
 * and someone who can create users in B creates a new `bob`. IAM binds the trust to the old
 * user's unique id (IAM User Guide, "IAM identifiers" → "Unique identifiers"; the cross-account
 * example there shows the id after deletion), so the new bob must not be trusted. The binding
 * used to rewrite only the trust policies of B, the deleted user's own account.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';

const A = '111111111111';
const B = '222222222222';
const BOB = `arn:aws:iam::${B}:user/bob`;

let store: Store;
beforeEach(async () => {
  store = await openStore(':memory:');
  await store.createAccount({ accountId: A });
  await store.createAccount({ accountId: B });
});
afterEach(async () => {
  await store.close();
});

const trustOf = async (roleName: string) => (await store.findRole(A, roleName))!.assumeRolePolicyDocument;

async function roleTrusting(principal: string): Promise<void> {
  await store.createRole(A, {
    roleName: 'shared',
    assumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole' }],
    }),
  });
}

describe('trust policies naming a user of another account', () => {
  it('name the deleted user’s unique id, not its ARN, once it is deleted', async () => {
    const bob = await store.createUser(B, { userName: 'bob' });
    await roleTrusting(BOB);
    await store.deleteUser(B, 'bob');
    await store.createUser(B, { userName: 'bob' });
    const trust = await trustOf('shared');
    expect(trust).not.toContain(BOB);
    expect(trust).toContain(bob.userId);
  });

  it('follow the user to its new name when it is renamed', async () => {
    await store.createUser(B, { userName: 'bob' });
    await roleTrusting(BOB);
    await store.updateUser(B, 'bob', { newUserName: 'robert' });
    await store.createUser(B, { userName: 'bob' });
    const trust = await trustOf('shared');
    expect(trust).not.toContain(BOB);
    expect(trust).toContain(`arn:aws:iam::${B}:user/robert`);
  });
});
