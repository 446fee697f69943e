/**
 * The IAM API through real clients: `@aws-sdk/client-iam` and the `aws` CLI against a loopback
 * server, so the XML is proven against the SDKs' own parsers. No signature verification here
 * (that belongs to the server's wiring); everything else is the production path.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  DeleteConflictException,
  DeleteInstanceProfileCommand,
  DeleteOpenIDConnectProviderCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  type IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolesCommand,
  NoSuchEntityException,
  PutRolePolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAwsManagedPolicy } from '../catalog/aws-managed-policies.js';
import type { RunningServer } from '../http/server.js';
import { startIamSdkServer, type IamSdkServer } from './test-support/sdk-server.js';
import { ACCOUNT, READ_LOGS, TRUST_EC2 } from './test-support/context.js';

const run = promisify(execFile);
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

let server: RunningServer;
let client: IAMClient;
let harness: IamSdkServer | undefined;
let cliEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  expect(findAwsManagedPolicy(READ_ONLY)).toBeDefined();
  harness = await startIamSdkServer('credplane-iam-sdk-');
  ({ server, client, cliEnv } = harness);
});

afterAll(async () => {
  await harness?.close();
});

describe('@aws-sdk/client-iam', () => {
  it('runs a role lifecycle end to end', async () => {
    const created = await client.send(
      new CreateRoleCommand({
        RoleName: 'web',
        Path: '/app/',
        AssumeRolePolicyDocument: TRUST_EC2,
        Description: 'web tier',
        MaxSessionDuration: 7200,
        Tags: [{ Key: 'team', Value: 'payments' }],
      }),
    );
    expect(created.Role?.Arn).toBe(`arn:aws:iam::${ACCOUNT}:role/app/web`);
    expect(created.Role?.CreateDate).toBeInstanceOf(Date);
    expect(created.Role?.Tags).toEqual([{ Key: 'team', Value: 'payments' }]);

    const got = await client.send(new GetRoleCommand({ RoleName: 'web' }));
    expect(got.Role?.MaxSessionDuration).toBe(7200);
    expect(got.Role?.RoleId).toBe(created.Role?.RoleId);
    // The JS SDK hands the document over as IAM sends it: URL-encoded; decoding gives the original.
    expect(decodeURIComponent(got.Role?.AssumeRolePolicyDocument ?? '')).toBe(TRUST_EC2);

    const listed = await client.send(new ListRolesCommand({ PathPrefix: '/app/' }));
    expect(listed.Roles?.map((r) => r.RoleName)).toEqual(['web']);
    expect(listed.IsTruncated).toBe(false);

    await client.send(
      new PutRolePolicyCommand({ RoleName: 'web', PolicyName: 'logs', PolicyDocument: READ_LOGS }),
    );
    const inline = await client.send(new GetRolePolicyCommand({ RoleName: 'web', PolicyName: 'logs' }));
    expect(inline.PolicyName).toBe('logs');
    expect(decodeURIComponent(inline.PolicyDocument ?? '')).toBe(READ_LOGS);

    await client.send(new AttachRolePolicyCommand({ RoleName: 'web', PolicyArn: READ_ONLY }));
    const attached = await client.send(new ListAttachedRolePoliciesCommand({ RoleName: 'web' }));
    expect(attached.AttachedPolicies).toEqual([{ PolicyName: 'ReadOnlyAccess', PolicyArn: READ_ONLY }]);

    await client.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'web' }));
    await client.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'web', RoleName: 'web' }));

    const provider = await client.send(
      new CreateOpenIDConnectProviderCommand({
        Url: 'https://oidc.example.com/cluster',
        ClientIDList: ['sts.amazonaws.com'],
        ThumbprintList: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'],
      }),
    );
    expect(provider.OpenIDConnectProviderArn).toBe(
      `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.example.com/cluster`,
    );
    const oidc = await client.send(
      new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: provider.OpenIDConnectProviderArn }),
    );
    expect(oidc.Url).toBe('oidc.example.com/cluster');
    expect(oidc.ClientIDList).toEqual(['sts.amazonaws.com']);

    const conflict = await client.send(new DeleteRoleCommand({ RoleName: 'web' })).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(DeleteConflictException);
    expect((conflict as DeleteConflictException).message).toBe(
      'Cannot delete entity, must delete policies first.',
    );
    expect((conflict as DeleteConflictException).$metadata.httpStatusCode).toBe(409);

    await client.send(new DeleteRolePolicyCommand({ RoleName: 'web', PolicyName: 'logs' }));
    await client.send(new DetachRolePolicyCommand({ RoleName: 'web', PolicyArn: READ_ONLY }));
    await client.send(
      new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'web', RoleName: 'web' }),
    );
    await client.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'web' }));
    await client.send(new DeleteRoleCommand({ RoleName: 'web' }));
    await client.send(
      new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: provider.OpenIDConnectProviderArn }),
    );
    const gone = await client.send(new GetRoleCommand({ RoleName: 'web' })).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(NoSuchEntityException);
  });
});

describe('aws CLI', () => {
  const aws = (...args: string[]) =>
    run('aws', ['iam', ...args, '--endpoint-url', server.url, '--output', 'json'], {
      env: cliEnv,
      timeout: 20_000,
    });

  it('creates a role and reads policies back decoded into JSON', async () => {
    const created = await aws(
      'create-role',
      '--role-name',
      'cli-role',
      '--assume-role-policy-document',
      TRUST_EC2,
      '--tags',
      'Key=owner,Value=cli',
    );
    const role = (JSON.parse(created.stdout) as { Role: Record<string, unknown> }).Role;
    expect(role.RoleName).toBe('cli-role');
    expect(role.AssumeRolePolicyDocument).toEqual(JSON.parse(TRUST_EC2));
    expect(role.Tags).toEqual([{ Key: 'owner', Value: 'cli' }]);

    await aws(
      'put-role-policy',
      '--role-name',
      'cli-role',
      '--policy-name',
      'logs',
      '--policy-document',
      READ_LOGS,
    );
    const inline = await aws('get-role-policy', '--role-name', 'cli-role', '--policy-name', 'logs');
    expect((JSON.parse(inline.stdout) as { PolicyDocument: unknown }).PolicyDocument).toEqual(
      JSON.parse(READ_LOGS),
    );

    const missing = await aws('get-role', '--role-name', 'nobody').catch(
      (e: { stderr: string; code: number }) => e,
    );
    expect((missing as { code: number }).code).not.toBe(0);
    expect((missing as { stderr: string }).stderr).toContain(
      'An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name nobody cannot be found.',
    );
  });
});
