/**
 * Attack: a caller allowed only `iam:DeleteServiceLinkedRole` calls it again and again on a
 * service-linked role a workload still uses. Each call is refused (the task FAILED), but each
 * recorded a task row, with the role's whole usage list in it, and none was ever removed: the
 * store grew without bound. The role's newest tasks are kept, the one just returned always
 * among them; older ones are gone (IAM documents no retention for deletion tasks).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT, createTestPlane, xmlValue, type TestPlane } from '../../src/server/test-support/plane.js';
import { DELETION_TASKS_KEPT_PER_ROLE } from '../../src/store/sql/deletion-tasks.js';

const IAM = { Version: '2010-05-08' };
const ROLE = 'AWSServiceRoleForECS';

let plane: TestPlane;
beforeEach(async () => {
  plane = await createTestPlane();
});
afterEach(async () => {
  await plane.close();
});

const iam = (params: Record<string, string>) => plane.call('iam', plane.admin, { ...IAM, ...params });

describe('DeleteServiceLinkedRole called again and again on a role in use', () => {
  it('keeps only the role’s newest deletion tasks, the one it just returned always readable', async () => {
    expect(
      (await iam({ Action: 'CreateServiceLinkedRole', AWSServiceName: 'ecs.amazonaws.com' })).status,
    ).toBe(200);
    await plane.store.putWorkload(ACCOUNT, {
      kind: 'ecs-task-definition',
      name: 'web',
      roleName: ROLE,
      settings: {},
    });
    const calls = DELETION_TASKS_KEPT_PER_ROLE * 3;
    const ids: string[] = [];
    for (let i = 0; i < calls; i++) {
      const res = await iam({ Action: 'DeleteServiceLinkedRole', RoleName: ROLE });
      expect(res.status, res.text).toBe(200);
      const id = xmlValue(res.text, 'DeletionTaskId')!;
      ids.push(id);
      // The task just returned is always there to poll.
      const status = await iam({ Action: 'GetServiceLinkedRoleDeletionStatus', DeletionTaskId: id });
      expect(status.status, status.text).toBe(200);
      expect(status.text).toContain('<Status>FAILED</Status>');
    }
    let found = 0;
    for (const id of ids) if ((await plane.store.findDeletionTask(ACCOUNT, id)) !== undefined) found++;
    expect(found).toBeLessThanOrEqual(DELETION_TASKS_KEPT_PER_ROLE + 1);
    expect(found).toBeGreaterThanOrEqual(DELETION_TASKS_KEPT_PER_ROLE);
    // The role is still there: every call was refused.
    expect((await iam({ Action: 'GetRole', RoleName: ROLE })).status).toBe(200);
  });
});
