import { beforeEach, describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  READ_LOGS,
  TRUST_EC2,
  call,
  callError,
  fakeContext,
  members,
  type FakeContext,
} from './test-support/context.js';

let ctx: FakeContext;
beforeEach(async () => {
  ctx = await fakeContext();
  await ctx.store.createRole(ACCOUNT, { roleName: 'web', assumeRolePolicyDocument: TRUST_EC2 });
});

describe('inline role policies', () => {
  it('puts, gets (URL-encoded), lists and deletes', async () => {
    const pretty = JSON.stringify(JSON.parse(READ_LOGS), null, 2);
    expect(
      await call(ctx, 'PutRolePolicy', { RoleName: 'web', PolicyName: 'logs', PolicyDocument: pretty }),
    ).toEqual({});
    const got = await call(ctx, 'GetRolePolicy', { RoleName: 'web', PolicyName: 'LOGS' });
    expect(got).toEqual({ RoleName: 'web', PolicyName: 'logs', PolicyDocument: encodeURIComponent(pretty) });
    expect(got.PolicyDocument as string).toContain('%0A%20%20%22Version%22');
    await call(ctx, 'PutRolePolicy', { RoleName: 'web', PolicyName: 'a-first', PolicyDocument: READ_LOGS });
    const listed = await call(ctx, 'ListRolePolicies', { RoleName: 'web', MaxItems: 1 });
    expect(listed.PolicyNames).toEqual({ member: ['a-first'] });
    expect(listed.IsTruncated).toBe('true');
    const rest = await call(ctx, 'ListRolePolicies', { RoleName: 'web', Marker: listed.Marker as string });
    expect(members(rest.PolicyNames)).toEqual(['logs']);
    await call(ctx, 'DeleteRolePolicy', { RoleName: 'web', PolicyName: 'logs' });
    const missing = await callError(ctx, 'GetRolePolicy', { RoleName: 'web', PolicyName: 'logs' });
    expect([missing.code, missing.message]).toEqual([
      'NoSuchEntity',
      'The role policy with name logs cannot be found.',
    ]);
    expect(ctx.calls.map((c) => c.action)).toEqual([
      'iam:PutRolePolicy',
      'iam:GetRolePolicy',
      'iam:PutRolePolicy',
      'iam:ListRolePolicies',
      'iam:ListRolePolicies',
      'iam:DeleteRolePolicy',
      'iam:GetRolePolicy',
    ]);
    expect(new Set(ctx.calls.map((c) => c.resource))).toEqual(new Set([`arn:aws:iam::${ACCOUNT}:role/web`]));
  });

  it('checks documents as identity policies', async () => {
    const withPrincipal = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }],
    });
    const error = await callError(ctx, 'PutRolePolicy', {
      RoleName: 'web',
      PolicyName: 'p',
      PolicyDocument: withPrincipal,
    });
    expect([error.code, error.message]).toEqual([
      'MalformedPolicyDocument',
      'Policy document should not specify a principal.',
    ]);
    const noResource = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}';
    expect(
      (
        await callError(ctx, 'PutRolePolicy', {
          RoleName: 'web',
          PolicyName: 'p',
          PolicyDocument: noResource,
        })
      ).message,
    ).toBe('Policy statement must contain resources.');
    const badAction =
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]}';
    expect(
      (await callError(ctx, 'PutRolePolicy', { RoleName: 'web', PolicyName: 'p', PolicyDocument: badAction }))
        .message,
    ).toBe('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
    const euro = READ_LOGS.replace('logs:GetLogEvents', 'logs:Get€');
    expect(
      (await callError(ctx, 'PutRolePolicy', { RoleName: 'web', PolicyName: 'p', PolicyDocument: euro }))
        .message,
    ).toContain(
      "at 'policyDocument' failed to satisfy constraint: Member must satisfy regular expression pattern",
    );
    expect((await ctx.store.listRolePolicies(ACCOUNT, 'web')).items).toEqual([]);
  });

  it('enforces the 10,240-character quota over all of a role’s inline policies', async () => {
    const sized = (n: number) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${'b'.repeat(n)}/*` }],
      });
    await call(ctx, 'PutRolePolicy', { RoleName: 'web', PolicyName: 'one', PolicyDocument: sized(5000) });
    // Replacing the same policy does not count it twice.
    await call(ctx, 'PutRolePolicy', { RoleName: 'web', PolicyName: 'one', PolicyDocument: sized(5000) });
    const error = await callError(ctx, 'PutRolePolicy', {
      RoleName: 'web',
      PolicyName: 'two',
      PolicyDocument: sized(5300),
    });
    expect([error.code, error.status, error.message]).toEqual([
      'LimitExceeded',
      409,
      'Maximum policy size of 10240 bytes exceeded for role web',
    ]);
  });

  it('answers a missing role with NoSuchEntity and a denial with no write', async () => {
    expect(
      (
        await callError(ctx, 'PutRolePolicy', {
          RoleName: 'ghost',
          PolicyName: 'p',
          PolicyDocument: READ_LOGS,
        })
      ).code,
    ).toBe('NoSuchEntity');
    ctx.deny = () => true;
    expect(
      (await callError(ctx, 'PutRolePolicy', { RoleName: 'web', PolicyName: 'p', PolicyDocument: READ_LOGS }))
        .code,
    ).toBe('AccessDenied');
    expect((await ctx.store.listRolePolicies(ACCOUNT, 'web')).items).toEqual([]);
  });
});

describe('role tags', () => {
  it('tags, lists and untags with case-insensitive keys', async () => {
    await call(ctx, 'TagRole', {
      RoleName: 'web',
      'Tags.member.1.Key': 'team',
      'Tags.member.1.Value': 'a',
      'Tags.member.2.Key': 'env',
      'Tags.member.2.Value': 'prod',
    });
    await call(ctx, 'TagRole', { RoleName: 'web', 'Tags.member.1.Key': 'TEAM', 'Tags.member.1.Value': 'b' });
    const listed = await call(ctx, 'ListRoleTags', { RoleName: 'web' });
    expect(members(listed.Tags)).toEqual([
      { Key: 'TEAM', Value: 'b' },
      { Key: 'env', Value: 'prod' },
    ]);
    expect(listed.IsTruncated).toBe('false');
    const page = await call(ctx, 'ListRoleTags', { RoleName: 'web', MaxItems: 1 });
    expect(members(page.Tags)).toHaveLength(1);
    expect(page.IsTruncated).toBe('true');
    await call(ctx, 'UntagRole', { RoleName: 'web', 'TagKeys.member.1': 'team' });
    expect((await ctx.store.getRole(ACCOUNT, 'web')).tags).toEqual([{ key: 'env', value: 'prod' }]);
    expect(ctx.calls[0]?.extra).toMatchObject({ 'aws:RequestTag/team': 'a', 'aws:TagKeys': ['team', 'env'] });
    expect(ctx.calls.at(-1)).toMatchObject({ action: 'iam:UntagRole', extra: { 'aws:TagKeys': ['team'] } });
  });

  it('reports tag errors as IAM does', async () => {
    expect((await callError(ctx, 'TagRole', { RoleName: 'web' })).message).toBe(
      "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null",
    );
    const reserved = await callError(ctx, 'TagRole', {
      RoleName: 'web',
      'Tags.member.1.Key': 'aws:x',
      'Tags.member.1.Value': 'v',
    });
    expect([reserved.code, reserved.message]).toEqual([
      'InvalidInput',
      "User-defined tag keys can't start with 'aws:'.",
    ]);
    const many: Record<string, string> = { RoleName: 'web' };
    for (let i = 1; i <= 50; i++) {
      many[`Tags.member.${i}.Key`] = `k${i}`;
      many[`Tags.member.${i}.Value`] = 'v';
    }
    await call(ctx, 'TagRole', many);
    const limit = await callError(ctx, 'TagRole', {
      RoleName: 'web',
      'Tags.member.1.Key': 'one-more',
      'Tags.member.1.Value': 'v',
    });
    expect([limit.code, limit.status]).toEqual(['LimitExceeded', 409]);
  });
});
