/**
 * Attack: a caller allowed `iam:CreateServiceLinkedRole` for EC2 Auto Scaling (whose roles take a
 * `CustomSuffix` of up to 64 characters) makes `AWSServiceRoleForAutoScaling_<60 characters>`: a
 * role name longer than IAM's 64, which every other operation refuses as a parameter. The role
 * then cannot be read, nor deleted (DeleteServiceLinkedRole refuses the name too): a role nobody
 * can remove, as many as the caller likes, each counting toward the account's role quota. IAM's
 * role names are at most 64 characters (IAM API Reference, Role: RoleName), whatever made them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT, createTestPlane, type TestPlane } from '../../src/server/test-support/plane.js';

const IAM = { Version: '2010-05-08' };
const errorCode = (text: string) => /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
const SERVICE = 'autoscaling.amazonaws.com';
const PREFIX = 'AWSServiceRoleForAutoScaling_';

let plane: TestPlane;
beforeEach(async () => {
  plane = await createTestPlane();
});
afterEach(async () => {
  await plane.close();
});

const iam = (params: Record<string, string>) => plane.call('iam', plane.admin, { ...IAM, ...params });

describe('CreateServiceLinkedRole with a custom suffix', () => {
  it('refuses a suffix that would make the role name longer than 64 characters, and creates nothing', async () => {
    const suffix = 'a'.repeat(64 - PREFIX.length + 1);
    const res = await iam({
      Action: 'CreateServiceLinkedRole',
      AWSServiceName: SERVICE,
      CustomSuffix: suffix,
    });
    expect(res.status, res.text).toBe(400);
    expect(errorCode(res.text)).toBe('InvalidInput');
    expect(await plane.store.findRole(ACCOUNT, `${PREFIX}${suffix}`)).toBeUndefined();
    const listed = await iam({ Action: 'ListRoles', PathPrefix: '/aws-service-role/' });
    expect(listed.text).not.toContain(PREFIX);
  });

  it('makes a role of exactly 64 characters, which can be read and deleted', async () => {
    const suffix = 'b'.repeat(64 - PREFIX.length);
    const roleName = `${PREFIX}${suffix}`;
    expect(roleName).toHaveLength(64);
    const res = await iam({
      Action: 'CreateServiceLinkedRole',
      AWSServiceName: SERVICE,
      CustomSuffix: suffix,
    });
    expect(res.status, res.text).toBe(200);
    expect((await iam({ Action: 'GetRole', RoleName: roleName })).status).toBe(200);
    const deleted = await iam({ Action: 'DeleteServiceLinkedRole', RoleName: roleName });
    expect(deleted.status, deleted.text).toBe(200);
    const taskId = /<DeletionTaskId>([^<]+)<\/DeletionTaskId>/.exec(deleted.text)![1]!;
    const status = await iam({ Action: 'GetServiceLinkedRoleDeletionStatus', DeletionTaskId: taskId });
    expect(status.status, status.text).toBe(200);
    expect(status.text).toContain('<Status>SUCCEEDED</Status>');
  });
});
