/** The store's behavioural suite: managed policies and their versions. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AwsError } from '../../../errors.js';
import type { Store } from '../../store.js';
import { DOC, expectAwsError, type StoreSuite } from './support.js';

export function describeManagedPolicies(suite: StoreSuite): void {
  let store: Store;
  beforeAll(() => {
    store = suite.store;
  });
  const { newAccount, role } = suite;

  describe('managed policies and versions', () => {
    it('creates a policy with v1 as default, an ANPA id and its ARN; names are unique without case', async () => {
      const acct = await newAccount();
      const p = await store.createPolicy(acct, {
        policyName: 'ReadLogs',
        path: '/team/',
        document: DOC(1),
      });
      expect(p.policyId).toMatch(/^ANPA[A-Z0-9]{17}$/);
      expect(p.arn).toBe(`arn:aws:iam::${acct}:policy/team/ReadLogs`);
      expect([p.defaultVersionId, p.attachmentCount, p.permissionsBoundaryUsageCount]).toEqual(['v1', 0, 0]);
      expect(await store.getPolicy(p.arn)).toEqual(p);
      const v1 = await store.getPolicyVersion(p.arn, 'v1');
      expect(v1).toMatchObject({
        versionId: 'v1',
        document: DOC(1),
        isDefaultVersion: true,
        policyArn: p.arn,
      });
      const e = await expectAwsError(
        store.createPolicy(acct, { policyName: 'readlogs', document: DOC(1) }),
        'EntityAlreadyExists',
        409,
      );
      expect(e.message).toBe('A policy called readlogs already exists. Duplicate names are not allowed.');
      await expectAwsError(store.getPolicy(`arn:aws:iam::${acct}:policy/Nope`), 'NoSuchEntity', 404);
    });

    it('keeps at most 5 versions, never reuses a number, and protects the default version', async () => {
      const acct = await newAccount();
      const { arn } = await store.createPolicy(acct, { policyName: 'P', document: DOC(1) });
      for (let i = 2; i <= 5; i++) {
        const v = await store.createPolicyVersion(arn, DOC(i), false);
        expect(v.versionId).toBe(`v${i}`);
        expect(v.isDefaultVersion).toBe(false);
      }
      const e = await expectAwsError(store.createPolicyVersion(arn, DOC(6), true), 'LimitExceeded', 409);
      expect(e.message).toContain('up to 5 versions');
      const d = await expectAwsError(store.deletePolicyVersion(arn, 'v1'), 'DeleteConflict', 409);
      expect(d.message).toBe('Cannot delete the default version of a policy.');
      await store.deletePolicyVersion(arn, 'v2');
      await expectAwsError(store.deletePolicyVersion(arn, 'v2'), 'NoSuchEntity', 404);
      const v6 = await store.createPolicyVersion(arn, DOC(6), true);
      expect(v6).toMatchObject({ versionId: 'v6', isDefaultVersion: true });
      expect((await store.getPolicy(arn)).defaultVersionId).toBe('v6');
      expect((await store.listPolicyVersions(arn)).map((v) => [v.versionId, v.isDefaultVersion])).toEqual([
        ['v6', true],
        ['v5', false],
        ['v4', false],
        ['v3', false],
        ['v1', false],
      ]);
      await store.setDefaultPolicyVersion(arn, 'v3');
      expect((await store.getPolicyVersion(arn, 'v3')).isDefaultVersion).toBe(true);
      await store.deletePolicyVersion(arn, 'v6');
      await expectAwsError(store.setDefaultPolicyVersion(arn, 'v9'), 'NoSuchEntity', 404);
      await expectAwsError(store.getPolicyVersion(arn, 'latest'), 'NoSuchEntity', 404);
      await expectAwsError(store.createPolicyVersion(`${arn}x`, DOC(1), false), 'NoSuchEntity', 404);
    });

    it('lets only as many concurrent version writes succeed as the limit allows', async () => {
      const acct = await newAccount();
      const { arn } = await store.createPolicy(acct, { policyName: 'Race', document: DOC(1) });
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => store.createPolicyVersion(arn, DOC(i), false)),
      );
      const ok = results.filter((r) => r.status === 'fulfilled');
      expect(ok).toHaveLength(4);
      for (const r of results) {
        if (r.status === 'rejected') expect((r.reason as AwsError).code).toBe('LimitExceeded');
      }
      expect(await store.listPolicyVersions(arn)).toHaveLength(5);
    });

    it('lists policies by path prefix, only-attached, and pages them', async () => {
      const acct = await newAccount();
      await role(acct, 'r');
      const a = await store.createPolicy(acct, { policyName: 'a', path: '/x/', document: DOC(1) });
      await store.createPolicy(acct, { policyName: 'b', document: DOC(1) });
      await store.createPolicy(acct, { policyName: 'c', path: '/x/y/', document: DOC(1) });
      await store.attachRolePolicy(acct, 'r', a.arn);
      const first = await store.listPolicies(acct, { maxItems: 2 });
      const second = await store.listPolicies(acct, { maxItems: 2, marker: first.marker! });
      expect([...first.items, ...second.items].map((p) => p.policyName)).toEqual(['a', 'b', 'c']);
      expect(second.isTruncated).toBe(false);
      expect((await store.listPolicies(acct, { pathPrefix: '/x/' })).items.map((p) => p.policyName)).toEqual([
        'a',
        'c',
      ]);
      const attached = await store.listPolicies(acct, { onlyAttached: true });
      expect(attached.items.map((p) => [p.policyName, p.attachmentCount])).toEqual([['a', 1]]);
    });
  });
}
