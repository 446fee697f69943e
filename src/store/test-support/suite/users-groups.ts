/** The store's behavioural suite: IAM users, groups, their policies, and users' access keys. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../store.js';
import { DOC, expectAwsError, type StoreSuite } from './support.js';

const ADMIN_ACCESS = 'arn:aws:iam::aws:policy/AdministratorAccess';

export function describeUsersAndGroups(suite: StoreSuite): void {
  let store: Store;
  beforeAll(() => {
    store = suite.store;
  });
  const { newAccount } = suite;
  const key = (acct: string, userName: string, n: number) =>
    store.createAccessKey({
      accessKeyId: `AKIA${acct}${String(n).padStart(4, '0')}`,
      accountId: acct,
      userName,
      sealedSecret: new Uint8Array([n]),
    });

  describe('users', () => {
    it('creates, finds without case, lists by path, renames and deletes', async () => {
      const acct = await newAccount();
      const u = await store.createUser(acct, {
        userName: 'Alice',
        path: '/eng/',
        tags: [{ key: 'k', value: 'v' }],
      });
      expect(u.userId).toMatch(/^AIDA[A-Z0-9]{17}$/);
      expect(u.arn).toBe(`arn:aws:iam::${acct}:user/eng/Alice`);
      expect((await store.getUser(acct, 'alice')).userName).toBe('Alice');
      await expectAwsError(store.createUser(acct, { userName: 'ALICE' }), 'EntityAlreadyExists', 409);
      await store.createUser(acct, { userName: 'bob' });
      expect((await store.listUsers(acct)).items.map((x) => x.userName)).toEqual(['Alice', 'bob']);
      expect((await store.listUsers(acct, { pathPrefix: '/eng' })).items.map((x) => x.userName)).toEqual([
        'Alice',
      ]);
      const page = await store.listUsers(acct, { maxItems: 1 });
      expect(page.isTruncated).toBe(true);
      const next = await store.listUsers(acct, { maxItems: 1, marker: page.marker! });
      expect(next.items.map((x) => x.userName)).toEqual(['bob']);

      await key(acct, 'Alice', 1);
      const renamed = await store.updateUser(acct, 'alice', { newUserName: 'carol', newPath: '/ops/' });
      expect(renamed).toMatchObject({
        userName: 'carol',
        userId: u.userId,
        arn: `arn:aws:iam::${acct}:user/ops/carol`,
      });
      // The key followed its user.
      expect((await store.listAccessKeys(acct, 'carol')).length).toBe(1);
      await expectAwsError(
        store.updateUser(acct, 'carol', { newUserName: 'BOB' }),
        'EntityAlreadyExists',
        409,
      );
      await expectAwsError(store.getUser(acct, 'Alice'), 'NoSuchEntity', 404);
    });

    it('refuses to delete a user that still has keys, policies or groups, in that order', async () => {
      const acct = await newAccount();
      await store.createUser(acct, { userName: 'dave' });
      const k = await key(acct, 'dave', 2);
      await store.putUserPolicy(acct, 'dave', 'inline', DOC(1));
      await store.attachUserPolicy(acct, 'dave', ADMIN_ACCESS);
      await store.createGroup(acct, { groupName: 'devs' });
      await store.addUserToGroup(acct, 'devs', 'dave');
      const conflict = async (text: string) =>
        expect(
          (await expectAwsError(store.deleteUser(acct, 'dave'), 'DeleteConflict', 409)).message,
        ).toContain(text);
      await conflict('access keys');
      await store.deleteAccessKey(k.accessKeyId);
      await conflict('delete policies');
      await store.deleteUserPolicy(acct, 'dave', 'INLINE');
      await conflict('detach all policies');
      await store.detachUserPolicy(acct, 'dave', ADMIN_ACCESS);
      await conflict('remove users from group');
      await store.removeUserFromGroup(acct, 'devs', 'dave');
      await store.deleteUser(acct, 'dave');
      await expectAwsError(store.getUser(acct, 'dave'), 'NoSuchEntity', 404);
    });

    it('keeps tags, boundary, inline and attached policies, counted on the managed policy', async () => {
      const acct = await newAccount();
      const policy = await store.createPolicy(acct, { policyName: 'p', document: DOC(2) });
      await store.createUser(acct, { userName: 'erin', permissionsBoundaryArn: policy.arn });
      await expectAwsError(
        store.createUser(acct, { userName: 'x', permissionsBoundaryArn: `arn:aws:iam::${acct}:policy/none` }),
        'NoSuchEntity',
        404,
      );
      await store.tagUser(acct, 'erin', [{ key: 'Team', value: 'a' }]);
      await store.tagUser(acct, 'erin', [{ key: 'team', value: 'b' }]);
      expect((await store.listUserTags(acct, 'erin')).items).toEqual([{ key: 'team', value: 'b' }]);
      await store.untagUser(acct, 'erin', ['TEAM']);
      expect((await store.getUser(acct, 'erin')).tags).toEqual([]);

      await store.attachUserPolicy(acct, 'erin', policy.arn);
      await store.attachUserPolicy(acct, 'erin', policy.arn);
      let got = await store.getPolicy(policy.arn);
      expect({ a: got.attachmentCount, b: got.permissionsBoundaryUsageCount }).toEqual({ a: 1, b: 1 });
      await expectAwsError(store.deletePolicy(policy.arn), 'DeleteConflict', 409);
      expect((await store.listPolicies(acct, { onlyAttached: true })).items.map((p) => p.arn)).toEqual([
        policy.arn,
      ]);
      expect((await store.listAttachedUserPolicies(acct, 'erin')).items).toEqual([
        { policyName: 'p', policyArn: policy.arn },
      ]);
      await store.detachUserPolicy(acct, 'erin', policy.arn);
      await expectAwsError(store.detachUserPolicy(acct, 'erin', policy.arn), 'NoSuchEntity', 404);
      await store.deleteUserPermissionsBoundary(acct, 'erin');
      got = await store.getPolicy(policy.arn);
      expect({ a: got.attachmentCount, b: got.permissionsBoundaryUsageCount }).toEqual({ a: 0, b: 0 });

      await store.putUserPolicy(acct, 'erin', 'One', DOC(3));
      await store.putUserPolicy(acct, 'erin', 'one', DOC(4));
      expect(await store.getUserPolicy(acct, 'erin', 'ONE')).toEqual({ policyName: 'one', document: DOC(4) });
      expect((await store.listUserPolicies(acct, 'erin')).items.map((p) => p.policyName)).toEqual(['one']);
      await expectAwsError(store.getUserPolicy(acct, 'erin', 'two'), 'NoSuchEntity', 404);
      await expectAwsError(store.putUserPolicy(acct, 'nobody', 'x', DOC(1)), 'NoSuchEntity', 404);
    });

    it('limits a user to 10 attached managed policies', async () => {
      const acct = await newAccount();
      await store.createUser(acct, { userName: 'many' });
      for (let i = 0; i < 10; i++) {
        const p = await store.createPolicy(acct, { policyName: `p${i}`, document: DOC(i) });
        await store.attachUserPolicy(acct, 'many', p.arn);
      }
      const extra = await store.createPolicy(acct, { policyName: 'p10', document: DOC(10) });
      await expectAwsError(store.attachUserPolicy(acct, 'many', extra.arn), 'LimitExceeded', 409);
    });
  });

  describe('access keys of users', () => {
    it('allows two keys per user, records the latest use only, without a change event', async () => {
      const acct = await newAccount();
      await store.createUser(acct, { userName: 'kim' });
      const k1 = await key(acct, 'kim', 1);
      await key(acct, 'kim', 2);
      await expectAwsError(key(acct, 'kim', 3), 'LimitExceeded', 409);
      await expectAwsError(key(acct, 'nobody', 7), 'NoSuchEntity', 404);
      await store.createUser(acct, { userName: 'lee' });
      const racers = await Promise.allSettled([
        key(acct, 'lee', 4),
        key(acct, 'lee', 5),
        key(acct, 'lee', 6),
      ]);
      expect(racers.filter((r) => r.status === 'fulfilled')).toHaveLength(2);

      expect((await store.getAccessKey(k1.accessKeyId)).lastUsed).toBeUndefined();
      const changes: string[] = [];
      const off = store.onChange((c) => changes.push(c.entity));
      const before = await store.generation();
      const t1 = new Date('2026-03-01T10:00:00.000Z');
      const t0 = new Date('2026-02-01T10:00:00.000Z');
      await store.recordAccessKeyUse([
        { accessKeyId: k1.accessKeyId, date: t1, serviceName: 'iam', region: 'us-east-1' },
        { accessKeyId: k1.accessKeyId, date: t0, serviceName: 's3', region: 'eu-west-1' },
        { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', date: t1, serviceName: 's3', region: 'eu-west-1' },
      ]);
      off();
      expect(changes).toEqual([]);
      expect(await store.generation()).toBe(before);
      expect((await store.getAccessKey(k1.accessKeyId)).lastUsed).toEqual({
        date: t1,
        serviceName: 'iam',
        region: 'us-east-1',
      });
    });
  });

  describe('groups', () => {
    it('creates, lists, renames, holds members and policies, refuses deletion while used', async () => {
      const acct = await newAccount();
      const g = await store.createGroup(acct, { groupName: 'Admins', path: '/ops/' });
      expect(g.groupId).toMatch(/^AGPA[A-Z0-9]{17}$/);
      expect(g.arn).toBe(`arn:aws:iam::${acct}:group/ops/Admins`);
      await expectAwsError(store.createGroup(acct, { groupName: 'admins' }), 'EntityAlreadyExists', 409);
      await store.createGroup(acct, { groupName: 'readers' });
      expect((await store.listGroups(acct)).items.map((x) => x.groupName)).toEqual(['Admins', 'readers']);
      expect((await store.listGroups(acct, { pathPrefix: '/ops/' })).items.map((x) => x.groupName)).toEqual([
        'Admins',
      ]);

      await store.createUser(acct, { userName: 'ann' });
      await store.createUser(acct, { userName: 'ben' });
      await store.addUserToGroup(acct, 'admins', 'ann');
      await store.addUserToGroup(acct, 'admins', 'ann');
      await store.addUserToGroup(acct, 'admins', 'ben');
      await store.addUserToGroup(acct, 'readers', 'ann');
      expect((await store.listUsersInGroup(acct, 'admins')).items.map((u) => u.userName)).toEqual([
        'ann',
        'ben',
      ]);
      expect((await store.listGroupsForUser(acct, 'ann')).items.map((x) => x.groupName)).toEqual([
        'Admins',
        'readers',
      ]);
      await expectAwsError(store.addUserToGroup(acct, 'admins', 'nobody'), 'NoSuchEntity', 404);
      await expectAwsError(store.addUserToGroup(acct, 'nogroup', 'ann'), 'NoSuchEntity', 404);

      await store.putGroupPolicy(acct, 'admins', 'all', DOC(1));
      expect(await store.getGroupPolicy(acct, 'admins', 'ALL')).toEqual({
        policyName: 'all',
        document: DOC(1),
      });
      await store.attachGroupPolicy(acct, 'admins', ADMIN_ACCESS);
      await store.attachUserPolicy(acct, 'ben', ADMIN_ACCESS);
      const ben = await store.getUser(acct, 'ben');
      expect(
        (await store.listPrincipalsForPolicy(ADMIN_ACCESS))
          .filter((id) => id === g.groupId || id === ben.userId)
          .sort(),
      ).toEqual([g.groupId, ben.userId].sort());
      await store.detachUserPolicy(acct, 'ben', ADMIN_ACCESS);
      expect((await store.listAttachedGroupPolicies(acct, 'admins')).items.map((p) => p.policyArn)).toEqual([
        ADMIN_ACCESS,
      ]);

      await expectAwsError(store.deleteGroup(acct, 'admins'), 'DeleteConflict', 409);
      await store.removeUserFromGroup(acct, 'admins', 'ann');
      await store.removeUserFromGroup(acct, 'admins', 'ben');
      await expectAwsError(store.removeUserFromGroup(acct, 'admins', 'ben'), 'NoSuchEntity', 404);
      await expectAwsError(store.deleteGroup(acct, 'admins'), 'DeleteConflict', 409);
      await store.deleteGroupPolicy(acct, 'admins', 'all');
      await expectAwsError(store.deleteGroup(acct, 'admins'), 'DeleteConflict', 409);
      await store.detachGroupPolicy(acct, 'admins', ADMIN_ACCESS);
      const renamed = await store.updateGroup(acct, 'admins', { newGroupName: 'root-ish', newPath: '/' });
      expect(renamed).toMatchObject({ groupId: g.groupId, arn: `arn:aws:iam::${acct}:group/root-ish` });
      await store.deleteGroup(acct, 'root-ish');
      await expectAwsError(store.getGroup(acct, 'root-ish'), 'NoSuchEntity', 404);
    });

    it('limits a user to 10 groups', async () => {
      const acct = await newAccount();
      await store.createUser(acct, { userName: 'joiner' });
      for (let i = 0; i < 10; i++) {
        await store.createGroup(acct, { groupName: `g${i}` });
        await store.addUserToGroup(acct, `g${i}`, 'joiner');
      }
      await store.createGroup(acct, { groupName: 'g10' });
      await expectAwsError(store.addUserToGroup(acct, 'g10', 'joiner'), 'LimitExceeded', 409);
    });
  });
}
