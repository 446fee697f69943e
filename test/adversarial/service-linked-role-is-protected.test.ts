/**
 * Attack: create a service-linked role (or find one) and rewrite it so that the caller gets in:
 * its trust policy to name the caller, or its permissions widened; delete it from under its
 * service with DeleteRole; forge one with CreateRole under `/aws-service-role/`; delete one a
 * workload still uses. IAM protects service-linked
 * roles: their trust and permissions policies can only be changed by the service (IAM User Guide,
 * "Using service-linked roles": "you can't edit the permissions for a service-linked role";
 * IAM answers `UnmodifiableEntity`, "Cannot perform the operation on the protected role ... -
 * this role is only modifiable by AWS").
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  createTestPlane,
  xmlValue,
  type Credentials,
  type TestPlane,
} from '../../src/server/test-support/plane.js';

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

/** A user allowed every role operation but the service-linked ones, with an access key. */
async function roleAdmin(): Promise<Credentials> {
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['iam:*Role', 'iam:*Role?*', 'iam:PassRole'], Resource: '*' },
      {
        Effect: 'Deny',
        Action: ['iam:DeleteServiceLinkedRole', 'iam:GetServiceLinkedRoleDeletionStatus'],
        Resource: '*',
      },
    ],
  });
  const setup: Record<string, string>[] = [
    { Action: 'CreateUser', UserName: 'mallory' },
    { Action: 'PutUserPolicy', UserName: 'mallory', PolicyName: 'roles', PolicyDocument: policy },
  ];
  for (const params of setup) {
    const res = await iam(params);
    expect(res.status, res.text).toBe(200);
  }
  const key = await iam({ Action: 'CreateAccessKey', UserName: 'mallory' });
  return {
    accessKeyId: xmlValue(key.text, 'AccessKeyId')!,
    secretAccessKey: xmlValue(key.text, 'SecretAccessKey')!,
  };
}

describe('deleting or forging a service-linked role', () => {
  it('DeleteRole cannot delete one; DeleteServiceLinkedRole needs its own permission', async () => {
    expect(
      (await iam({ Action: 'CreateServiceLinkedRole', AWSServiceName: 'eks.amazonaws.com' })).status,
    ).toBe(200);
    const RoleName = 'AWSServiceRoleForAmazonEKS';
    const mallory = await roleAdmin();
    const asMallory = (params: Record<string, string>) => plane.call('iam', mallory, { ...IAM, ...params });
    const del = await asMallory({ Action: 'DeleteRole', RoleName });
    expect(del.status, del.text).toBe(400);
    expect(errorCode(del.text)).toBe('UnmodifiableEntity');
    const slr = await asMallory({ Action: 'DeleteServiceLinkedRole', RoleName });
    expect(slr.status, slr.text).toBe(403);
    expect((await plane.store.findRole(ACCOUNT, RoleName))?.path).toBe(
      '/aws-service-role/eks.amazonaws.com/',
    );
  });

  it('CreateRole cannot make one look like it, so DeleteServiceLinkedRole takes nothing for one', async () => {
    const mallory = await roleAdmin();
    const forged = await plane.call('iam', mallory, {
      ...IAM,
      Action: 'CreateRole',
      RoleName: 'AWSServiceRoleForECS',
      Path: '/aws-service-role/ecs.amazonaws.com/',
      AssumeRolePolicyDocument: selfTrust,
    });
    expect(forged.status, forged.text).toBe(400);
    expect(errorCode(forged.text)).toBe('InvalidInput');
    expect(await plane.store.findRole(ACCOUNT, 'AWSServiceRoleForECS')).toBeUndefined();
    // And a CreateServiceLinkedRole afterwards gets the real one, trusting ECS only.
    expect(
      (await iam({ Action: 'CreateServiceLinkedRole', AWSServiceName: 'ecs.amazonaws.com' })).status,
    ).toBe(200);
    expect(
      (await plane.store.findRole(ACCOUNT, 'AWSServiceRoleForECS'))?.assumeRolePolicyDocument,
    ).not.toContain(':root');
  });

  it('a role a workload uses stays, and the task says which resource uses it', async () => {
    expect(
      (await iam({ Action: 'CreateServiceLinkedRole', AWSServiceName: 'ecs.amazonaws.com' })).status,
    ).toBe(200);
    const RoleName = 'AWSServiceRoleForECS';
    await plane.store.putWorkload(ACCOUNT, {
      kind: 'ecs-task-definition',
      name: 'web',
      roleName: RoleName,
      settings: {},
    });
    const del = await iam({ Action: 'DeleteServiceLinkedRole', RoleName });
    expect(del.status, del.text).toBe(200);
    const taskId = xmlValue(del.text, 'DeletionTaskId')!;
    const got = await iam({ Action: 'GetServiceLinkedRoleDeletionStatus', DeletionTaskId: taskId });
    expect(got.status, got.text).toBe(200);
    expect(xmlValue(got.text, 'Status')).toBe('FAILED');
    expect(got.text).toContain(`arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/web`);
    expect(await plane.store.findRole(ACCOUNT, RoleName)).toBeDefined();
  });
});
