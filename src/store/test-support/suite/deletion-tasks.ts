/** The store's behavioural suite: service-linked role deletion tasks, found only in their account. */
import { beforeAll, describe, expect, it } from 'vitest';
import { DELETION_TASKS_KEPT_PER_ROLE } from '../../sql/deletion-tasks.js';
import type { Store } from '../../store.js';
import { expectAwsError, type StoreSuite } from './support.js';

export function describeDeletionTasks(suite: StoreSuite): void {
  let store: Store;
  beforeAll(() => {
    store = suite.store;
  });
  const { newAccount } = suite;
  const id = (n: number) =>
    `task/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS/00000000-0000-4000-8000-00000000000${n}`;

  describe('service-linked role deletion tasks', () => {
    it('records a task and reads it back, with its reason and the resources that used the role', async () => {
      const acct = await newAccount();
      const usage = [{ region: 'us-east-1', resources: ['arn:aws:ec2:us-east-1:1:instance/i-1'] }];
      const failed = await store.recordDeletionTask(acct, {
        deletionTaskId: id(1),
        roleName: 'AWSServiceRoleForECS',
        status: 'FAILED',
        reason: 'in use',
        roleUsage: usage,
      });
      expect(failed).toMatchObject({ accountId: acct, deletionTaskId: id(1), status: 'FAILED' });
      await store.recordDeletionTask(acct, {
        deletionTaskId: id(2),
        roleName: 'AWSServiceRoleForECS',
        status: 'SUCCEEDED',
      });
      const got = await store.findDeletionTask(acct, id(1));
      expect(got).toMatchObject({
        accountId: acct,
        deletionTaskId: id(1),
        roleName: 'AWSServiceRoleForECS',
        status: 'FAILED',
        reason: 'in use',
        roleUsage: usage,
      });
      expect(got?.createDate).toBeInstanceOf(Date);
      const ok = await store.findDeletionTask(acct, id(2));
      expect(ok).toMatchObject({ status: 'SUCCEEDED', roleUsage: [] });
      expect(ok?.reason).toBeUndefined();
      expect(await store.findDeletionTask(acct, id(3))).toBeUndefined();
    });

    it('keeps only a role’s newest tasks, the one just recorded always, other roles’ untouched', async () => {
      const acct = await newAccount();
      const task = (role: string, n: number) =>
        `task/aws-service-role/ecs.amazonaws.com/${role}/00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
      await store.recordDeletionTask(acct, {
        deletionTaskId: task('Other', 0),
        roleName: 'Other',
        status: 'FAILED',
      });
      const total = DELETION_TASKS_KEPT_PER_ROLE + 5;
      for (let n = 1; n <= total; n++) {
        await store.recordDeletionTask(acct, {
          deletionTaskId: task('R', n),
          roleName: 'R',
          status: 'FAILED',
        });
        expect(await store.findDeletionTask(acct, task('R', n))).toBeDefined();
      }
      let kept = 0;
      for (let n = 1; n <= total; n++)
        if ((await store.findDeletionTask(acct, task('R', n))) !== undefined) kept++;
      expect(kept).toBeGreaterThanOrEqual(DELETION_TASKS_KEPT_PER_ROLE);
      expect(kept).toBeLessThanOrEqual(DELETION_TASKS_KEPT_PER_ROLE + 1);
      expect(await store.findDeletionTask(acct, task('Other', 0))).toBeDefined();
    });

    it('finds a task only in the account that made it, and refuses the same id twice', async () => {
      const a = await newAccount();
      const b = await newAccount();
      await store.recordDeletionTask(a, { deletionTaskId: id(4), roleName: 'R', status: 'SUCCEEDED' });
      expect(await store.findDeletionTask(b, id(4))).toBeUndefined();
      await expectAwsError(
        store.recordDeletionTask(a, { deletionTaskId: id(4), roleName: 'R', status: 'FAILED' }),
        'EntityAlreadyExists',
        409,
      );
      expect((await store.findDeletionTask(a, id(4)))?.status).toBe('SUCCEEDED');
      // Another account may hold the same id (ids are random, but nothing may tie them across accounts).
      await store.recordDeletionTask(b, { deletionTaskId: id(4), roleName: 'R', status: 'FAILED' });
      expect((await store.findDeletionTask(b, id(4)))?.status).toBe('FAILED');
      await expectAwsError(
        store.recordDeletionTask('999999999990', { deletionTaskId: id(5), roleName: 'R', status: 'FAILED' }),
        'NoSuchEntity',
        404,
      );
    });

    it('rolls back with the transaction it was recorded in', async () => {
      const acct = await newAccount();
      await expect(
        store.transaction(async (tx) => {
          await tx.recordDeletionTask(acct, { deletionTaskId: id(6), roleName: 'R', status: 'SUCCEEDED' });
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await store.findDeletionTask(acct, id(6))).toBeUndefined();
    });
  });
}
