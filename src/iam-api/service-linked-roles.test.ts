/**
 * Service-linked roles through `@aws-sdk/client-iam` and the `aws` CLI: CreateServiceLinkedRole's
 * names, path, trust and the service's AWS managed policy as IAM sets them up;
 * DeleteServiceLinkedRole and GetServiceLinkedRoleDeletionStatus; and what no one may do to such a
 * role (or to make one look like it) by the ordinary role operations.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  CreateServiceLinkedRoleCommand,
  DeleteRoleCommand,
  DeleteRolePermissionsBoundaryCommand,
  DeleteServiceLinkedRoleCommand,
  GetRoleCommand,
  GetServiceLinkedRoleDeletionStatusCommand,
  type IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRoleTagsCommand,
  PutRolePermissionsBoundaryCommand,
  TagRoleCommand,
  UpdateRoleCommand,
  UpdateRoleDescriptionCommand,
} from '@aws-sdk/client-iam';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startIamSdkServer, type IamSdkServer } from './test-support/sdk-server.js';
import { ACCOUNT } from './test-support/context.js';

const run = promisify(execFile);
let h: IamSdkServer;
let client: IAMClient;

beforeAll(async () => {
  h = await startIamSdkServer('credplane-iam-slr-');
  client = h.client;
});

afterEach(() => {
  h.ctx.deny = () => false;
  h.ctx.accountId = ACCOUNT;
});

afterAll(async () => {
  await h?.close();
});

const create = (input: ConstructorParameters<typeof CreateServiceLinkedRoleCommand>[0]) =>
  client.send(new CreateServiceLinkedRoleCommand(input));

describe('CreateServiceLinkedRole', () => {
  it('creates the ECS role under /aws-service-role/ trusting ECS, with its managed policy', async () => {
    const out = await create({ AWSServiceName: 'ecs.amazonaws.com', Description: 'for ECS' });
    const arn = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`;
    expect(out.Role?.Arn).toBe(arn);
    expect(out.Role?.Path).toBe('/aws-service-role/ecs.amazonaws.com/');
    expect(out.Role?.Description).toBe('for ECS');
    expect(h.ctx.calls.at(-1)).toMatchObject({
      action: 'iam:CreateServiceLinkedRole',
      resource: arn,
      extra: { 'iam:AWSServiceName': 'ecs.amazonaws.com' },
    });
    const trust = JSON.parse(decodeURIComponent(out.Role!.AssumeRolePolicyDocument!)) as unknown;
    expect(trust).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    const got = await client.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForECS' }));
    expect(got.Role?.Arn).toBe(arn);
    const attached = await client.send(
      new ListAttachedRolePoliciesCommand({ RoleName: 'AWSServiceRoleForECS' }),
    );
    expect(attached.AttachedPolicies).toEqual([
      {
        PolicyName: 'AmazonECSServiceRolePolicy',
        PolicyArn: 'arn:aws:iam::aws:policy/aws-service-role/AmazonECSServiceRolePolicy',
      },
    ]);
  });

  it('refuses a second role of the same name with IAM’s message', async () => {
    await create({ AWSServiceName: 'spot.amazonaws.com' });
    await expect(create({ AWSServiceName: 'spot.amazonaws.com' })).rejects.toMatchObject({
      name: 'InvalidInputException',
      message:
        'Service role name AWSServiceRoleForEC2Spot has been taken in this account, please try a different suffix.',
    });
  });

  it('takes a custom suffix only where the service allows one', async () => {
    const out = await create({ AWSServiceName: 'autoscaling.amazonaws.com', CustomSuffix: 'kms' });
    expect(out.Role?.RoleName).toBe('AWSServiceRoleForAutoScaling_kms');
    expect(out.Role?.Path).toBe('/aws-service-role/autoscaling.amazonaws.com/');
    await expect(create({ AWSServiceName: 'eks.amazonaws.com', CustomSuffix: 'x' })).rejects.toMatchObject({
      name: 'InvalidInputException',
      message: 'Custom suffix is not allowed for eks.amazonaws.com',
    });
    await expect(
      create({ AWSServiceName: 'autoscaling.amazonaws.com', CustomSuffix: 'a/b' }),
    ).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('refuses unknown services and unauthorized callers, creating nothing', async () => {
    await expect(create({ AWSServiceName: 'nope.amazonaws.com' })).rejects.toMatchObject({
      name: 'InvalidInputException',
    });
    h.ctx.deny = (c) => c.extra?.['iam:AWSServiceName'] === 'eks.amazonaws.com';
    await expect(create({ AWSServiceName: 'eks.amazonaws.com' })).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    expect(await h.ctx.store.findRole(ACCOUNT, 'AWSServiceRoleForAmazonEKS')).toBeUndefined();
  });

  it('answers the aws CLI', async () => {
    const { stdout } = await run(
      'aws',
      [
        'iam',
        'create-service-linked-role',
        '--aws-service-name',
        'eks.amazonaws.com',
        '--endpoint-url',
        h.server.url,
        '--output',
        'json',
      ],
      { env: h.cliEnv, timeout: 30_000 },
    );
    const out = JSON.parse(stdout) as { Role: { RoleName: string; AssumeRolePolicyDocument: unknown } };
    expect(out.Role.RoleName).toBe('AWSServiceRoleForAmazonEKS');
    expect(out.Role.AssumeRolePolicyDocument).toMatchObject({
      Statement: [{ Principal: { Service: 'eks.amazonaws.com' } }],
    });
  });
});

const TRUST_ECS = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const TASK_ID =
  /^task\/aws-service-role\/autoscaling\.amazonaws\.com\/([\w+=,.@-]+)\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const scalingArn = (name: string) =>
  `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/${name}`;
const deleteSlr = (RoleName: string) => client.send(new DeleteServiceLinkedRoleCommand({ RoleName }));
const status = (DeletionTaskId: string) =>
  client.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId }));
/** An Auto Scaling service-linked role of its own per test (Auto Scaling takes custom suffixes). */
const scalingRole = async (suffix: string) => {
  const out = await create({ AWSServiceName: 'autoscaling.amazonaws.com', CustomSuffix: suffix });
  return out.Role!.RoleName!;
};

describe('DeleteServiceLinkedRole and GetServiceLinkedRoleDeletionStatus', () => {
  it('deletes an unused role with its managed policy and records the task as SUCCEEDED', async () => {
    const name = await scalingRole('gone');
    const out = await deleteSlr(name);
    expect(out.DeletionTaskId).toMatch(TASK_ID);
    expect(TASK_ID.exec(out.DeletionTaskId!)?.[1]).toBe(name);
    expect(h.ctx.calls.at(-1)).toMatchObject({
      action: 'iam:DeleteServiceLinkedRole',
      resource: scalingArn(name),
    });
    await expect(client.send(new GetRoleCommand({ RoleName: name }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
    });
    const got = await status(out.DeletionTaskId!);
    expect(got.Status).toBe('SUCCEEDED');
    expect(got.Reason).toBeUndefined();
    expect(h.ctx.calls.at(-1)).toMatchObject({
      action: 'iam:GetServiceLinkedRoleDeletionStatus',
      resource: scalingArn(name),
    });
    // Made again, it is a new role with IAM's policy attached once, not twice.
    await scalingRole('gone');
    const attached = await client.send(new ListAttachedRolePoliciesCommand({ RoleName: name }));
    expect(attached.AttachedPolicies?.map((p) => p.PolicyName)).toEqual(['AutoScalingServiceRolePolicy']);
  });

  it('keeps a role in use, FAILED with the resources that use it, until they let it go', async () => {
    const name = await scalingRole('busy');
    const store = h.ctx.store;
    await store.putWorkload(ACCOUNT, { kind: 'lambda-function', name: 'fn', roleName: name, settings: {} });
    await store.putWorkload(ACCOUNT, {
      kind: 'ec2-instance',
      name: 'web',
      roleName: name,
      settings: { instanceId: 'i-0123456789abcdef0' },
    });
    const first = await deleteSlr(name);
    const failed = await status(first.DeletionTaskId!);
    expect(failed.Status).toBe('FAILED');
    expect(failed.Reason?.Reason).toContain(name);
    expect(failed.Reason?.RoleUsageList).toEqual([
      {
        Region: 'us-east-1',
        Resources: [
          `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0123456789abcdef0`,
          `arn:aws:lambda:us-east-1:${ACCOUNT}:function:fn`,
        ],
      },
    ]);
    // The role and its policy stay.
    expect((await client.send(new GetRoleCommand({ RoleName: name }))).Role?.Arn).toBe(scalingArn(name));
    const attached = await client.send(new ListAttachedRolePoliciesCommand({ RoleName: name }));
    expect(attached.AttachedPolicies).toHaveLength(1);

    await store.deleteWorkload(ACCOUNT, 'lambda-function', 'fn');
    await store.deleteWorkload(ACCOUNT, 'ec2-instance', 'web');
    const second = await deleteSlr(name);
    expect(second.DeletionTaskId).not.toBe(first.DeletionTaskId);
    expect((await status(second.DeletionTaskId!)).Status).toBe('SUCCEEDED');
    // The failed task stays what it was.
    expect((await status(first.DeletionTaskId!)).Status).toBe('FAILED');
  });

  it('counts an instance profile holding the role as a use', async () => {
    const name = await scalingRole('profiled');
    // The API refuses this (see below); a store written before that rule may still hold one.
    await h.ctx.store.createInstanceProfile(ACCOUNT, { instanceProfileName: 'holds-slr', path: '/p/' });
    await h.ctx.store.addRoleToInstanceProfile(ACCOUNT, 'holds-slr', name);
    const out = await deleteSlr(name);
    const got = await status(out.DeletionTaskId!);
    expect(got.Status).toBe('FAILED');
    expect(got.Reason?.RoleUsageList?.[0]?.Resources).toEqual([
      `arn:aws:iam::${ACCOUNT}:instance-profile/p/holds-slr`,
    ]);
    expect((await client.send(new GetRoleCommand({ RoleName: name }))).Role).toBeDefined();
  });

  it('refuses an ordinary role, an unknown one, and an unauthorized caller, deleting nothing', async () => {
    await client.send(new CreateRoleCommand({ RoleName: 'ordinary', AssumeRolePolicyDocument: TRUST_ECS }));
    await expect(deleteSlr('ordinary')).rejects.toMatchObject({
      name: 'InvalidInputException',
      message: 'Role ordinary is not a service-linked role.',
    });
    expect((await client.send(new GetRoleCommand({ RoleName: 'ordinary' }))).Role).toBeDefined();
    await expect(deleteSlr('NoSuchRole')).rejects.toMatchObject({
      name: 'NoSuchEntityException',
      message: 'The role with name NoSuchRole cannot be found.',
    });
    const name = await scalingRole('kept');
    h.ctx.deny = (c) => c.action === 'iam:DeleteServiceLinkedRole';
    await expect(deleteSlr(name)).rejects.toMatchObject({ name: 'AccessDenied' });
    expect((await client.send(new GetRoleCommand({ RoleName: name }))).Role).toBeDefined();
  });

  it('answers a malformed task id InvalidInput and an unknown one NoSuchEntity', async () => {
    await expect(status('not-a-task')).rejects.toMatchObject({ name: 'InvalidInputException' });
    await expect(
      status('task/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling/../x'),
    ).rejects.toMatchObject({ name: 'InvalidInputException' });
    const unknown =
      'task/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling/00000000-0000-4000-8000-000000000000';
    await expect(status(unknown)).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    h.ctx.deny = (c) => c.action === 'iam:GetServiceLinkedRoleDeletionStatus';
    await expect(status(unknown)).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('attacker: another account cannot read a task, even with its exact id', async () => {
    const name = await scalingRole('secret');
    const out = await deleteSlr(name);
    const other = '444455556666';
    await h.ctx.store.createAccount({ accountId: other });
    h.ctx.accountId = other;
    await expect(status(out.DeletionTaskId!)).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    // Authorized on the role of the caller's own account, never on the other's.
    expect(h.ctx.calls.at(-1)?.resource).toBe(
      `arn:aws:iam::${other}:role/aws-service-role/autoscaling.amazonaws.com/${name}`,
    );
    h.ctx.accountId = ACCOUNT;
    expect((await status(out.DeletionTaskId!)).Status).toBe('SUCCEEDED');
  });

  it('round-trips through the aws CLI', async () => {
    const name = await scalingRole('cli');
    const cli = async (...args: string[]) => {
      const { stdout } = await run(
        'aws',
        ['iam', ...args, '--endpoint-url', h.server.url, '--output', 'json'],
        { env: h.cliEnv, timeout: 30_000 },
      );
      return JSON.parse(stdout) as Record<string, unknown>;
    };
    const out = await cli('delete-service-linked-role', '--role-name', name);
    expect(out.DeletionTaskId).toMatch(TASK_ID);
    const got = await cli(
      'get-service-linked-role-deletion-status',
      '--deletion-task-id',
      out.DeletionTaskId as string,
    );
    expect(got).toEqual({ Status: 'SUCCEEDED' });
  });
});

describe('what the ordinary role operations may not do to a service-linked role', () => {
  const protectedRole = (name: string) => ({
    name: 'UnmodifiableEntityException',
    message: `Cannot perform the operation on the protected role '${name}' - this role is only modifiable by AWS`,
  });

  it('attacker: DeleteRole cannot delete one, even after detaching nothing', async () => {
    const name = await scalingRole('nodelete');
    await expect(client.send(new DeleteRoleCommand({ RoleName: name }))).rejects.toMatchObject(
      protectedRole(name),
    );
    expect((await client.send(new GetRoleCommand({ RoleName: name }))).Role?.Arn).toBe(scalingArn(name));
  });

  it('refuses boundaries, session duration and instance profiles; allows description and tags', async () => {
    const name = await scalingRole('edit');
    const boundary = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
    await expect(
      client.send(new PutRolePermissionsBoundaryCommand({ RoleName: name, PermissionsBoundary: boundary })),
    ).rejects.toMatchObject(protectedRole(name));
    await expect(
      client.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: name })),
    ).rejects.toMatchObject(protectedRole(name));
    await expect(
      client.send(new UpdateRoleCommand({ RoleName: name, MaxSessionDuration: 43200 })),
    ).rejects.toMatchObject(protectedRole(name));
    await client.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'slr-target' }));
    await expect(
      client.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'slr-target', RoleName: name })),
    ).rejects.toMatchObject(protectedRole(name));

    // IAM User Guide, "Editing a service-linked role": the description may be edited.
    await client.send(new UpdateRoleCommand({ RoleName: name, Description: 'one' }));
    const edited = await client.send(
      new UpdateRoleDescriptionCommand({ RoleName: name, Description: 'two' }),
    );
    expect(edited.Role?.Description).toBe('two');
    // TagRole: "The role can be a regular role or a service-linked role."
    await client.send(new TagRoleCommand({ RoleName: name, Tags: [{ Key: 'team', Value: 'ops' }] }));
    const tags = await client.send(new ListRoleTagsCommand({ RoleName: name }));
    expect(tags.Tags).toEqual([{ Key: 'team', Value: 'ops' }]);
    const role = (await client.send(new GetRoleCommand({ RoleName: name }))).Role;
    expect(role?.MaxSessionDuration).toBe(3600);
    expect(role?.PermissionsBoundary).toBeUndefined();
  });

  it('attacker: CreateRole cannot forge one under /aws-service-role/', async () => {
    for (const Path of ['/aws-service-role/', '/aws-service-role/ecs.amazonaws.com/']) {
      await expect(
        client.send(
          new CreateRoleCommand({
            RoleName: 'AWSServiceRoleForFake',
            Path,
            AssumeRolePolicyDocument: TRUST_ECS,
          }),
        ),
      ).rejects.toMatchObject({
        name: 'InvalidInputException',
        message: "Path prefix '/aws-service-role/' can only be used for AWS Service linked Roles",
      });
    }
    expect(await h.ctx.store.findRole(ACCOUNT, 'AWSServiceRoleForFake')).toBeUndefined();
    // The path of a forged role would also make DeleteServiceLinkedRole take it for one.
    await expect(deleteSlr('AWSServiceRoleForFake')).rejects.toMatchObject({ name: 'NoSuchEntityException' });
  });
});
