import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findAwsManagedPolicy } from '../catalog/aws-managed-policies.js';
import {
  ACCOUNT,
  CALLER_ARN,
  READ_LOGS,
  TRUST_EC2,
  call,
  callError,
  fakeContext,
  members,
  type FakeContext,
  type Xml,
} from './test-support/context.js';

const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const LOGS_ARN = `arn:aws:iam::${ACCOUNT}:policy/team/ReadLogs`;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

let ctx: FakeContext;
beforeAll(() => {
  // Load the AWS catalog once, outside any test's time budget.
  expect(findAwsManagedPolicy(READ_ONLY)).toBeDefined();
});
beforeEach(async () => {
  ctx = await fakeContext();
  await ctx.store.createRole(ACCOUNT, { roleName: 'web', assumeRolePolicyDocument: TRUST_EC2 });
});

async function createLogsPolicy(): Promise<Xml> {
  return (
    await call(ctx, 'CreatePolicy', {
      PolicyName: 'ReadLogs',
      Path: '/team/',
      PolicyDocument: READ_LOGS,
      Description: 'read logs',
      'Tags.member.1.Key': 'team',
      'Tags.member.1.Value': 'obs',
    })
  ).Policy as Xml;
}

describe('customer managed policies', () => {
  it('creates and gets a policy with the Policy members', async () => {
    const created = await createLogsPolicy();
    expect(created).toMatchObject({
      PolicyName: 'ReadLogs',
      Arn: LOGS_ARN,
      Path: '/team/',
      DefaultVersionId: 'v1',
      AttachmentCount: '0',
      PermissionsBoundaryUsageCount: '0',
      IsAttachable: 'true',
      Description: 'read logs',
    });
    expect(created.PolicyId).toMatch(/^ANPA/);
    expect(created.CreateDate).toMatch(ISO);
    expect(members(created.Tags)).toEqual([{ Key: 'team', Value: 'obs' }]);
    expect(ctx.calls.map((c) => [c.action, c.resource])).toEqual([
      ['iam:CreatePolicy', LOGS_ARN],
      ['iam:TagPolicy', LOGS_ARN],
    ]);
    const got = (await call(ctx, 'GetPolicy', { PolicyArn: LOGS_ARN })).Policy as Xml;
    expect(got.PolicyId).toBe(created.PolicyId);
  });

  it('validates names, paths, documents and quotas', async () => {
    const badPath = await callError(ctx, 'CreatePolicy', {
      PolicyName: 'p',
      Path: '/a b/',
      PolicyDocument: READ_LOGS,
    });
    expect(badPath.message).toContain(
      "at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: ((/[A-Za-z0-9\\.,\\+@=_-]+)*)/",
    );
    const trust = await callError(ctx, 'CreatePolicy', { PolicyName: 'p', PolicyDocument: TRUST_EC2 });
    expect(trust.code).toBe('MalformedPolicyDocument');
    const big = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${'b'.repeat(6200)}/*` },
      ],
    });
    const limit = await callError(ctx, 'CreatePolicy', { PolicyName: 'p', PolicyDocument: big });
    expect([limit.code, limit.message]).toEqual([
      'LimitExceeded',
      'Cannot exceed quota for PolicySize: 6144',
    ]);
    await createLogsPolicy();
    const dup = await callError(ctx, 'CreatePolicy', { PolicyName: 'readlogs', PolicyDocument: READ_LOGS });
    expect([dup.code, dup.status]).toEqual(['EntityAlreadyExists', 409]);
  });

  it('answers GetPolicy of a missing or foreign policy with NoSuchEntity, a bad ARN with InvalidInput', async () => {
    const missing = await callError(ctx, 'GetPolicy', { PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/nope` });
    expect([missing.code, missing.message]).toEqual([
      'NoSuchEntity',
      `Policy arn:aws:iam::${ACCOUNT}:policy/nope was not found.`,
    ]);
    expect(
      (await callError(ctx, 'GetPolicy', { PolicyArn: 'arn:aws:iam::444455556666:policy/x' })).code,
    ).toBe('NoSuchEntity');
    expect(
      (await callError(ctx, 'GetPolicy', { PolicyArn: 'arn:aws:iam::111122223333:role/web' })).code,
    ).toBe('InvalidInput');
    expect((await callError(ctx, 'GetPolicy', { PolicyArn: 'short' })).message).toBe(
      "1 validation error detected: Value 'short' at 'policyArn' failed to satisfy constraint: Member must have length greater than or equal to 20",
    );
  });

  it('manages versions: create, get (URL-encoded), list, set default, delete, the 5-version limit', async () => {
    await createLogsPolicy();
    const v2doc = READ_LOGS.replace('logs:FilterLogEvents', 'logs:DescribeLogGroups');
    const v2 = (
      await call(ctx, 'CreatePolicyVersion', {
        PolicyArn: LOGS_ARN,
        PolicyDocument: v2doc,
        SetAsDefault: true,
      })
    ).PolicyVersion as Xml;
    expect(v2).toMatchObject({ VersionId: 'v2', IsDefaultVersion: 'true' });
    expect(v2.Document).toBeUndefined();
    const got = (await call(ctx, 'GetPolicyVersion', { PolicyArn: LOGS_ARN, VersionId: 'v2' }))
      .PolicyVersion as Xml;
    expect(got.Document).toBe(encodeURIComponent(v2doc));
    for (const _ of [3, 4, 5])
      await call(ctx, 'CreatePolicyVersion', { PolicyArn: LOGS_ARN, PolicyDocument: READ_LOGS });
    const limit = await callError(ctx, 'CreatePolicyVersion', {
      PolicyArn: LOGS_ARN,
      PolicyDocument: READ_LOGS,
    });
    expect([limit.code, limit.message]).toEqual([
      'LimitExceeded',
      'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
    ]);
    const page1 = await call(ctx, 'ListPolicyVersions', { PolicyArn: LOGS_ARN, MaxItems: 3 });
    expect(members(page1.Versions).map((v) => v.VersionId)).toEqual(['v5', 'v4', 'v3']);
    expect(members(page1.Versions)[0]?.Document).toBeUndefined();
    const page2 = await call(ctx, 'ListPolicyVersions', {
      PolicyArn: LOGS_ARN,
      Marker: page1.Marker as string,
    });
    expect(members(page2.Versions).map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([
      ['v2', 'true'],
      ['v1', 'false'],
    ]);
    const conflict = await callError(ctx, 'DeletePolicyVersion', { PolicyArn: LOGS_ARN, VersionId: 'v2' });
    expect([conflict.code, conflict.message]).toEqual([
      'DeleteConflict',
      'Cannot delete the default version of a policy.',
    ]);
    await call(ctx, 'SetDefaultPolicyVersion', { PolicyArn: LOGS_ARN, VersionId: 'v1' });
    expect((await ctx.store.getPolicy(LOGS_ARN)).defaultVersionId).toBe('v1');
    expect((await callError(ctx, 'GetPolicyVersion', { PolicyArn: LOGS_ARN, VersionId: 'v9' })).code).toBe(
      'NoSuchEntity',
    );
    expect((await callError(ctx, 'GetPolicyVersion', { PolicyArn: LOGS_ARN, VersionId: 'x1' })).code).toBe(
      'ValidationError',
    );
    // DeletePolicy needs the non-default versions gone first, and the policy detached.
    const versions = await callError(ctx, 'DeletePolicy', { PolicyArn: LOGS_ARN });
    expect([versions.code, versions.message]).toEqual([
      'DeleteConflict',
      "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
    ]);
    for (const v of ['v2', 'v3', 'v4', 'v5'])
      await call(ctx, 'DeletePolicyVersion', { PolicyArn: LOGS_ARN, VersionId: v });
    await call(ctx, 'AttachRolePolicy', { RoleName: 'web', PolicyArn: LOGS_ARN });
    const attached = await callError(ctx, 'DeletePolicy', { PolicyArn: LOGS_ARN });
    expect([attached.code, attached.message]).toEqual([
      'DeleteConflict',
      'Cannot delete a policy attached to entities.',
    ]);
    await call(ctx, 'DetachRolePolicy', { RoleName: 'web', PolicyArn: LOGS_ARN });
    await call(ctx, 'DeletePolicy', { PolicyArn: LOGS_ARN });
    expect((await callError(ctx, 'GetPolicy', { PolicyArn: LOGS_ARN })).code).toBe('NoSuchEntity');
  });

  it('changes nothing when a write is denied', async () => {
    await createLogsPolicy();
    ctx.deny = (c) => c.action !== 'iam:GetPolicy';
    for (const [action, params] of [
      ['CreatePolicyVersion', { PolicyArn: LOGS_ARN, PolicyDocument: READ_LOGS, SetAsDefault: true }],
      ['DeletePolicy', { PolicyArn: LOGS_ARN }],
      ['AttachRolePolicy', { RoleName: 'web', PolicyArn: LOGS_ARN }],
    ] as const) {
      expect((await callError(ctx, action, params)).code).toBe('AccessDenied');
    }
    const policy = await ctx.store.getPolicy(LOGS_ARN);
    expect([policy.defaultVersionId, policy.attachmentCount]).toEqual(['v1', 0]);
  });
});

describe('AWS managed policies', () => {
  it('gets ReadOnlyAccess with this account’s attachment count', async () => {
    const before = (await call(ctx, 'GetPolicy', { PolicyArn: READ_ONLY })).Policy as Xml;
    expect(before).toMatchObject({
      PolicyName: 'ReadOnlyAccess',
      Arn: READ_ONLY,
      Path: '/',
      AttachmentCount: '0',
      IsAttachable: 'true',
    });
    await call(ctx, 'AttachRolePolicy', { RoleName: 'web', PolicyArn: READ_ONLY });
    const after = (await call(ctx, 'GetPolicy', { PolicyArn: READ_ONLY })).Policy as Xml;
    expect(after.AttachmentCount).toBe('1');
    const version = (
      await call(ctx, 'GetPolicyVersion', {
        PolicyArn: READ_ONLY,
        VersionId: after.DefaultVersionId as string,
      })
    ).PolicyVersion as Xml;
    expect(version.IsDefaultVersion).toBe('true');
    const document = JSON.parse(decodeURIComponent(version.Document as string)) as { Statement: unknown[] };
    expect(document.Statement.length).toBeGreaterThan(0);
    const versions = await call(ctx, 'ListPolicyVersions', { PolicyArn: READ_ONLY, MaxItems: 2 });
    expect(members(versions.Versions)[0]?.VersionId).toBe(after.DefaultVersionId);
    expect(versions.IsTruncated).toBe('true');
  });

  it('attaches AWS managed policies with paths, and refuses unknown ones', async () => {
    const ssm = 'arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM';
    await call(ctx, 'AttachRolePolicy', { RoleName: 'web', PolicyArn: ssm });
    await call(ctx, 'AttachRolePolicy', { RoleName: 'web', PolicyArn: ssm });
    const listed = await call(ctx, 'ListAttachedRolePolicies', { RoleName: 'web' });
    expect(members(listed.AttachedPolicies)).toEqual([{ PolicyName: 'AmazonEC2RoleforSSM', PolicyArn: ssm }]);
    const filtered = await call(ctx, 'ListAttachedRolePolicies', {
      RoleName: 'web',
      PathPrefix: '/job-function/',
    });
    expect(members(filtered.AttachedPolicies)).toEqual([]);
    const unknown = 'arn:aws:iam::aws:policy/NotARealPolicyName';
    const error = await callError(ctx, 'AttachRolePolicy', { RoleName: 'web', PolicyArn: unknown });
    expect([error.code, error.status, error.message]).toEqual([
      'NoSuchEntity',
      404,
      `Policy ${unknown} does not exist or is not attachable.`,
    ]);
    const wrongPath = await callError(ctx, 'AttachRolePolicy', {
      RoleName: 'web',
      PolicyArn: 'arn:aws:iam::aws:policy/AmazonEC2RoleforSSM',
    });
    expect(wrongPath.code).toBe('NoSuchEntity');
    expect(ctx.calls[0]).toEqual({
      action: 'iam:AttachRolePolicy',
      resource: `arn:aws:iam::${ACCOUNT}:role/web`,
      extra: { 'iam:PermissionsBoundary': undefined, 'iam:PolicyARN': ssm },
    });
  });

  it('answers the 11th attachment with LimitExceeded', async () => {
    const names = [
      'ReadOnlyAccess',
      'AmazonS3ReadOnlyAccess',
      'AmazonEC2ReadOnlyAccess',
      'AmazonSQSReadOnlyAccess',
      'AmazonSNSReadOnlyAccess',
      'AmazonDynamoDBReadOnlyAccess',
      'AmazonRDSReadOnlyAccess',
      'CloudWatchReadOnlyAccess',
      'AWSLambda_ReadOnlyAccess',
      'IAMReadOnlyAccess',
      'AmazonVPCReadOnlyAccess',
    ];
    for (const name of names.slice(0, 10)) {
      await call(ctx, 'AttachRolePolicy', { RoleName: 'web', PolicyArn: `arn:aws:iam::aws:policy/${name}` });
    }
    const error = await callError(ctx, 'AttachRolePolicy', {
      RoleName: 'web',
      PolicyArn: `arn:aws:iam::aws:policy/${names[10]}`,
    });
    expect([error.code, error.message]).toEqual([
      'LimitExceeded',
      'Cannot exceed quota for PoliciesPerRole: 10',
    ]);
  });

  it('cannot be changed: writes are denied as cross-account', async () => {
    const error = await callError(ctx, 'DeletePolicy', { PolicyArn: READ_ONLY });
    expect([error.code, error.status]).toEqual(['AccessDenied', 403]);
    expect(error.message).toContain(`User: ${CALLER_ARN} is not authorized to perform: iam:DeletePolicy`);
    expect(
      (await callError(ctx, 'CreatePolicyVersion', { PolicyArn: READ_ONLY, PolicyDocument: READ_LOGS })).code,
    ).toBe('AccessDenied');
  });
});

describe('ListPolicies', () => {
  beforeEach(async () => {
    await createLogsPolicy();
    await call(ctx, 'CreatePolicy', { PolicyName: 'Zeta', PolicyDocument: READ_LOGS });
    ctx.calls.length = 0;
  });

  it('lists Local policies without Description or Tags', async () => {
    const result = await call(ctx, 'ListPolicies', { Scope: 'Local' });
    const policies = members(result.Policies);
    expect(policies.map((p) => p.PolicyName)).toEqual(['ReadLogs', 'Zeta']);
    expect(policies[0]?.Description).toBeUndefined();
    expect(policies[0]?.Tags).toBeUndefined();
    expect(result.IsTruncated).toBe('false');
    expect(ctx.calls).toEqual([
      { action: 'iam:ListPolicies', resource: `arn:aws:iam::${ACCOUNT}:policy/`, extra: undefined },
    ]);
  });

  it('pages Scope=All through local then AWS policies without repeats', async () => {
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const result = await call(ctx, 'ListPolicies', {
        PathPrefix: '/job-function/',
        MaxItems: 3,
        ...(marker === undefined ? {} : { Marker: marker }),
      });
      seen.push(...members(result.Policies).map((p) => p.Arn as string));
      marker = result.IsTruncated === 'true' ? (result.Marker as string) : undefined;
      pages += 1;
    } while (marker !== undefined && pages < 50);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toContain('arn:aws:iam::aws:policy/job-function/ViewOnlyAccess');
    expect(seen.every((arn) => arn.includes(':policy/job-function/'))).toBe(true);
    const all = await call(ctx, 'ListPolicies', { MaxItems: 2 });
    expect(members(all.Policies).map((p) => p.PolicyName)).toEqual(['ReadLogs', 'Zeta']);
    const next = await call(ctx, 'ListPolicies', { MaxItems: 2, Marker: all.Marker as string });
    expect(
      members(next.Policies).every((p) => (p.Arn as string).startsWith('arn:aws:iam::aws:policy/')),
    ).toBe(true);
  });

  it('filters OnlyAttached across scopes', async () => {
    await call(ctx, 'AttachRolePolicy', { RoleName: 'web', PolicyArn: READ_ONLY });
    await call(ctx, 'AttachRolePolicy', { RoleName: 'web', PolicyArn: LOGS_ARN });
    const result = await call(ctx, 'ListPolicies', { OnlyAttached: true });
    expect(members(result.Policies).map((p) => [p.Arn, p.AttachmentCount])).toEqual([
      [LOGS_ARN, '1'],
      [READ_ONLY, '1'],
    ]);
    const aws = await call(ctx, 'ListPolicies', { OnlyAttached: true, Scope: 'AWS' });
    expect(members(aws.Policies).map((p) => p.Arn)).toEqual([READ_ONLY]);
    expect((await callError(ctx, 'ListPolicies', { Scope: 'Mine' })).message).toBe(
      "1 validation error detected: Value 'Mine' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]",
    );
  });
});

describe('ListEntitiesForPolicy', () => {
  it('lists the roles a policy is attached to or bounds', async () => {
    await createLogsPolicy();
    await ctx.store.createRole(ACCOUNT, {
      roleName: 'api',
      path: '/svc/',
      assumeRolePolicyDocument: TRUST_EC2,
    });
    await call(ctx, 'AttachRolePolicy', { RoleName: 'web', PolicyArn: LOGS_ARN });
    await call(ctx, 'PutRolePermissionsBoundary', { RoleName: 'api', PermissionsBoundary: LOGS_ARN });
    const web = (await ctx.store.getRole(ACCOUNT, 'web')).roleId;
    const result = await call(ctx, 'ListEntitiesForPolicy', { PolicyArn: LOGS_ARN });
    expect(result.PolicyGroups).toBe('');
    expect(result.PolicyUsers).toBe('');
    expect(members(result.PolicyRoles).map((r) => r.RoleName)).toEqual(['api', 'web']);
    const attachedOnly = await call(ctx, 'ListEntitiesForPolicy', {
      PolicyArn: LOGS_ARN,
      PolicyUsageFilter: 'PermissionsPolicy',
    });
    expect(members(attachedOnly.PolicyRoles)).toEqual([{ RoleName: 'web', RoleId: web }]);
    const byPath = await call(ctx, 'ListEntitiesForPolicy', { PolicyArn: LOGS_ARN, PathPrefix: '/svc/' });
    expect(members(byPath.PolicyRoles).map((r) => r.RoleName)).toEqual(['api']);
    const users = await call(ctx, 'ListEntitiesForPolicy', { PolicyArn: LOGS_ARN, EntityFilter: 'User' });
    expect(members(users.PolicyRoles)).toEqual([]);
    expect(ctx.calls.at(-1)).toMatchObject({ action: 'iam:ListEntitiesForPolicy', resource: LOGS_ARN });
  });
});
