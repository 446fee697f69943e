/** The store's behavioural suite: accounts and account settings. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Store, StoreChange } from '../../store.js';
import { expectAwsError, type StoreSuite } from './support.js';

export function describeAccountsAndSettings(suite: StoreSuite): void {
  let store: Store;
  beforeAll(() => {
    store = suite.store;
  });
  const { newAccount, role } = suite;

  describe('accounts', () => {
    it('creates, reads and lists accounts; duplicates and unknown ids are IAM errors', async () => {
      const acct = await newAccount();
      const got = await store.getAccount(acct);
      expect(got.accountId).toBe(acct);
      expect(got.createDate).toBeInstanceOf(Date);
      expect((await store.listAccounts()).map((a) => a.accountId)).toContain(acct);
      await expectAwsError(store.createAccount({ accountId: acct }), 'EntityAlreadyExists', 409);
      await expectAwsError(store.getAccount('999999999999'), 'NoSuchEntity', 404);
      await expectAwsError(role('999999999998', 'r'), 'NoSuchEntity', 404);
    });
  });

  describe('account settings', () => {
    it('stores, replaces and deletes a setting, with change events', async () => {
      const acct = await newAccount();
      const seen: StoreChange[] = [];
      const off = store.onChange((c) => seen.push(c));
      expect(await store.getAccountSetting(acct, 'ec2:instance-metadata-defaults')).toBeUndefined();
      await store.putAccountSetting(acct, 'ec2:instance-metadata-defaults', { HttpTokens: 'required' });
      await store.putAccountSetting(acct, 'ec2:instance-metadata-defaults', { HttpTokens: 'optional' });
      expect(await store.getAccountSetting(acct, 'ec2:instance-metadata-defaults')).toEqual({
        HttpTokens: 'optional',
      });
      await store.putAccountSetting(acct, 'ec2:instance-metadata-defaults', undefined);
      await store.putAccountSetting(acct, 'ec2:instance-metadata-defaults', undefined);
      off();
      expect(await store.getAccountSetting(acct, 'ec2:instance-metadata-defaults')).toBeUndefined();
      expect(seen.map((c) => [c.entity, c.op, c.key])).toEqual([
        ['account-setting', 'create', 'ec2:instance-metadata-defaults'],
        ['account-setting', 'update', 'ec2:instance-metadata-defaults'],
        ['account-setting', 'delete', 'ec2:instance-metadata-defaults'],
      ]);
    });

    it('refuses a setting for an unknown account', async () => {
      await expectAwsError(store.putAccountSetting('999999999990', 'x', 1), 'NoSuchEntity', 404);
    });
  });
}
