import { beforeEach, describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  TRUST_EC2,
  call,
  callError,
  fakeContext,
  members,
  type FakeContext,
  type Xml,
} from './test-support/context.js';

let ctx: FakeContext;
beforeEach(async () => {
  ctx = await fakeContext();
});

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

describe('CreateRole / GetRole', () => {
  it('returns the Role members of the IAM model, with the trust policy URL-encoded', async () => {
    const result = await call(ctx, 'CreateRole', {
      RoleName: 'web',
      Path: '/service/',
      AssumeRolePolicyDocument: TRUST_EC2,
      Description: 'web tier',
      MaxSessionDuration: 7200,
      'Tags.member.1.Key': 'team',
      'Tags.member.1.Value': 'payments',
    });
    const role = result.Role as Xml;
    expect(role.Path).toBe('/service/');
    expect(role.RoleName).toBe('web');
    expect(role.RoleId).toMatch(/^AROA[A-Z0-9]{17}$/);
    expect(role.Arn).toBe(`arn:aws:iam::${ACCOUNT}:role/service/web`);
    expect(role.CreateDate).toMatch(ISO);
    expect(role.AssumeRolePolicyDocument).toBe(encodeURIComponent(TRUST_EC2));
    expect(decodeURIComponent(role.AssumeRolePolicyDocument as string)).toBe(TRUST_EC2);
    expect(role.Description).toBe('web tier');
    expect(role.MaxSessionDuration).toBe('7200');
    expect(members(role.Tags)).toEqual([{ Key: 'team', Value: 'payments' }]);

    const got = (await call(ctx, 'GetRole', { RoleName: 'WEB' })).Role as Xml;
    expect(got.RoleName).toBe('web');
    expect(got.RoleId).toBe(role.RoleId);
    expect(got.RoleLastUsed).toBe('');
    expect(got.PermissionsBoundary).toBeUndefined();
  });

  it('authorizes iam:CreateRole (and iam:TagRole for tags) on the new role ARN with request tags', async () => {
    await call(ctx, 'CreateRole', {
      RoleName: 'web',
      AssumeRolePolicyDocument: TRUST_EC2,
      'Tags.member.1.Key': 'team',
      'Tags.member.1.Value': 'payments',
    });
    expect(ctx.calls.map((c) => [c.action, c.resource])).toEqual([
      ['iam:CreateRole', `arn:aws:iam::${ACCOUNT}:role/web`],
      ['iam:TagRole', `arn:aws:iam::${ACCOUNT}:role/web`],
    ]);
    expect(ctx.calls[0]?.extra).toMatchObject({ 'aws:RequestTag/team': 'payments', 'aws:TagKeys': ['team'] });
  });

  it('creates nothing when denied', async () => {
    ctx.deny = (c) => c.action === 'iam:CreateRole';
    const error = await callError(ctx, 'CreateRole', {
      RoleName: 'web',
      AssumeRolePolicyDocument: TRUST_EC2,
    });
    expect(error.code).toBe('AccessDenied');
    expect(error.status).toBe(403);
    expect(await ctx.store.findRole(ACCOUNT, 'web')).toBeUndefined();
  });

  it('reports every broken constraint in one ValidationError, as IAM does', async () => {
    const error = await callError(ctx, 'CreateRole', { RoleName: 'bad name', Path: 'nopath' });
    expect(error.code).toBe('ValidationError');
    expect(error.message).toBe(
      '3 validation errors detected: ' +
        "Value 'nopath' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007F]+\\u002F); " +
        "Value 'bad name' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+; " +
        "Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must not be null",
    );
  });

  it('checks MaxSessionDuration bounds', async () => {
    const error = await callError(ctx, 'CreateRole', {
      RoleName: 'web',
      AssumeRolePolicyDocument: TRUST_EC2,
      MaxSessionDuration: 43201,
    });
    expect(error.message).toBe(
      "1 validation error detected: Value '43201' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200",
    );
  });

  it('answers a taken name with EntityAlreadyExists (names compare without case)', async () => {
    await call(ctx, 'CreateRole', { RoleName: 'web', AssumeRolePolicyDocument: TRUST_EC2 });
    const error = await callError(ctx, 'CreateRole', {
      RoleName: 'Web',
      AssumeRolePolicyDocument: TRUST_EC2,
    });
    expect([error.code, error.status, error.message]).toEqual([
      'EntityAlreadyExists',
      409,
      'Role with name Web already exists.',
    ]);
  });

  it('rejects malformed trust policies with IAM messages', async () => {
    const identity = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
    });
    const noPrincipal = await callError(ctx, 'CreateRole', {
      RoleName: 'r',
      AssumeRolePolicyDocument: identity,
    });
    expect([noPrincipal.code, noPrincipal.status]).toEqual(['MalformedPolicyDocument', 400]);
    expect(noPrincipal.message).toBe('Has prohibited field Resource');
    const syntax = await callError(ctx, 'CreateRole', {
      RoleName: 'r',
      AssumeRolePolicyDocument: '{"Version":',
    });
    expect(syntax.message).toBe('Syntax errors in policy.');
    const version = await callError(ctx, 'CreateRole', {
      RoleName: 'r',
      AssumeRolePolicyDocument: TRUST_EC2.replace('2012-10-17', '2012-10-18'),
    });
    expect(version.message).toBe('The policy failed legacy parsing');
  });

  it('rejects a trust policy naming a role of this account that does not exist', async () => {
    const trustRole = (arn: string) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: arn }, Action: 'sts:AssumeRole' }],
      });
    const missing = `arn:aws:iam::${ACCOUNT}:role/ci`;
    const error = await callError(ctx, 'CreateRole', {
      RoleName: 'deploy',
      AssumeRolePolicyDocument: trustRole(missing),
    });
    expect([error.code, error.message]).toEqual([
      'MalformedPolicyDocument',
      `Invalid principal in policy: "AWS":"${missing}"`,
    ]);
    await call(ctx, 'CreateRole', { RoleName: 'ci', Path: '/build/', AssumeRolePolicyDocument: TRUST_EC2 });
    // The path is part of the ARN: the role exists, but not at `/`.
    expect(
      (
        await callError(ctx, 'CreateRole', {
          RoleName: 'deploy',
          AssumeRolePolicyDocument: trustRole(missing),
        })
      ).code,
    ).toBe('MalformedPolicyDocument');
    await call(ctx, 'CreateRole', {
      RoleName: 'deploy',
      AssumeRolePolicyDocument: trustRole(`arn:aws:iam::${ACCOUNT}:role/build/ci`),
    });
    // Other accounts' roles cannot be checked here and are accepted.
    await call(ctx, 'CreateRole', {
      RoleName: 'cross',
      AssumeRolePolicyDocument: trustRole('arn:aws:iam::444455556666:role/anything'),
    });
  });

  it('answers a trust policy over 2048 characters with LimitExceeded', async () => {
    const big = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'ec2.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:SourceAccount': Array.from({ length: 200 }, (_, i) => `1111${i}`) },
          },
        },
      ],
    });
    const error = await callError(ctx, 'CreateRole', { RoleName: 'r', AssumeRolePolicyDocument: big });
    expect([error.code, error.status, error.message]).toEqual([
      'LimitExceeded',
      409,
      'Cannot exceed quota for ACLSizePerRole: 2048',
    ]);
  });

  it('answers GetRole of a missing role with NoSuchEntity after authorizing', async () => {
    const error = await callError(ctx, 'GetRole', { RoleName: 'ghost' });
    expect([error.code, error.status, error.message]).toEqual([
      'NoSuchEntity',
      404,
      'The role with name ghost cannot be found.',
    ]);
    expect(ctx.calls).toEqual([
      {
        action: 'iam:GetRole',
        resource: `arn:aws:iam::${ACCOUNT}:role/ghost`,
        extra: { 'iam:PermissionsBoundary': undefined },
      },
    ]);
  });
});

describe('ListRoles', () => {
  beforeEach(async () => {
    for (const [name, path] of [
      ['a', '/'],
      ['b', '/ci/'],
      ['c', '/ci/'],
      ['d', '/'],
      ['e', '/ci/deep/'],
    ] as const) {
      await ctx.store.createRole(ACCOUNT, { roleName: name, path, assumeRolePolicyDocument: TRUST_EC2 });
    }
  });

  it('pages with Marker and MaxItems and omits members IAM does not list', async () => {
    const first = await call(ctx, 'ListRoles', { MaxItems: 2 });
    expect(members(first.Roles).map((r) => r.RoleName)).toEqual(['a', 'b']);
    expect(first.IsTruncated).toBe('true');
    expect(typeof first.Marker).toBe('string');
    const role = members(first.Roles)[0]!;
    expect(Object.keys(role)).toEqual([
      'Path',
      'RoleName',
      'RoleId',
      'Arn',
      'CreateDate',
      'AssumeRolePolicyDocument',
      'MaxSessionDuration',
    ]);
    const second = await call(ctx, 'ListRoles', { MaxItems: 2, Marker: first.Marker as string });
    expect(members(second.Roles).map((r) => r.RoleName)).toEqual(['c', 'd']);
    const third = await call(ctx, 'ListRoles', { MaxItems: 2, Marker: second.Marker as string });
    expect(members(third.Roles).map((r) => r.RoleName)).toEqual(['e']);
    expect(third.IsTruncated).toBe('false');
    expect(third.Marker).toBeUndefined();
  });

  it('filters by PathPrefix and authorizes on the account role path', async () => {
    const result = await call(ctx, 'ListRoles', { PathPrefix: '/ci/' });
    expect(members(result.Roles).map((r) => r.RoleName)).toEqual(['b', 'c', 'e']);
    expect(ctx.calls).toEqual([
      { action: 'iam:ListRoles', resource: `arn:aws:iam::${ACCOUNT}:role/ci/`, extra: undefined },
    ]);
  });

  it('validates MaxItems and Marker', async () => {
    expect((await callError(ctx, 'ListRoles', { MaxItems: 0 })).message).toBe(
      "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    expect((await callError(ctx, 'ListRoles', { MaxItems: 1001 })).code).toBe('ValidationError');
    expect((await callError(ctx, 'ListRoles', { Marker: 'not a marker!' })).code).toBe('ValidationError');
  });

  it('refuses a garbage Marker, even one of base64url characters, and an edited one', async () => {
    const first = await call(ctx, 'ListRoles', { MaxItems: 1 });
    const marker = first.Marker as string;
    const edited = `${marker.slice(0, -1)}${marker.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of ['garbage', 'cm9sZS9i', edited, marker.slice(0, 4)]) {
      const error = await callError(ctx, 'ListRoles', { MaxItems: 1, Marker: bad });
      expect(error.code).toBe('ValidationError');
      expect(error.message).toContain(`Value '${bad}' at 'marker' failed to satisfy constraint`);
    }
    const second = await call(ctx, 'ListRoles', { MaxItems: 1, Marker: marker });
    expect(members(second.Roles).map((r) => r.RoleName)).toEqual(['b']);
  });
});

describe('UpdateRole, UpdateRoleDescription, UpdateAssumeRolePolicy', () => {
  beforeEach(async () => {
    await call(ctx, 'CreateRole', { RoleName: 'web', AssumeRolePolicyDocument: TRUST_EC2 });
    ctx.calls.length = 0;
  });

  it('updates description and session duration', async () => {
    expect(
      await call(ctx, 'UpdateRole', { RoleName: 'web', Description: 'new', MaxSessionDuration: 3600 * 4 }),
    ).toEqual({});
    const role = await ctx.store.getRole(ACCOUNT, 'web');
    expect([role.description, role.maxSessionDuration]).toEqual(['new', 14400]);
    const updated = (await call(ctx, 'UpdateRoleDescription', { RoleName: 'web', Description: 'newer' }))
      .Role as Xml;
    expect(updated.Description).toBe('newer');
    expect(ctx.calls.map((c) => c.action)).toEqual(['iam:UpdateRole', 'iam:UpdateRoleDescription']);
  });

  it('replaces the trust policy after checking it', async () => {
    const lambda = TRUST_EC2.replace('ec2.amazonaws.com', 'lambda.amazonaws.com');
    await call(ctx, 'UpdateAssumeRolePolicy', { RoleName: 'web', PolicyDocument: lambda });
    expect((await ctx.store.getRole(ACCOUNT, 'web')).assumeRolePolicyDocument).toBe(lambda);
    const error = await callError(ctx, 'UpdateAssumeRolePolicy', { RoleName: 'web', PolicyDocument: '[]' });
    expect(error.code).toBe('MalformedPolicyDocument');
    expect(ctx.calls[0]).toMatchObject({
      action: 'iam:UpdateAssumeRolePolicy',
      resource: `arn:aws:iam::${ACCOUNT}:role/web`,
    });
  });

  it('changes nothing when denied', async () => {
    ctx.deny = () => true;
    expect((await callError(ctx, 'UpdateRole', { RoleName: 'web', MaxSessionDuration: 7200 })).code).toBe(
      'AccessDenied',
    );
    expect((await ctx.store.getRole(ACCOUNT, 'web')).maxSessionDuration).toBe(3600);
  });
});

describe('permissions boundaries', () => {
  beforeEach(async () => {
    await call(ctx, 'CreateRole', { RoleName: 'web', AssumeRolePolicyDocument: TRUST_EC2 });
  });

  it('sets and removes an AWS managed boundary, shown as PermissionsBoundary', async () => {
    const arn = 'arn:aws:iam::aws:policy/PowerUserAccess';
    await call(ctx, 'PutRolePermissionsBoundary', { RoleName: 'web', PermissionsBoundary: arn });
    const role = (await call(ctx, 'GetRole', { RoleName: 'web' })).Role as Xml;
    expect(role.PermissionsBoundary).toEqual({
      PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
      PermissionsBoundaryArn: arn,
    });
    // Role operations carry the role's boundary as iam:PermissionsBoundary.
    expect(ctx.calls.at(-1)?.extra).toEqual({ 'iam:PermissionsBoundary': arn });
    await call(ctx, 'DeleteRolePermissionsBoundary', { RoleName: 'web' });
    expect((await ctx.store.getRole(ACCOUNT, 'web')).permissionsBoundaryArn).toBeUndefined();
  });

  it('rejects a boundary policy that does not exist', async () => {
    const arn = `arn:aws:iam::${ACCOUNT}:policy/nope`;
    const error = await callError(ctx, 'PutRolePermissionsBoundary', {
      RoleName: 'web',
      PermissionsBoundary: arn,
    });
    expect([error.code, error.message]).toEqual([
      'NoSuchEntity',
      `Scope ARN: ${arn} does not exist or is not attachable.`,
    ]);
    const create = await callError(ctx, 'CreateRole', {
      RoleName: 'other',
      AssumeRolePolicyDocument: TRUST_EC2,
      PermissionsBoundary: 'arn:aws:iam::aws:policy/NoSuchAwsPolicyX',
    });
    expect(create.code).toBe('NoSuchEntity');
  });
});

describe('DeleteRole', () => {
  it('deletes, and refuses while policies or profiles hold the role', async () => {
    await call(ctx, 'CreateRole', { RoleName: 'web', AssumeRolePolicyDocument: TRUST_EC2 });
    await ctx.store.putRolePolicy(
      ACCOUNT,
      'web',
      'inline',
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}',
    );
    const conflict = await callError(ctx, 'DeleteRole', { RoleName: 'web' });
    expect([conflict.code, conflict.status, conflict.message]).toEqual([
      'DeleteConflict',
      409,
      'Cannot delete entity, must delete policies first.',
    ]);
    await ctx.store.deleteRolePolicy(ACCOUNT, 'web', 'inline');
    ctx.deny = () => true;
    expect((await callError(ctx, 'DeleteRole', { RoleName: 'web' })).code).toBe('AccessDenied');
    expect(await ctx.store.findRole(ACCOUNT, 'web')).toBeDefined();
    ctx.deny = () => false;
    expect(await call(ctx, 'DeleteRole', { RoleName: 'web' })).toEqual({});
    expect(await ctx.store.findRole(ACCOUNT, 'web')).toBeUndefined();
    expect((await callError(ctx, 'DeleteRole', { RoleName: 'web' })).code).toBe('NoSuchEntity');
  });
});
