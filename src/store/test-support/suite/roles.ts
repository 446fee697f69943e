/** The store's behavioural suite: roles: the role itself, its tags, inline and attached policies, permissions boundary. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../store.js';
import { DOC, expectAwsError, TRUST, type StoreSuite } from './support.js';

export function describeRoles(suite: StoreSuite): void {
  let store: Store;
  beforeAll(() => {
    store = suite.store;
  });
  const { newAccount, role } = suite;

  describe('roles', () => {
    it('creates a role with IAM defaults, a 21-character AROA id and its ARN', async () => {
      const acct = await newAccount();
      const r = await role(acct, 'web');
      expect(r.roleId).toMatch(/^AROA[A-Z0-9]{17}$/);
      expect(r.arn).toBe(`arn:aws:iam::${acct}:role/web`);
      expect(r.path).toBe('/');
      expect(r.maxSessionDuration).toBe(3600);
      expect(r.assumeRolePolicyDocument).toBe(TRUST);
      expect(r.tags).toEqual([]);
      expect(r.description).toBeUndefined();
      const p = await role(acct, 'deployer', {
        path: '/ci/eu/',
        maxSessionDuration: 7200,
        description: 'CI',
      });
      expect(p.arn).toBe(`arn:aws:iam::${acct}:role/ci/eu/deployer`);
      expect(await store.getRole(acct, 'deployer')).toEqual(p);
      expect(await store.getRoleById(p.roleId)).toEqual(p);
    });

    it('keeps the trust policy text byte for byte', async () => {
      const acct = await newAccount();
      const text = '{ "Version":"2012-10-17",\n  "Statement":[] , "x":"é\\u00e9" }';
      await role(acct, 'exact', { assumeRolePolicyDocument: text });
      expect((await store.getRole(acct, 'exact')).assumeRolePolicyDocument).toBe(text);
    });

    it('treats role names as unique without case, and finds them without case', async () => {
      const acct = await newAccount();
      await role(acct, 'MyRole');
      const e = await expectAwsError(role(acct, 'myrole'), 'EntityAlreadyExists', 409);
      expect(e.message).toBe('Role with name myrole already exists.');
      expect((await store.getRole(acct, 'MYROLE')).roleName).toBe('MyRole');
      // Another account may reuse the name.
      const other = await newAccount();
      await role(other, 'myrole');
    });

    it('reports a missing role as NoSuchEntity with IAM wording; findRole resolves undefined', async () => {
      const acct = await newAccount();
      const e = await expectAwsError(store.getRole(acct, 'ghost'), 'NoSuchEntity', 404);
      expect(e.message).toBe('The role with name ghost cannot be found.');
      expect(await store.findRole(acct, 'ghost')).toBeUndefined();
      await expectAwsError(store.getRoleById('AROAAAAAAAAAAAAAAAAAA'), 'NoSuchEntity', 404);
      await expectAwsError(store.deleteRole(acct, 'ghost'), 'NoSuchEntity', 404);
      await expectAwsError(store.updateRole(acct, 'ghost', { description: 'x' }), 'NoSuchEntity', 404);
    });

    it('updates description, max session duration and trust policy, leaving the rest', async () => {
      const acct = await newAccount();
      const before = await role(acct, 'u', { description: 'old' });
      const after = await store.updateRole(acct, 'U', { maxSessionDuration: 43200 });
      expect(after).toEqual({ ...before, maxSessionDuration: 43200 });
      await store.updateRole(acct, 'u', { description: 'new', assumeRolePolicyDocument: '{}' });
      const got = await store.getRole(acct, 'u');
      expect([got.description, got.assumeRolePolicyDocument, got.maxSessionDuration]).toEqual([
        'new',
        '{}',
        43200,
      ]);
    });

    it('deletes a role; the name is free again with a new id', async () => {
      const acct = await newAccount();
      const first = await role(acct, 'gone');
      await store.deleteRole(acct, 'gone');
      expect(await store.findRole(acct, 'gone')).toBeUndefined();
      const second = await role(acct, 'gone');
      expect(second.roleId).not.toBe(first.roleId);
    });

    it('pages through roles in name order with markers, and filters by path prefix', async () => {
      const acct = await newAccount();
      const names = Array.from({ length: 23 }, (_, i) => `role${String(i).padStart(2, '0')}`);
      for (const [i, n] of names.entries()) await role(acct, n, { path: i % 2 === 0 ? '/even/' : '/odd/x/' });
      const seen: string[] = [];
      let marker: string | undefined;
      let pages = 0;
      do {
        const page = await store.listRoles(acct, { maxItems: 10, ...(marker ? { marker } : {}) });
        pages += 1;
        seen.push(...page.items.map((r) => r.roleName));
        expect(page.isTruncated).toBe(page.marker !== undefined);
        expect(page.items.length).toBe(page.isTruncated ? 10 : 3);
        marker = page.marker;
      } while (marker !== undefined);
      expect(pages).toBe(3);
      expect(seen).toEqual(names);
      const all = await store.listRoles(acct);
      expect(all.isTruncated).toBe(false);
      expect(all.items).toHaveLength(23);
      const odd = await store.listRoles(acct, { pathPrefix: '/odd/' });
      expect(odd.items.map((r) => r.roleName)).toEqual(names.filter((_, i) => i % 2 === 1));
      expect((await store.listRoles(acct, { pathPrefix: '/od' })).items).toHaveLength(11);
      expect((await store.listRoles(acct, { pathPrefix: '/none/' })).items).toEqual([]);
    });

    it('rejects maxItems outside 1..1000 and markers it did not issue', async () => {
      const acct = await newAccount();
      const e = await expectAwsError(store.listRoles(acct, { maxItems: 0 }), 'ValidationError', 400);
      expect(e.message).toContain("at 'maxItems' failed to satisfy constraint");
      await expectAwsError(store.listRoles(acct, { maxItems: 1001 }), 'ValidationError', 400);
      await expectAwsError(store.listRoles(acct, { marker: 'not a marker!' }), 'ValidationError', 400);
    });
  });

  describe('role tags', () => {
    it('adds, replaces (keys compared without case), removes and lists tags', async () => {
      const acct = await newAccount();
      await role(acct, 't', { tags: [{ key: 'Team', value: 'pay' }] });
      await store.tagRole(acct, 't', [
        { key: 'env', value: 'dev' },
        { key: 'team', value: 'ops' },
      ]);
      expect((await store.getRole(acct, 't')).tags).toEqual([
        { key: 'team', value: 'ops' },
        { key: 'env', value: 'dev' },
      ]);
      await store.untagRole(acct, 't', ['ENV', 'absent']);
      const page = await store.listRoleTags(acct, 't');
      expect(page).toEqual({ items: [{ key: 'team', value: 'ops' }], isTruncated: false });
      await expectAwsError(store.tagRole(acct, 'nope', []), 'NoSuchEntity', 404);
    });

    it('enforces 50 tags per role with LimitExceeded and pages tags', async () => {
      const acct = await newAccount();
      const tags = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
      await role(acct, 'full', { tags });
      const e = await expectAwsError(
        store.tagRole(acct, 'full', [{ key: 'one-more', value: '' }]),
        'LimitExceeded',
        409,
      );
      expect(e.message).toBe('The number of tags has reached the maximum limit.');
      // Replacing an existing key does not count against the quota.
      await store.tagRole(acct, 'full', [{ key: 'K0', value: 'x' }]);
      const first = await store.listRoleTags(acct, 'full', { maxItems: 20 });
      const second = await store.listRoleTags(acct, 'full', { maxItems: 20, marker: first.marker! });
      const third = await store.listRoleTags(acct, 'full', { maxItems: 20, marker: second.marker! });
      expect([first.items.length, second.items.length, third.items.length, third.isTruncated]).toEqual([
        20,
        20,
        10,
        false,
      ]);
      expect([...first.items, ...second.items, ...third.items].map((t) => t.key)).toEqual([
        'K0',
        ...tags.slice(1).map((t) => t.key),
      ]);
      await expectAwsError(
        role(acct, 'toomany', { tags: [...tags, { key: 'x', value: 'y' }] }),
        'LimitExceeded',
        409,
      );
    });
  });

  describe('inline role policies', () => {
    it('puts, replaces, reads, lists and deletes; the role cannot be deleted while it has one', async () => {
      const acct = await newAccount();
      await role(acct, 'r');
      await store.putRolePolicy(acct, 'r', 'Read', DOC(1));
      await store.putRolePolicy(acct, 'r', 'write', DOC(2));
      await store.putRolePolicy(acct, 'r', 'read', DOC(3));
      expect(await store.getRolePolicy(acct, 'R', 'READ')).toEqual({
        accountId: acct,
        roleName: 'r',
        policyName: 'read',
        document: DOC(3),
      });
      const page = await store.listRolePolicies(acct, 'r', { maxItems: 1 });
      expect(page.items.map((p) => p.policyName)).toEqual(['read']);
      const rest = await store.listRolePolicies(acct, 'r', { marker: page.marker! });
      expect(rest.items.map((p) => p.policyName)).toEqual(['write']);
      const e = await expectAwsError(store.deleteRole(acct, 'r'), 'DeleteConflict', 409);
      expect(e.message).toBe('Cannot delete entity, must delete policies first.');
      await store.deleteRolePolicy(acct, 'r', 'read');
      await store.deleteRolePolicy(acct, 'r', 'write');
      await expectAwsError(store.getRolePolicy(acct, 'r', 'read'), 'NoSuchEntity', 404);
      await expectAwsError(store.deleteRolePolicy(acct, 'r', 'read'), 'NoSuchEntity', 404);
      await expectAwsError(store.putRolePolicy(acct, 'ghost', 'p', DOC(1)), 'NoSuchEntity', 404);
      await store.deleteRole(acct, 'r');
    });
  });

  describe('attached role policies', () => {
    it('attaches idempotently, counts, blocks deletes while attached, and detaches', async () => {
      const acct = await newAccount();
      await role(acct, 'r');
      const p = await store.createPolicy(acct, { policyName: 'P', document: DOC(1) });
      const aws = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
      await store.attachRolePolicy(acct, 'r', p.arn);
      await store.attachRolePolicy(acct, 'R', p.arn);
      await store.attachRolePolicy(acct, 'r', aws);
      const listed = await store.listAttachedRolePolicies(acct, 'r');
      // Ordered by ARN: account digits sort before `aws`.
      expect(listed.items).toEqual([
        { policyName: 'P', policyArn: p.arn },
        { policyName: 'ReadOnlyAccess', policyArn: aws },
      ]);
      expect((await store.getPolicy(p.arn)).attachmentCount).toBe(1);
      expect(await store.listRolesForPolicy(p.arn)).toEqual(['r']);
      const dp = await expectAwsError(store.deletePolicy(p.arn), 'DeleteConflict', 409);
      expect(dp.message).toBe('Cannot delete a policy attached to entities.');
      const dr = await expectAwsError(store.deleteRole(acct, 'r'), 'DeleteConflict', 409);
      expect(dr.message).toBe('Cannot delete entity, must detach all policies first.');
      await store.detachRolePolicy(acct, 'r', p.arn);
      await store.detachRolePolicy(acct, 'r', aws);
      await expectAwsError(store.detachRolePolicy(acct, 'r', aws), 'NoSuchEntity', 404);
      await store.deletePolicy(p.arn);
      await expectAwsError(store.getPolicy(p.arn), 'NoSuchEntity', 404);
      await store.deleteRole(acct, 'r');
    });

    it('refuses unknown or foreign customer policies and more than 10 attachments', async () => {
      const acct = await newAccount();
      const other = await newAccount();
      await role(acct, 'r');
      await expectAwsError(
        store.attachRolePolicy(acct, 'r', `arn:aws:iam::${acct}:policy/Nope`),
        'NoSuchEntity',
        404,
      );
      const foreign = await store.createPolicy(other, { policyName: 'F', document: DOC(1) });
      await expectAwsError(store.attachRolePolicy(acct, 'r', foreign.arn), 'NoSuchEntity', 404);
      await expectAwsError(store.attachRolePolicy(acct, 'r', 'not-an-arn'), 'ValidationError', 400);
      for (let i = 0; i < 10; i++) await store.attachRolePolicy(acct, 'r', `arn:aws:iam::aws:policy/P${i}`);
      const e = await expectAwsError(
        store.attachRolePolicy(acct, 'r', 'arn:aws:iam::aws:policy/P10'),
        'LimitExceeded',
        409,
      );
      expect(e.message).toBe('Cannot exceed quota for PoliciesPerRole: 10');
      const page = await store.listAttachedRolePolicies(acct, 'r', { maxItems: 4 });
      expect(page.items).toHaveLength(4);
      expect(page.isTruncated).toBe(true);
    });
  });

  describe('permissions boundaries', () => {
    it('sets and removes a boundary; a policy in use as a boundary cannot be deleted', async () => {
      const acct = await newAccount();
      const p = await store.createPolicy(acct, { policyName: 'Boundary', document: DOC(1) });
      await role(acct, 'b', { permissionsBoundaryArn: p.arn });
      expect((await store.getRole(acct, 'b')).permissionsBoundaryArn).toBe(p.arn);
      expect((await store.getPolicy(p.arn)).permissionsBoundaryUsageCount).toBe(1);
      await expectAwsError(store.deletePolicy(p.arn), 'DeleteConflict', 409);
      await store.deleteRolePermissionsBoundary(acct, 'b');
      expect((await store.getRole(acct, 'b')).permissionsBoundaryArn).toBeUndefined();
      await store.putRolePermissionsBoundary(acct, 'b', 'arn:aws:iam::aws:policy/PowerUserAccess');
      expect((await store.getRole(acct, 'b')).permissionsBoundaryArn).toBe(
        'arn:aws:iam::aws:policy/PowerUserAccess',
      );
      await expectAwsError(
        store.putRolePermissionsBoundary(acct, 'b', `arn:aws:iam::${acct}:policy/None`),
        'NoSuchEntity',
        404,
      );
      await expectAwsError(
        role(acct, 'c', { permissionsBoundaryArn: `arn:aws:iam::${acct}:policy/None` }),
        'NoSuchEntity',
        404,
      );
      await store.deletePolicy(p.arn);
    });
  });
}
