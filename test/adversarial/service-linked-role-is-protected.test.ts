/**
 * Attack: create a service-linked role (or find one) and rewrite it so that the caller gets in:
 * its trust policy to name the caller, or its permissions widened. IAM protects service-linked
 * roles: their trust and permissions policies can only be changed by the service (IAM User Guide,
 * "Using service-linked roles": "you can't edit the permissions for a service-linked role";
 * IAM answers `UnmodifiableEntity`, "Cannot perform the operation on the protected role ... -
 * this role is only modifiable by AWS").
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT, createTestPlane, type TestPlane } from '../../src/server/test-support/plane.js';

const IAM = { Version: '2010-05-08' };
const errorCode = (text: string) => /<Code>([^<]+)<\/Code>/.exec(text)?.[1];

let plane: TestPlane;
beforeEach(async () => {
  plane = await createTestPlane();
});
afterEach(async () => {
  await plane.close();
});

const iam = (params: Record<string, string>) => plane.call('iam', plane.admin, { ...IAM, ...params });

const selfTrust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
  ],
});
const everything = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
});

describe('a service-linked role', () => {
  it('keeps its trust and permissions policies', async () => {
    const created = await iam({ Action: 'CreateServiceLinkedRole', AWSServiceName: 'ecs.amazonaws.com' });
    expect(created.status, created.text).toBe(200);
    const RoleName = 'AWSServiceRoleForECS';

    const attempts: Record<string, string>[] = [
      { Action: 'UpdateAssumeRolePolicy', RoleName, PolicyDocument: selfTrust },
      { Action: 'PutRolePolicy', RoleName, PolicyName: 'more', PolicyDocument: everything },
      { Action: 'AttachRolePolicy', RoleName, PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
      {
        Action: 'DetachRolePolicy',
        RoleName,
        PolicyArn: 'arn:aws:iam::aws:policy/aws-service-role/AmazonECSServiceRolePolicy',
      },
    ];
    for (const attempt of attempts) {
      const res = await iam(attempt);
      expect(res.status, `${attempt.Action}: ${res.text}`).toBe(400);
      expect(errorCode(res.text)).toBe('UnmodifiableEntity');
      expect(res.text).toContain(`protected role &apos;${RoleName}&apos;`);
    }
    const role = await plane.store.findRole(ACCOUNT, RoleName);
    expect(role?.assumeRolePolicyDocument).toContain('ecs.amazonaws.com');
    expect(role?.assumeRolePolicyDocument).not.toContain(':root');
  });
});
