/** The store's behavioural suite: users' access keys, the key ring record, session revocation. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../store.js';
import { expectAwsError, type StoreSuite } from './support.js';

export function describeKeys(suite: StoreSuite): void {
  let store: Store;
  beforeAll(() => {
    store = suite.store;
  });
  const { newAccount, role } = suite;

  describe('access keys', () => {
    it('stores the sealed secret as bytes, changes status, lists and deletes', async () => {
      const acct = await newAccount();
      await store.createUser(acct, { userName: 'admin' });
      const secret = new Uint8Array([0, 1, 2, 250, 255, 128]);
      const k = await store.createAccessKey({
        accessKeyId: `AKIA${acct}ABCD`,
        accountId: acct,
        userName: 'admin',
        sealedSecret: secret,
      });
      expect(k.status).toBe('Active');
      const got = await store.getAccessKey(k.accessKeyId);
      expect(Array.from(got.sealedSecret)).toEqual(Array.from(secret));
      await expectAwsError(
        store.createAccessKey({
          accessKeyId: k.accessKeyId,
          accountId: acct,
          userName: 'admin',
          sealedSecret: secret,
        }),
        'EntityAlreadyExists',
        409,
      );
      await store.updateAccessKeyStatus(k.accessKeyId, 'Inactive');
      expect((await store.getAccessKey(k.accessKeyId)).status).toBe('Inactive');
      expect((await store.listAccessKeys(acct)).map((x) => x.accessKeyId)).toEqual([k.accessKeyId]);
      expect(await store.listAccessKeys(acct, 'someone-else')).toEqual([]);
      await store.deleteAccessKey(k.accessKeyId);
      expect(await store.findAccessKey(k.accessKeyId)).toBeUndefined();
      await expectAwsError(store.getAccessKey(k.accessKeyId), 'NoSuchEntity', 404);
      await expectAwsError(store.deleteAccessKey(k.accessKeyId), 'NoSuchEntity', 404);
      await expectAwsError(store.updateAccessKeyStatus(k.accessKeyId, 'Active'), 'NoSuchEntity', 404);
    });
  });

  describe('key ring record', () => {
    it('is one record replaced only by a writer holding the current version', async () => {
      expect(await store.getKeyRing()).toBeUndefined();
      const first = await store.putKeyRing(new Uint8Array([1, 2, 3]), 0);
      expect(first.version).toBe(1);
      await expectAwsError(store.putKeyRing(new Uint8Array([9]), 0), 'ConcurrentModification', 409);
      const second = await store.putKeyRing(new Uint8Array([4, 5]), 1);
      expect(second.version).toBe(2);
      await expectAwsError(store.putKeyRing(new Uint8Array([9]), 1), 'ConcurrentModification', 409);
      const got = await store.getKeyRing();
      expect(got?.version).toBe(2);
      expect(Array.from(got?.sealed ?? [])).toEqual([4, 5]);
      const racers = await Promise.allSettled([
        store.putKeyRing(new Uint8Array([6]), 2),
        store.putKeyRing(new Uint8Array([7]), 2),
      ]);
      expect(racers.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });
  });

  describe('session revocation', () => {
    it('records a per-role timestamp that only moves forward and goes with the role', async () => {
      const acct = await newAccount();
      const r = await role(acct, 'rev');
      expect(await store.getRoleRevocation(r.roleId)).toBeUndefined();
      const t1 = new Date('2026-01-02T03:04:05.678Z');
      expect(await store.revokeRoleSessions(acct, 'rev', t1)).toEqual({
        roleId: r.roleId,
        revokedBefore: t1,
      });
      await store.revokeRoleSessions(acct, 'rev', new Date('2025-01-01T00:00:00Z'));
      expect((await store.getRoleRevocation(r.roleId))?.revokedBefore).toEqual(t1);
      const t2 = new Date('2026-06-01T00:00:00.000Z');
      await store.revokeRoleSessions(acct, 'REV', t2);
      expect((await store.getRoleRevocation(r.roleId))?.revokedBefore).toEqual(t2);
      await expectAwsError(store.revokeRoleSessions(acct, 'ghost', t2), 'NoSuchEntity', 404);
      await store.deleteRole(acct, 'rev');
      expect(await store.getRoleRevocation(r.roleId)).toBeUndefined();
    });
  });
}
