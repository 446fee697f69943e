/** The store's behavioural suite: change events, the store generation, transactions. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AwsError } from '../../../errors.js';
import type { Store, StoreChange } from '../../store.js';
import { DOC, expectAwsError, TRUST, type StoreSuite } from './support.js';

export function describeChanges(suite: StoreSuite): void {
  let store: Store;
  beforeAll(() => {
    store = suite.store;
  });
  const { newAccount, role } = suite;

  describe('change events', () => {
    it('fires after each committed write, never for a failed one, and stops after unsubscribe', async () => {
      const acct = await newAccount();
      const seen: StoreChange[] = [];
      const off = store.onChange((c) => {
        if (c.accountId === acct) seen.push(c);
      });
      await role(acct, 'e');
      await store.putRolePolicy(acct, 'e', 'p', DOC(1));
      await expectAwsError(role(acct, 'E'), 'EntityAlreadyExists', 409);
      await store.deleteRolePolicy(acct, 'e', 'p');
      off();
      await store.deleteRole(acct, 'e');
      expect(seen.map(({ generation: _generation, ...c }) => c)).toEqual([
        { entity: 'role', op: 'create', accountId: acct, key: 'e' },
        { entity: 'role-policy', op: 'create', accountId: acct, key: 'e' },
        { entity: 'role-policy', op: 'delete', accountId: acct, key: 'e' },
      ]);
    });

    it('does not let a throwing listener fail the write', async () => {
      const acct = await newAccount();
      const off = store.onChange(() => {
        throw new Error('listener bug');
      });
      try {
        await role(acct, 'survives');
      } finally {
        off();
      }
      expect((await store.getRole(acct, 'survives')).roleName).toBe('survives');
    });
  });

  describe('store generation', () => {
    it('advances once per committed write of the model, in the write, and never otherwise', async () => {
      const acct = await newAccount();
      const seen: StoreChange[] = [];
      const off = store.onChange((c) => {
        if (c.accountId === acct) seen.push(c);
      });
      const start = await store.generation();
      await role(acct, 'g');
      expect(await store.generation()).toBe(start + 1);
      expect(seen.at(-1)?.generation).toBe(start + 1);
      await expectAwsError(role(acct, 'G'), 'EntityAlreadyExists', 409);
      expect(await store.generation()).toBe(start + 1);
      await store.transaction(async (tx) => {
        await tx.putRolePolicy(acct, 'g', 'p', DOC(1));
        await tx.revokeRoleSessions(acct, 'g', new Date());
      });
      expect(await store.generation()).toBe(start + 2);
      expect(seen.slice(-2).map((c) => c.generation)).toEqual([start + 2, start + 2]);
      await expect(
        store.transaction(async (tx) => {
          await tx.deleteRolePolicy(acct, 'g', 'p');
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      off();
      expect(await store.generation()).toBe(start + 2);
    });
  });

  describe('transactions', () => {
    it('commits all steps together and announces them after the commit', async () => {
      const acct = await newAccount();
      const seen: StoreChange[] = [];
      const off = store.onChange((c) => {
        if (c.accountId === acct) seen.push(c);
      });
      const result = await store.transaction(async (tx) => {
        await tx.createRole(acct, { roleName: 'a', assumeRolePolicyDocument: TRUST });
        const p = await tx.createPolicy(acct, { policyName: 'ap', document: DOC(1) });
        await tx.attachRolePolicy(acct, 'a', p.arn);
        expect(seen).toEqual([]);
        return p.arn;
      });
      off();
      expect(seen.map((c) => c.entity)).toEqual(['role', 'managed-policy', 'role-attachment']);
      expect((await store.listAttachedRolePolicies(acct, 'a')).items.map((a) => a.policyArn)).toEqual([
        result,
      ]);
    });

    it('rolls every step back when the function throws, and rethrows its error', async () => {
      const acct = await newAccount();
      const seen: StoreChange[] = [];
      const off = store.onChange((c) => {
        if (c.accountId === acct) seen.push(c);
      });
      const boom = new Error('template step failed');
      await expect(
        store.transaction(async (tx) => {
          await tx.createRole(acct, { roleName: 'a', assumeRolePolicyDocument: TRUST });
          await tx.createInstanceProfile(acct, { instanceProfileName: 'ip' });
          throw boom;
        }),
      ).rejects.toBe(boom);
      await expect(
        store.transaction(async (tx) => {
          await tx.createRole(acct, { roleName: 'b', assumeRolePolicyDocument: TRUST });
          await tx.createRole(acct, { roleName: 'B', assumeRolePolicyDocument: TRUST });
        }),
      ).rejects.toMatchObject({ code: 'EntityAlreadyExists' });
      off();
      expect(seen).toEqual([]);
      expect((await store.listRoles(acct)).items).toEqual([]);
      expect((await store.listInstanceProfiles(acct)).items).toEqual([]);
    });

    it('keeps earlier steps when a failed step is caught inside the transaction', async () => {
      const acct = await newAccount();
      await store.transaction(async (tx) => {
        await tx.createRole(acct, { roleName: 'kept', assumeRolePolicyDocument: TRUST });
        await expectAwsError(tx.deleteRole(acct, 'ghost'), 'NoSuchEntity', 404);
        await expectAwsError(
          tx.createRole(acct, { roleName: 'KEPT', assumeRolePolicyDocument: TRUST }),
          'EntityAlreadyExists',
          409,
        );
        await tx.putRolePolicy(acct, 'kept', 'p', DOC(1));
        // Nested transactions join the outer one.
        await tx.transaction(async (inner) => inner.tagRole(acct, 'kept', [{ key: 'k', value: 'v' }]));
      });
      const r = await store.getRole(acct, 'kept');
      expect(r.tags).toEqual([{ key: 'k', value: 'v' }]);
      expect((await store.listRolePolicies(acct, 'kept')).items).toHaveLength(1);
    });

    it('lets exactly one of two concurrent creates of the same role succeed', async () => {
      const acct = await newAccount();
      const results = await Promise.allSettled([role(acct, 'dup'), role(acct, 'DUP'), role(acct, 'Dup')]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect((r.reason as AwsError).code).toBe('EntityAlreadyExists');
      }
    });
  });
}
