/**
 * A managed policy's `AttachmentCount` and `PermissionsBoundaryUsageCount` through
 * `@aws-sdk/client-iam`: IAM counts every user, group and role that attaches the policy, and every
 * user and role that uses it as a permissions boundary (IAM API Reference, `Policy`:
 * "AttachmentCount: The number of entities (users, groups, and roles) that the policy is attached
 * to"; "PermissionsBoundaryUsageCount: The number of entities (users and roles) for which the policy
 * is used to set the permissions boundary"), for AWS managed policies as for customer managed ones.
 */
import {
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DetachUserPolicyCommand,
  GetPolicyCommand,
  type IAMClient,
  ListPoliciesCommand,
  type Policy,
  PutRolePermissionsBoundaryCommand,
  PutUserPermissionsBoundaryCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIamSdkServer, type IamSdkServer } from './test-support/sdk-server.js';
import { TRUST_EC2 } from './test-support/context.js';

const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';

let harness: IamSdkServer | undefined;
let client: IAMClient;
let localArn: string;

beforeAll(async () => {
  harness = await startIamSdkServer('credplane-iam-counts-');
  client = harness.client;
  await client.send(new CreateRoleCommand({ RoleName: 'web', AssumeRolePolicyDocument: TRUST_EC2 }));
  await client.send(new CreateUserCommand({ UserName: 'ana' }));
  await client.send(new CreateUserCommand({ UserName: 'ben' }));
  await client.send(new CreateGroupCommand({ GroupName: 'ops' }));
  const local = await client.send(
    new CreatePolicyCommand({
      PolicyName: 'local',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
      }),
    }),
  );
  localArn = local.Policy?.Arn ?? '';
  for (const PolicyArn of [READ_ONLY, localArn]) {
    await client.send(new AttachRolePolicyCommand({ RoleName: 'web', PolicyArn }));
    await client.send(new AttachUserPolicyCommand({ UserName: 'ana', PolicyArn }));
    await client.send(new AttachGroupPolicyCommand({ GroupName: 'ops', PolicyArn }));
  }
  // S3_READ bounds one user and one role and is attached to nothing.
  await client.send(new PutUserPermissionsBoundaryCommand({ UserName: 'ben', PermissionsBoundary: S3_READ }));
  await client.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'web', PermissionsBoundary: S3_READ }));
});

afterAll(async () => {
  await harness?.close();
});

async function listed(scope: 'AWS' | 'Local', onlyAttached = false): Promise<Map<string, Policy>> {
  const out = new Map<string, Policy>();
  let Marker: string | undefined;
  do {
    const page = await client.send(
      new ListPoliciesCommand({ Scope: scope, OnlyAttached: onlyAttached, Marker, MaxItems: 1000 }),
    );
    for (const p of page.Policies ?? []) out.set(p.Arn ?? '', p);
    Marker = page.IsTruncated === true ? page.Marker : undefined;
  } while (Marker !== undefined);
  return out;
}

const counts = (p: Policy | undefined) => [p?.AttachmentCount, p?.PermissionsBoundaryUsageCount];

describe('AttachmentCount and PermissionsBoundaryUsageCount', () => {
  it('count the users, groups and roles of an AWS managed policy, as of a customer managed one', async () => {
    const aws = await listed('AWS');
    expect(counts(aws.get(READ_ONLY))).toEqual([3, 0]);
    expect(counts((await listed('Local')).get(localArn))).toEqual([3, 0]);
    const got = await client.send(new GetPolicyCommand({ PolicyArn: READ_ONLY }));
    expect(counts(got.Policy)).toEqual([3, 0]);
  });

  it('count the users and roles bounded by an AWS managed policy', async () => {
    expect(counts((await listed('AWS')).get(S3_READ))).toEqual([0, 2]);
    expect(counts((await client.send(new GetPolicyCommand({ PolicyArn: S3_READ }))).Policy)).toEqual([0, 2]);
  });

  it('OnlyAttached lists an AWS managed policy attached to a user only', async () => {
    expect((await listed('AWS', true)).has(S3_READ)).toBe(false);
    await client.send(new AttachUserPolicyCommand({ UserName: 'ana', PolicyArn: S3_READ }));
    await client.send(new DetachUserPolicyCommand({ UserName: 'ana', PolicyArn: READ_ONLY }));
    const attached = await listed('AWS', true);
    expect(counts(attached.get(S3_READ))).toEqual([1, 2]);
    expect(counts(attached.get(READ_ONLY))).toEqual([2, 0]);
  });
});
