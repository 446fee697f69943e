/** The store's behavioural suite: instance profiles and OIDC providers. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../store.js';
import { expectAwsError, type StoreSuite } from './support.js';

export function describeProfilesAndProviders(suite: StoreSuite): void {
  let store: Store;
  beforeAll(() => {
    store = suite.store;
  });
  const { newAccount, role } = suite;

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
}
