/**
 * Property: a user holds at most two access keys (IAM quota AccessKeysPerUser), however its name is
 * spelled in the request. Names compare without case; a key creation that names the user in
 * another case than its keys carry (it was renamed `bob` -> `BOB` between the lookup and the
 * write, or a caller spelled it so) still counts the keys the user holds.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LimitExceededError } from '../../src/iam/errors.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';

const ACCOUNT = '123456789012';
let store: Store;

beforeEach(async () => {
  store = await openStore(':memory:');
  await store.createAccount({ accountId: ACCOUNT });
});
afterEach(async () => {
  await store.close();
});

const key = (n: number, userName: string) => ({
  accessKeyId: `AKIAQUOTATEST0000${n}`,
  accountId: ACCOUNT,
  userName,
  sealedSecret: new Uint8Array(8),
});

it('refuses a third key when the request spells the user in another case', async () => {
  await store.createUser(ACCOUNT, { userName: 'bob' });
  await store.createAccessKey(key(1, 'bob'));
  await store.createAccessKey(key(2, 'bob'));
  await expect(store.createAccessKey(key(3, 'BOB'))).rejects.toBeInstanceOf(LimitExceededError);
  // Renamed in case only: the keys follow, the quota still holds for the old spelling.
  await store.updateUser(ACCOUNT, 'bob', { newUserName: 'Bob' });
  await expect(store.createAccessKey(key(4, 'bob'))).rejects.toBeInstanceOf(LimitExceededError);
  expect((await store.listAccessKeys(ACCOUNT, 'Bob')).length).toBe(2);
});
