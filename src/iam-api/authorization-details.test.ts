/**
 * GetAccountAuthorizationDetails through `@aws-sdk/client-iam` and the `aws` CLI: the whole
 * account in one answer, one marker across all lists, documents URL-encoded as IAM sends them.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  GetAccountAuthorizationDetailsCommand,
  type GetAccountAuthorizationDetailsCommandOutput,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startIamSdkServer, type IamSdkServer } from './test-support/sdk-server.js';
import { ACCOUNT } from './test-support/context.js';

const run = promisify(execFile);
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const doc = (action: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

let h: IamSdkServer;
let client: IAMClient;
let customerArn: string;

beforeAll(async () => {
  h = await startIamSdkServer('credplane-iam-gaad-');
  client = h.client;
  const s = h.ctx.store;
  await s.createUser(ACCOUNT, { userName: 'alice', path: '/eng/', tags: [{ key: 'team', value: 'pay' }] });
  await s.createUser(ACCOUNT, { userName: 'bob' });
  await s.putUserPermissionsBoundary(ACCOUNT, 'bob', READ_ONLY);
  await s.putUserPolicy(ACCOUNT, 'alice', 'read s3', doc('s3:GetObject'));
  await s.createGroup(ACCOUNT, { groupName: 'devs' });
  await s.addUserToGroup(ACCOUNT, 'devs', 'alice');
  await s.putGroupPolicy(ACCOUNT, 'devs', 'logs', doc('logs:*'));
  await s.attachGroupPolicy(ACCOUNT, 'devs', READ_ONLY);
  await s.createRole(ACCOUNT, { roleName: 'web', assumeRolePolicyDocument: TRUST });
  await s.putRolePolicy(ACCOUNT, 'web', 'sqs', doc('sqs:SendMessage'));
  await s.createInstanceProfile(ACCOUNT, { instanceProfileName: 'web-profile' });
  await s.addRoleToInstanceProfile(ACCOUNT, 'web-profile', 'web');
  const policy = await s.createPolicy(ACCOUNT, { policyName: 'deploy', document: doc('ecs:UpdateService') });
  customerArn = policy.arn;
  await s.createPolicyVersion(customerArn, doc('ecs:*'), true);
  await s.attachRolePolicy(ACCOUNT, 'web', customerArn);
  await s.createPolicy(ACCOUNT, { policyName: 'unused', document: doc('sns:Publish') });
});

afterEach(() => {
  h.ctx.deny = () => false;
});

afterAll(async () => {
  await h?.close();
});

const gaad = (input: ConstructorParameters<typeof GetAccountAuthorizationDetailsCommand>[0] = {}) =>
  client.send(new GetAccountAuthorizationDetailsCommand(input));

/** Every entity name of an answer, in answer order, for comparing paged and unpaged answers. */
function names(out: GetAccountAuthorizationDetailsCommandOutput): string[] {
  return [
    ...(out.UserDetailList ?? []).map((u) => `user:${u.UserName}`),
    ...(out.GroupDetailList ?? []).map((g) => `group:${g.GroupName}`),
    ...(out.RoleDetailList ?? []).map((r) => `role:${r.RoleName}`),
    ...(out.Policies ?? []).map((p) => `policy:${p.Arn}`),
  ];
}

describe('GetAccountAuthorizationDetails', () => {
  it('returns users, groups, roles and policies with what is attached, documents URL-encoded', async () => {
    const out = await gaad();
    expect(h.ctx.calls.at(-1)).toMatchObject({ action: 'iam:GetAccountAuthorizationDetails', resource: '*' });
    expect(out.IsTruncated).toBe(false);
    expect(out.Marker).toBeUndefined();

    const alice = out.UserDetailList!.find((u) => u.UserName === 'alice')!;
    expect(alice.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/eng/alice`);
    expect(alice.GroupList).toEqual(['devs']);
    expect(alice.Tags).toEqual([{ Key: 'team', Value: 'pay' }]);
    expect(alice.UserPolicyList).toHaveLength(1);
    // The JS SDK hands IAM's URL-encoded text through as it is, as it does against AWS.
    const encoded = alice.UserPolicyList![0]!.PolicyDocument!;
    expect(encoded).toMatch(/^%7B/);
    expect(JSON.parse(decodeURIComponent(encoded))).toEqual(JSON.parse(doc('s3:GetObject')));
    const bob = out.UserDetailList!.find((u) => u.UserName === 'bob')!;
    expect(bob.PermissionsBoundary).toEqual({
      PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
      PermissionsBoundaryArn: READ_ONLY,
    });
    expect(bob.GroupList ?? []).toEqual([]);

    const devs = out.GroupDetailList!.find((g) => g.GroupName === 'devs')!;
    expect(devs.GroupPolicyList!.map((p) => p.PolicyName)).toEqual(['logs']);
    expect(devs.AttachedManagedPolicies).toEqual([{ PolicyName: 'ReadOnlyAccess', PolicyArn: READ_ONLY }]);

    const web = out.RoleDetailList!.find((r) => r.RoleName === 'web')!;
    expect(JSON.parse(decodeURIComponent(web.AssumeRolePolicyDocument!))).toEqual(JSON.parse(TRUST));
    expect(web.InstanceProfileList!.map((p) => p.InstanceProfileName)).toEqual(['web-profile']);
    expect(web.InstanceProfileList![0]!.Roles!.map((r) => r.RoleName)).toEqual(['web']);
    expect(web.RolePolicyList!.map((p) => p.PolicyName)).toEqual(['sqs']);
    expect(web.AttachedManagedPolicies).toEqual([{ PolicyName: 'deploy', PolicyArn: customerArn }]);

    const deploy = out.Policies!.find((p) => p.Arn === customerArn)!;
    expect(deploy.DefaultVersionId).toBe('v2');
    expect(deploy.AttachmentCount).toBe(1);
    expect(deploy.PolicyVersionList!.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual(
      expect.arrayContaining([
        ['v1', false],
        ['v2', true],
      ]),
    );
    const v2 = deploy.PolicyVersionList!.find((v) => v.VersionId === 'v2')!;
    expect(JSON.parse(decodeURIComponent(v2.Document!))).toEqual(JSON.parse(doc('ecs:*')));
    // Unattached customer policies are listed; AWS managed ones only when the account uses them.
    const arns = out.Policies!.map((p) => p.Arn);
    expect(arns).toContain(`arn:aws:iam::${ACCOUNT}:policy/unused`);
    expect(arns).toContain(READ_ONLY);
    expect(arns).not.toContain('arn:aws:iam::aws:policy/AdministratorAccess');
    const readOnly = out.Policies!.find((p) => p.Arn === READ_ONLY)!;
    expect(readOnly.AttachmentCount).toBe(1);
    expect(readOnly.PermissionsBoundaryUsageCount).toBe(1);
    expect(readOnly.PolicyVersionList!.filter((v) => v.IsDefaultVersion)).toHaveLength(1);
    expect(readOnly.PolicyVersionList![0]!.Document).toMatch(/^%7B/);
  });

  it('filters by entity type', async () => {
    const roles = await gaad({ Filter: ['Role'] });
    expect(names(roles)).toEqual(['role:web']);
    const local = await gaad({ Filter: ['LocalManagedPolicy'] });
    expect(names(local).sort()).toEqual(
      [`policy:${customerArn}`, `policy:arn:aws:iam::${ACCOUNT}:policy/unused`].sort(),
    );
    const aws = await gaad({ Filter: ['AWSManagedPolicy'] });
    expect(names(aws)).toEqual([`policy:${READ_ONLY}`]);
    const two = await gaad({ Filter: ['User', 'Group'] });
    expect(names(two)).toEqual(['user:alice', 'user:bob', 'group:devs']);
  });

  it('pages with one marker across all the lists', async () => {
    const whole = names(await gaad());
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await gaad({ MaxItems: 2, ...(marker === undefined ? {} : { Marker: marker }) });
      const got = names(page);
      expect(got.length).toBeLessThanOrEqual(2);
      seen.push(...got);
      marker = page.IsTruncated ? page.Marker : undefined;
      if (page.IsTruncated) expect(page.Marker).toBeTruthy();
      pages += 1;
    } while (marker !== undefined && pages < 50);
    expect(seen).toEqual(whole);
    expect(pages).toBe(Math.ceil(whole.length / 2));
  });

  it('refuses a garbage marker, an unknown filter and an unauthorized caller', async () => {
    await expect(gaad({ Marker: 'not-a-marker' })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(gaad({ Filter: ['Users' as never] })).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('enum value set') as unknown,
    });
    await expect(gaad({ MaxItems: 0 })).rejects.toMatchObject({ name: 'ValidationError' });
    h.ctx.deny = (c) => c.action === 'iam:GetAccountAuthorizationDetails';
    await expect(gaad()).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('answers the aws CLI, which decodes the documents and follows the markers', async () => {
    const { stdout } = await run(
      'aws',
      [
        'iam',
        'get-account-authorization-details',
        '--page-size',
        '1',
        '--endpoint-url',
        h.server.url,
        '--output',
        'json',
      ],
      { env: h.cliEnv, timeout: 30_000 },
    );
    const out = JSON.parse(stdout) as {
      UserDetailList: { UserName: string; UserPolicyList?: { PolicyDocument: unknown }[] }[];
      RoleDetailList: { RoleName: string; AssumeRolePolicyDocument: unknown }[];
      Policies: { Arn: string }[];
    };
    expect(out.UserDetailList.map((u) => u.UserName)).toEqual(['alice', 'bob']);
    expect(out.UserDetailList[0]!.UserPolicyList![0]!.PolicyDocument).toEqual(
      JSON.parse(doc('s3:GetObject')),
    );
    expect(out.RoleDetailList[0]!.AssumeRolePolicyDocument).toEqual(JSON.parse(TRUST));
    expect(out.Policies.map((p) => p.Arn)).toContain(READ_ONLY);
  });
});
