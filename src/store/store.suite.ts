/**
 * The behaviour every `Store` implementation must have, registered once per implementation by
 * `sqlite.test.ts` and `postgres.test.ts`. One store is opened per suite; each test works in an
 * account of its own so tests stay independent without re-running migrations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsError } from '../errors.js';
import type { Store, StoreChange } from './store.js';

export interface StoreSuiteOptions {
  /** Opens a fresh, empty store. */
  open: () => Promise<Store>;
}

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const DOC = (n: number) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: `s3:Get${n}`, Resource: '*' }],
  });

async function expectAwsError(promise: Promise<unknown>, code: string, status: number): Promise<AwsError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(AwsError);
  const error = caught as AwsError;
  expect({ code: error.code, status: error.status }).toEqual({ code, status });
  return error;
}

let accountSeq = 0;

/** Registers the shared behavioural suite for one store implementation. */
export function describeStore(name: string, options: StoreSuiteOptions): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    const newAccount = async (): Promise<string> => {
      accountSeq += 1;
      const accountId = String(100000000000 + accountSeq * 7919 + Math.floor(Math.random() * 7000)).slice(
        0,
        12,
      );
      await store.createAccount({ accountId });
      return accountId;
    };
    const role = (acct: string, roleName: string, extra: Record<string, unknown> = {}) =>
      store.createRole(acct, { roleName, assumeRolePolicyDocument: TRUST, ...extra });

    beforeAll(async () => {
      store = await options.open();
    });
    afterAll(async () => {
      await store?.close();
    });

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
        for (const [i, n] of names.entries())
          await role(acct, n, { path: i % 2 === 0 ? '/even/' : '/odd/x/' });
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
        expect([p.defaultVersionId, p.attachmentCount, p.permissionsBoundaryUsageCount]).toEqual([
          'v1',
          0,
          0,
        ]);
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
        expect(
          (await store.listPolicies(acct, { pathPrefix: '/x/' })).items.map((p) => p.policyName),
        ).toEqual(['a', 'c']);
        const attached = await store.listPolicies(acct, { onlyAttached: true });
        expect(attached.items.map((p) => [p.policyName, p.attachmentCount])).toEqual([['a', 1]]);
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

    describe('instance profiles', () => {
      it('holds at most one role and blocks deletes of either side while linked', async () => {
        const acct = await newAccount();
        await role(acct, 'web');
        await role(acct, 'other');
        const ip = await store.createInstanceProfile(acct, {
          instanceProfileName: 'WebProfile',
          path: '/p/',
        });
        expect(ip.instanceProfileId).toMatch(/^AIPA[A-Z0-9]{17}$/);
        expect(ip.arn).toBe(`arn:aws:iam::${acct}:instance-profile/p/WebProfile`);
        expect(ip.roles).toEqual([]);
        await expectAwsError(
          store.createInstanceProfile(acct, { instanceProfileName: 'webprofile' }),
          'EntityAlreadyExists',
          409,
        );
        await store.addRoleToInstanceProfile(acct, 'webprofile', 'web');
        const got = await store.getInstanceProfile(acct, 'WebProfile');
        expect(got.roles.map((r) => r.roleName)).toEqual(['web']);
        const lim = await expectAwsError(
          store.addRoleToInstanceProfile(acct, 'WebProfile', 'other'),
          'LimitExceeded',
          409,
        );
        expect(lim.message).toBe('Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1');
        const dr = await expectAwsError(store.deleteRole(acct, 'web'), 'DeleteConflict', 409);
        expect(dr.message).toBe('Cannot delete entity, must remove roles from instance profile first.');
        await expectAwsError(store.deleteInstanceProfile(acct, 'WebProfile'), 'DeleteConflict', 409);
        const forRole = await store.listInstanceProfilesForRole(acct, 'web');
        expect(forRole.items.map((p) => p.instanceProfileName)).toEqual(['WebProfile']);
        expect((await store.listInstanceProfilesForRole(acct, 'other')).items).toEqual([]);
        await expectAwsError(
          store.removeRoleFromInstanceProfile(acct, 'WebProfile', 'other'),
          'NoSuchEntity',
          404,
        );
        await store.removeRoleFromInstanceProfile(acct, 'WebProfile', 'web');
        await store.addRoleToInstanceProfile(acct, 'WebProfile', 'other');
        await store.removeRoleFromInstanceProfile(acct, 'WebProfile', 'other');
        await store.deleteInstanceProfile(acct, 'WebProfile');
        await expectAwsError(store.getInstanceProfile(acct, 'WebProfile'), 'NoSuchEntity', 404);
        await expectAwsError(store.addRoleToInstanceProfile(acct, 'WebProfile', 'web'), 'NoSuchEntity', 404);
        await store.deleteRole(acct, 'web');
      });

      it('lists profiles by path prefix with pagination', async () => {
        const acct = await newAccount();
        for (const n of ['a', 'b', 'c'])
          await store.createInstanceProfile(acct, {
            instanceProfileName: n,
            path: `/${n === 'b' ? 'x' : 'y'}/`,
          });
        const first = await store.listInstanceProfiles(acct, { maxItems: 2 });
        expect(first.items.map((p) => p.instanceProfileName)).toEqual(['a', 'b']);
        const rest = await store.listInstanceProfiles(acct, { marker: first.marker! });
        expect(rest.items.map((p) => p.instanceProfileName)).toEqual(['c']);
        expect((await store.listInstanceProfiles(acct, { pathPrefix: '/x/' })).items).toHaveLength(1);
      });
    });

    describe('OIDC providers', () => {
      it('stores the URL without scheme, is unique per URL, updates and deletes', async () => {
        const acct = await newAccount();
        const p = await store.createOidcProvider(acct, {
          url: 'https://oidc.example.com/cluster/',
          clientIds: ['sts.amazonaws.com'],
          thumbprints: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'],
          tags: [{ key: 'k', value: 'v' }],
        });
        expect(p.arn).toBe(`arn:aws:iam::${acct}:oidc-provider/oidc.example.com/cluster`);
        expect(p.url).toBe('oidc.example.com/cluster');
        expect(await store.getOidcProvider(p.arn)).toEqual(p);
        const e = await expectAwsError(
          store.createOidcProvider(acct, {
            url: 'https://oidc.example.com/cluster',
            clientIds: [],
            thumbprints: [],
          }),
          'EntityAlreadyExists',
          409,
        );
        expect(e.message).toBe('Provider with url https://oidc.example.com/cluster already exists.');
        const updated = await store.updateOidcProvider(p.arn, { thumbprints: [] });
        expect([updated.clientIds, updated.thumbprints]).toEqual([['sts.amazonaws.com'], []]);
        expect((await store.listOidcProviders(acct)).map((x) => x.arn)).toEqual([p.arn]);
        await store.deleteOidcProvider(p.arn);
        await expectAwsError(store.getOidcProvider(p.arn), 'NoSuchEntity', 404);
        await expectAwsError(store.deleteOidcProvider(p.arn), 'NoSuchEntity', 404);
        await expectAwsError(store.updateOidcProvider(p.arn, {}), 'NoSuchEntity', 404);
      });
    });

    describe('workloads', () => {
      it('refuses settings that do not fit the workload kind, naming the workload, and writes nothing', async () => {
        const acct = await newAccount();
        await role(acct, 'web');
        const error = await expectAwsError(
          store.putWorkload(acct, {
            kind: 'ec2-instance',
            name: 'web-1',
            roleName: 'web',
            // The cast stands for a writer that bypasses the types (older code, a hand-made record).
            settings: { metadataOptions: { httpTokens: 'sometimes' } } as never,
          }),
          'InternalFailure',
          500,
        );
        expect(error.message).toContain('ec2-instance/web-1');
        expect(error.message).toContain('metadataOptions.httpTokens');
        await expectAwsError(store.getWorkload(acct, 'ec2-instance', 'web-1'), 'NoSuchEntity', 404);
        await expectAwsError(
          store.putWorkload(acct, {
            kind: 'lambda-function',
            name: 'f',
            roleName: 'web',
            settings: { environment: { SECRET: 42 } } as never,
          }),
          'InternalFailure',
          500,
        );
        expect(await store.listWorkloads(acct)).toEqual([]);
      });

      it('binds an EC2 instance launched without a profile to no role; other kinds need one', async () => {
        const acct = await newAccount();
        const w = await store.putWorkload(acct, { kind: 'ec2-instance', name: 'bare', roleName: '' });
        expect([w.roleName, w.roleArn]).toEqual(['', undefined]);
        expect(await store.getWorkload(acct, 'ec2-instance', 'bare')).toEqual(w);
        await expectAwsError(
          store.putWorkload(acct, { kind: 'lambda-function', name: 'f', roleName: '' }),
          'NoSuchEntity',
          404,
        );
      });

      it('upserts by (kind, name), links to an existing role and keeps settings JSON', async () => {
        const acct = await newAccount();
        const r = await role(acct, 'fn-role', { path: '/lambda/' });
        await expectAwsError(
          store.putWorkload(acct, { kind: 'lambda-function', name: 'f', roleName: 'missing' }),
          'NoSuchEntity',
          404,
        );
        const w = await store.putWorkload(acct, {
          kind: 'lambda-function',
          name: 'f',
          roleName: 'FN-ROLE',
          // Keys no schema names are kept as written (src/workloads/index.ts).
          settings: { memorySize: 128, memory: 128, env: { A: '1' }, flags: [true, null] } as never,
        });
        expect(w).toMatchObject({ kind: 'lambda-function', name: 'f', roleName: 'fn-role', roleArn: r.arn });
        expect(w.settings).toEqual({ memorySize: 128, memory: 128, env: { A: '1' }, flags: [true, null] });
        expect(await store.getWorkload(acct, 'lambda-function', 'f')).toEqual(w);
        await role(acct, 'ec2-role');
        const w2 = await store.putWorkload(acct, {
          kind: 'lambda-function',
          name: 'f',
          roleName: 'ec2-role',
        });
        expect(w2.createDate).toEqual(w.createDate);
        expect(w2.settings).toEqual({});
        await store.putWorkload(acct, {
          kind: 'ec2-instance',
          name: 'f',
          roleName: 'ec2-role',
          settings: { metadataOptions: { httpTokens: 'required' } },
        });
        expect((await store.listWorkloads(acct)).map((x) => `${x.kind}/${x.name}`)).toEqual([
          'ec2-instance/f',
          'lambda-function/f',
        ]);
        expect(await store.listWorkloads(acct, { kind: 'ec2-instance' })).toHaveLength(1);
        expect(await store.listWorkloads(acct, { roleName: 'EC2-ROLE' })).toHaveLength(2);
        expect(await store.listWorkloads(acct, { roleName: 'fn-role' })).toHaveLength(0);
        // As on AWS, deleting the role leaves the workload pointing at a name that no longer resolves.
        await store.deleteWorkload(acct, 'ec2-instance', 'f');
        await store.deleteRole(acct, 'ec2-role');
        const orphan = await store.getWorkload(acct, 'lambda-function', 'f');
        expect(orphan.roleArn).toBeUndefined();
        await expectAwsError(store.deleteWorkload(acct, 'ec2-instance', 'f'), 'NoSuchEntity', 404);
        await expectAwsError(store.getWorkload(acct, 'ec2-instance', 'f'), 'NoSuchEntity', 404);
      });
    });

    describe('admin access keys', () => {
      it('stores the sealed secret as bytes, changes status, lists and deletes', async () => {
        const acct = await newAccount();
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

    describe('access log', () => {
      const event = (acct: string, id: string, at: string, extra: Record<string, unknown> = {}) => ({
        eventId: id,
        eventTime: new Date(at),
        accountId: acct,
        roleName: 'Web',
        principalArn: `arn:aws:sts::${acct}:assumed-role/Web/s`,
        channel: 'gateway',
        eventSource: 's3.amazonaws.com',
        eventName: 'GetObject',
        decision: 'allow' as const,
        record: { eventName: 'GetObject', requestParameters: { bucketName: 'b' } },
        accesses: [{ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', allowed: true }],
        ...extra,
      });

      it('appends events, lists them in time order with filters and a cursor', async () => {
        const acct = await newAccount();
        await store.appendAccessEvents([
          event(acct, 'e2', '2026-01-01T00:00:02.000Z'),
          event(acct, 'e1', '2026-01-01T00:00:01.000Z'),
          event(acct, 'e3', '2026-01-01T00:00:03.000Z', {
            decision: 'deny',
            errorCode: 'AccessDenied',
            roleName: 'Other',
          }),
        ]);
        const all = await store.listAccessEvents({ accountId: acct });
        expect(all.map((e) => e.eventId)).toEqual(['e1', 'e2', 'e3']);
        expect(all[0]).toMatchObject({
          channel: 'gateway',
          eventName: 'GetObject',
          record: { requestParameters: { bucketName: 'b' } },
        });
        expect(all[2]?.errorCode).toBe('AccessDenied');
        expect((await store.listAccessEvents({ accountId: acct, roleName: 'web' })).length).toBe(2);
        expect(
          (await store.listAccessEvents({ accountId: acct, deniedOnly: true })).map((e) => e.eventId),
        ).toEqual(['e3']);
        const since = await store.listAccessEvents({
          accountId: acct,
          since: new Date('2026-01-01T00:00:02Z'),
        });
        expect(since.map((e) => e.eventId)).toEqual(['e2', 'e3']);
        const after = await store.listAccessEvents({
          accountId: acct,
          after: { eventTime: new Date('2026-01-01T00:00:01Z'), eventId: 'e1' },
          limit: 1,
        });
        expect(after.map((e) => e.eventId)).toEqual(['e2']);
      });

      it('folds accesses into last-accessed aggregates once per event id', async () => {
        const acct = await newAccount();
        const first = event(acct, 'a1', '2026-01-01T00:00:05.000Z');
        await store.appendAccessEvents([first, event(acct, 'a2', '2026-01-01T00:00:01.000Z')]);
        // A retried batch: a1 again must not count twice.
        await store.appendAccessEvents([
          first,
          event(acct, 'a3', '2026-01-01T00:00:09.000Z', {
            decision: 'deny',
            accesses: [{ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', allowed: false }],
          }),
        ]);
        const rows = await store.listLastAccessed(acct);
        expect(rows).toEqual([
          {
            accountId: acct,
            roleName: 'Web',
            action: 's3:GetObject',
            resource: 'arn:aws:s3:::b/k',
            firstAccessed: new Date('2026-01-01T00:00:01.000Z'),
            lastAccessed: new Date('2026-01-01T00:00:09.000Z'),
            allowedCount: 2,
            deniedCount: 1,
          },
        ]);
        expect(await store.listLastAccessed(acct, { since: new Date('2026-01-02T00:00:00Z') })).toEqual([]);
        expect(await store.listLastAccessed(acct, { roleName: 'WEB' })).toHaveLength(1);
        expect((await store.listAccessEvents({ accountId: acct })).length).toBe(3);
      });

      it('completes a stored event (its outcome) without counting its accesses again', async () => {
        const acct = await newAccount();
        const first = event(acct, 'c1', '2026-01-01T00:00:05.000Z');
        await store.appendAccessEvents([first]);
        await store.appendAccessEvents([
          {
            ...first,
            completes: true,
            errorCode: 'NoSuchKey',
            record: { eventName: 'GetObject', requestID: 'TX1', errorCode: 'NoSuchKey' },
          },
        ]);
        const [stored] = await store.listAccessEvents({ accountId: acct });
        expect(stored).toMatchObject({ eventId: 'c1', errorCode: 'NoSuchKey', record: { requestID: 'TX1' } });
        expect((await store.listLastAccessed(acct))[0]?.allowedCount).toBe(1);
      });

      it('prunes old events and keeps the aggregates', async () => {
        const acct = await newAccount();
        await store.appendAccessEvents([
          event(acct, `${acct}-old`, '2020-01-01T00:00:00.000Z'),
          event(acct, `${acct}-new`, '2099-01-01T00:00:00.000Z'),
        ]);
        expect(await store.pruneAccessEvents(new Date('2021-01-01T00:00:00Z'))).toBeGreaterThanOrEqual(1);
        expect((await store.listAccessEvents({ accountId: acct })).map((e) => e.eventId)).toEqual([
          `${acct}-new`,
        ]);
        expect((await store.listLastAccessed(acct))[0]?.allowedCount).toBe(2);
      });
    });

    describe('role policy snapshots', () => {
      it('saves, lists newest first, and deletes snapshots of a role', async () => {
        const acct = await newAccount();
        await role(acct, 'Api');
        const a = await store.saveRolePolicySnapshot(acct, 'api', 'policy tighten', { inline: { p: 'x' } });
        const b = await store.saveRolePolicySnapshot(acct, 'Api', 'policy tighten', { inline: {} });
        expect(a.roleName).toBe('Api');
        const list = await store.listRolePolicySnapshots(acct, 'API');
        expect(list.map((s) => s.snapshotId).sort()).toEqual([a.snapshotId, b.snapshotId].sort());
        expect(list[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(list[1]!.createdAt.getTime());
        await store.deleteRolePolicySnapshot(a.snapshotId);
        expect((await store.listRolePolicySnapshots(acct, 'Api')).map((s) => s.snapshotId)).toEqual([
          b.snapshotId,
        ]);
        await expectAwsError(store.deleteRolePolicySnapshot(a.snapshotId), 'NoSuchEntity', 404);
        await expectAwsError(store.saveRolePolicySnapshot(acct, 'ghost', 'x', {}), 'NoSuchEntity', 404);
      });
    });
  });
}
