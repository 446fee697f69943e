/**
 * CreateServiceLinkedRole through `@aws-sdk/client-iam` and the `aws` CLI: names, path, trust and
 * the service's AWS managed policy as IAM sets them up, and IAM's refusals.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CreateServiceLinkedRoleCommand,
  GetRoleCommand,
  type IAMClient,
  ListAttachedRolePoliciesCommand,
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
