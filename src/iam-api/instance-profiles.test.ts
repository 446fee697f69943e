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
  await ctx.store.createRole(ACCOUNT, { roleName: 'web', assumeRolePolicyDocument: TRUST_EC2 });
});

const PROFILE_ARN = `arn:aws:iam::${ACCOUNT}:instance-profile/fleet/web`;

describe('instance profiles', () => {
  it('creates, adds a role, gets, lists, removes and deletes', async () => {
    const created = (
      await call(ctx, 'CreateInstanceProfile', {
        InstanceProfileName: 'web',
        Path: '/fleet/',
        'Tags.member.1.Key': 'env',
        'Tags.member.1.Value': 'prod',
      })
    ).InstanceProfile as Xml;
    expect(created).toMatchObject({
      Path: '/fleet/',
      InstanceProfileName: 'web',
      Arn: PROFILE_ARN,
      Roles: '',
    });
    expect(created.InstanceProfileId).toMatch(/^AIPA/);
    expect(members(created.Tags)).toEqual([{ Key: 'env', Value: 'prod' }]);

    await call(ctx, 'AddRoleToInstanceProfile', { InstanceProfileName: 'web', RoleName: 'web' });
    const got = (await call(ctx, 'GetInstanceProfile', { InstanceProfileName: 'web' }))
      .InstanceProfile as Xml;
    const roles = members(got.Roles);
    expect(roles).toHaveLength(1);
    expect(roles[0]).toMatchObject({ RoleName: 'web', Arn: `arn:aws:iam::${ACCOUNT}:role/web`, Path: '/' });
    expect(decodeURIComponent(roles[0]?.AssumeRolePolicyDocument as string)).toBe(TRUST_EC2);

    const listed = await call(ctx, 'ListInstanceProfiles', { PathPrefix: '/fleet/' });
    expect(members(listed.InstanceProfiles).map((p) => [p.InstanceProfileName, p.Tags])).toEqual([
      ['web', undefined],
    ]);
    const forRole = await call(ctx, 'ListInstanceProfilesForRole', { RoleName: 'web' });
    expect(members(forRole.InstanceProfiles).map((p) => p.Arn)).toEqual([PROFILE_ARN]);

    const full = await callError(ctx, 'AddRoleToInstanceProfile', {
      InstanceProfileName: 'web',
      RoleName: 'web',
    });
    expect([full.code, full.message]).toEqual([
      'LimitExceeded',
      'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1',
    ]);
    const conflict = await callError(ctx, 'DeleteInstanceProfile', { InstanceProfileName: 'web' });
    expect([conflict.code, conflict.message]).toEqual([
      'DeleteConflict',
      'Cannot delete entity, must remove roles from instance profile first.',
    ]);
    const roleConflict = await callError(ctx, 'DeleteRole', { RoleName: 'web' });
    expect(roleConflict.message).toBe('Cannot delete entity, must remove roles from instance profile first.');

    await call(ctx, 'RemoveRoleFromInstanceProfile', { InstanceProfileName: 'web', RoleName: 'web' });
    await call(ctx, 'DeleteInstanceProfile', { InstanceProfileName: 'web' });
    const gone = await callError(ctx, 'GetInstanceProfile', { InstanceProfileName: 'web' });
    expect([gone.code, gone.status, gone.message]).toEqual([
      'NoSuchEntity',
      404,
      'Instance Profile web cannot be found.',
    ]);
  });

  it('authorizes on the profile ARN, and PassRole on the role for AddRoleToInstanceProfile', async () => {
    await call(ctx, 'CreateInstanceProfile', { InstanceProfileName: 'web', Path: '/fleet/' });
    await call(ctx, 'AddRoleToInstanceProfile', { InstanceProfileName: 'web', RoleName: 'web' });
    expect(ctx.calls.map((c) => [c.action, c.resource])).toEqual([
      ['iam:CreateInstanceProfile', PROFILE_ARN],
      ['iam:AddRoleToInstanceProfile', PROFILE_ARN],
      ['iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/web`],
    ]);
    expect(ctx.calls[2]?.extra).toMatchObject({ 'iam:PassedToService': 'ec2.amazonaws.com' });
  });

  it('does not add the role when PassRole is denied', async () => {
    await call(ctx, 'CreateInstanceProfile', { InstanceProfileName: 'web' });
    ctx.deny = (c) => c.action === 'iam:PassRole';
    expect(
      (await callError(ctx, 'AddRoleToInstanceProfile', { InstanceProfileName: 'web', RoleName: 'web' }))
        .code,
    ).toBe('AccessDenied');
    expect((await ctx.store.getInstanceProfile(ACCOUNT, 'web')).roles).toEqual([]);
  });

  it('answers duplicates and bad names as IAM does', async () => {
    await call(ctx, 'CreateInstanceProfile', { InstanceProfileName: 'web' });
    const dup = await callError(ctx, 'CreateInstanceProfile', { InstanceProfileName: 'WEB' });
    expect([dup.code, dup.status]).toEqual(['EntityAlreadyExists', 409]);
    const bad = await callError(ctx, 'CreateInstanceProfile', { InstanceProfileName: 'a/b' });
    expect(bad.message).toContain("Value 'a/b' at 'instanceProfileName' failed to satisfy constraint");
    const noRole = await callError(ctx, 'AddRoleToInstanceProfile', {
      InstanceProfileName: 'web',
      RoleName: 'ghost',
    });
    expect([noRole.code, noRole.message]).toEqual([
      'NoSuchEntity',
      'The role with name ghost cannot be found.',
    ]);
  });
});
