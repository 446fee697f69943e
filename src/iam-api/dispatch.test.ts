import { XMLParser } from 'fast-xml-parser';
import { beforeEach, describe, expect, it } from 'vitest';
import { IAM_ACTIONS, handleIamAction } from './dispatch.js';
import {
  ACCOUNT,
  READ_LOGS,
  TRUST_EC2,
  callError,
  fakeContext,
  queryOf,
  type FakeContext,
} from './test-support/context.js';

const A = `arn:aws:iam::${ACCOUNT}`;
const ROLE = `${A}:role/web`;
const POLICY = `${A}:policy/P`;
const PROFILE = `${A}:instance-profile/ip`;
const OIDC = `${A}:oidc-provider/oidc.example.com`;
const DOC = READ_LOGS;
const USER = `${A}:user/u1`;
const GROUP = `${A}:group/g1`;
const KEY = 'AKIAFIXTUREKEY234567';

/**
 * Every operation with valid parameters, the action and resource it must authorize first, and
 * (for the few the fixture makes fail once allowed) the error IAM answers then.
 */
/** An identity policy for the simulator rows. */
const READ_ANY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
});

const SPOT_ROLE = `${A}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`;
const SPOT_TASK =
  'task/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot/0b5e2a1c-6f0e-4a57-9d1e-2c9f4e8a7b31';
const MFA1 = `${A}:mfa/m1`;
const MFA2 = `${A}:mfa/m2`;

const TABLE: [string, Record<string, string>, string, string, string?][] = [
  ['CreateRole', { RoleName: 'new', AssumeRolePolicyDocument: TRUST_EC2 }, 'iam:CreateRole', `${A}:role/new`],
  ['GetRole', { RoleName: 'web' }, 'iam:GetRole', ROLE],
  ['ListRoles', {}, 'iam:ListRoles', `${A}:role/`],
  ['UpdateRole', { RoleName: 'web', MaxSessionDuration: '7200' }, 'iam:UpdateRole', ROLE],
  ['UpdateRoleDescription', { RoleName: 'web', Description: 'd' }, 'iam:UpdateRoleDescription', ROLE],
  [
    'UpdateAssumeRolePolicy',
    { RoleName: 'web', PolicyDocument: TRUST_EC2 },
    'iam:UpdateAssumeRolePolicy',
    ROLE,
  ],
  ['DeleteRole', { RoleName: 'web' }, 'iam:DeleteRole', ROLE, 'DeleteConflict'],
  ['TagRole', { RoleName: 'web', 'Tags.member.1.Key': 'k', 'Tags.member.1.Value': 'v' }, 'iam:TagRole', ROLE],
  ['UntagRole', { RoleName: 'web', 'TagKeys.member.1': 'team' }, 'iam:UntagRole', ROLE],
  ['ListRoleTags', { RoleName: 'web' }, 'iam:ListRoleTags', ROLE],
  [
    'PutRolePermissionsBoundary',
    { RoleName: 'web', PermissionsBoundary: POLICY },
    'iam:PutRolePermissionsBoundary',
    ROLE,
  ],
  ['DeleteRolePermissionsBoundary', { RoleName: 'web' }, 'iam:DeleteRolePermissionsBoundary', ROLE],
  ['PutRolePolicy', { RoleName: 'web', PolicyName: 'x', PolicyDocument: DOC }, 'iam:PutRolePolicy', ROLE],
  ['GetRolePolicy', { RoleName: 'web', PolicyName: 'inline' }, 'iam:GetRolePolicy', ROLE],
  ['ListRolePolicies', { RoleName: 'web' }, 'iam:ListRolePolicies', ROLE],
  ['DeleteRolePolicy', { RoleName: 'web', PolicyName: 'inline' }, 'iam:DeleteRolePolicy', ROLE],
  ['CreatePolicy', { PolicyName: 'Q', PolicyDocument: DOC }, 'iam:CreatePolicy', `${A}:policy/Q`],
  ['GetPolicy', { PolicyArn: POLICY }, 'iam:GetPolicy', POLICY],
  ['ListPolicies', { Scope: 'Local' }, 'iam:ListPolicies', `${A}:policy/`],
  ['DeletePolicy', { PolicyArn: POLICY }, 'iam:DeletePolicy', POLICY, 'DeleteConflict'],
  ['CreatePolicyVersion', { PolicyArn: POLICY, PolicyDocument: DOC }, 'iam:CreatePolicyVersion', POLICY],
  ['GetPolicyVersion', { PolicyArn: POLICY, VersionId: 'v1' }, 'iam:GetPolicyVersion', POLICY],
  ['ListPolicyVersions', { PolicyArn: POLICY }, 'iam:ListPolicyVersions', POLICY],
  ['DeletePolicyVersion', { PolicyArn: POLICY, VersionId: 'v2' }, 'iam:DeletePolicyVersion', POLICY],
  ['SetDefaultPolicyVersion', { PolicyArn: POLICY, VersionId: 'v2' }, 'iam:SetDefaultPolicyVersion', POLICY],
  ['AttachRolePolicy', { RoleName: 'web', PolicyArn: POLICY }, 'iam:AttachRolePolicy', ROLE],
  ['DetachRolePolicy', { RoleName: 'web', PolicyArn: POLICY }, 'iam:DetachRolePolicy', ROLE, 'NoSuchEntity'],
  ['ListAttachedRolePolicies', { RoleName: 'web' }, 'iam:ListAttachedRolePolicies', ROLE],
  ['ListEntitiesForPolicy', { PolicyArn: POLICY }, 'iam:ListEntitiesForPolicy', POLICY],
  [
    'CreateInstanceProfile',
    { InstanceProfileName: 'new' },
    'iam:CreateInstanceProfile',
    `${A}:instance-profile/new`,
  ],
  ['GetInstanceProfile', { InstanceProfileName: 'ip' }, 'iam:GetInstanceProfile', PROFILE],
  ['ListInstanceProfiles', {}, 'iam:ListInstanceProfiles', `${A}:instance-profile/`],
  ['ListInstanceProfilesForRole', { RoleName: 'web' }, 'iam:ListInstanceProfilesForRole', ROLE],
  ['DeleteInstanceProfile', { InstanceProfileName: 'ip' }, 'iam:DeleteInstanceProfile', PROFILE],
  [
    'AddRoleToInstanceProfile',
    { InstanceProfileName: 'ip', RoleName: 'web' },
    'iam:AddRoleToInstanceProfile',
    PROFILE,
  ],
  [
    'RemoveRoleFromInstanceProfile',
    { InstanceProfileName: 'ip2', RoleName: 'web' },
    'iam:RemoveRoleFromInstanceProfile',
    `${A}:instance-profile/ip2`,
  ],
  [
    'CreateOpenIDConnectProvider',
    { Url: 'https://new.example.com' },
    'iam:CreateOpenIDConnectProvider',
    `${A}:oidc-provider/new.example.com`,
  ],
  ['GetOpenIDConnectProvider', { OpenIDConnectProviderArn: OIDC }, 'iam:GetOpenIDConnectProvider', OIDC],
  [
    'SimulatePrincipalPolicy',
    { PolicySourceArn: ROLE, 'ActionNames.member.1': 's3:GetObject' },
    'iam:SimulatePrincipalPolicy',
    ROLE,
  ],
  [
    'SimulateCustomPolicy',
    { 'PolicyInputList.member.1': READ_ANY, 'ActionNames.member.1': 's3:GetObject' },
    'iam:SimulateCustomPolicy',
    '*',
  ],
  [
    'GetContextKeysForPrincipalPolicy',
    { PolicySourceArn: ROLE },
    'iam:GetContextKeysForPrincipalPolicy',
    ROLE,
  ],
  [
    'GetContextKeysForCustomPolicy',
    { 'PolicyInputList.member.1': READ_ANY },
    'iam:GetContextKeysForCustomPolicy',
    '*',
  ],
  ['ListOpenIDConnectProviders', {}, 'iam:ListOpenIDConnectProviders', `${A}:oidc-provider/`],
  [
    'DeleteOpenIDConnectProvider',
    { OpenIDConnectProviderArn: OIDC },
    'iam:DeleteOpenIDConnectProvider',
    OIDC,
  ],
  [
    'UpdateOpenIDConnectProviderThumbprint',
    { OpenIDConnectProviderArn: OIDC, 'ThumbprintList.member.1': 'b'.repeat(40) },
    'iam:UpdateOpenIDConnectProviderThumbprint',
    OIDC,
  ],
  [
    'AddClientIDToOpenIDConnectProvider',
    { OpenIDConnectProviderArn: OIDC, ClientID: 'c' },
    'iam:AddClientIDToOpenIDConnectProvider',
    OIDC,
  ],
  [
    'RemoveClientIDFromOpenIDConnectProvider',
    { OpenIDConnectProviderArn: OIDC, ClientID: 'sts.amazonaws.com' },
    'iam:RemoveClientIDFromOpenIDConnectProvider',
    OIDC,
  ],
  ['CreateUser', { UserName: 'new' }, 'iam:CreateUser', `${A}:user/new`],
  ['GetUser', { UserName: 'u1' }, 'iam:GetUser', USER],
  ['ListUsers', {}, 'iam:ListUsers', `${A}:user/`],
  ['UpdateUser', { UserName: 'u1', NewPath: '/p/' }, 'iam:UpdateUser', USER],
  ['DeleteUser', { UserName: 'u1' }, 'iam:DeleteUser', USER, 'DeleteConflict'],
  [
    'PutUserPermissionsBoundary',
    { UserName: 'u1', PermissionsBoundary: POLICY },
    'iam:PutUserPermissionsBoundary',
    USER,
  ],
  ['DeleteUserPermissionsBoundary', { UserName: 'u1' }, 'iam:DeleteUserPermissionsBoundary', USER],
  ['TagUser', { UserName: 'u1', 'Tags.member.1.Key': 'k', 'Tags.member.1.Value': 'v' }, 'iam:TagUser', USER],
  ['UntagUser', { UserName: 'u1', 'TagKeys.member.1': 'k' }, 'iam:UntagUser', USER],
  ['ListUserTags', { UserName: 'u1' }, 'iam:ListUserTags', USER],
  ['ListGroupsForUser', { UserName: 'u1' }, 'iam:ListGroupsForUser', USER],
  ['PutUserPolicy', { UserName: 'u1', PolicyName: 'x', PolicyDocument: DOC }, 'iam:PutUserPolicy', USER],
  ['GetUserPolicy', { UserName: 'u1', PolicyName: 'inline' }, 'iam:GetUserPolicy', USER],
  ['ListUserPolicies', { UserName: 'u1' }, 'iam:ListUserPolicies', USER],
  ['DeleteUserPolicy', { UserName: 'u1', PolicyName: 'inline' }, 'iam:DeleteUserPolicy', USER],
  ['AttachUserPolicy', { UserName: 'u1', PolicyArn: POLICY }, 'iam:AttachUserPolicy', USER],
  ['DetachUserPolicy', { UserName: 'u1', PolicyArn: POLICY }, 'iam:DetachUserPolicy', USER, 'NoSuchEntity'],
  ['ListAttachedUserPolicies', { UserName: 'u1' }, 'iam:ListAttachedUserPolicies', USER],
  ['CreateAccessKey', { UserName: 'u1' }, 'iam:CreateAccessKey', USER],
  ['ListAccessKeys', { UserName: 'u1' }, 'iam:ListAccessKeys', USER],
  ['UpdateAccessKey', { UserName: 'u1', AccessKeyId: KEY, Status: 'Inactive' }, 'iam:UpdateAccessKey', USER],
  ['DeleteAccessKey', { UserName: 'u1', AccessKeyId: KEY }, 'iam:DeleteAccessKey', USER],
  ['GetAccessKeyLastUsed', { AccessKeyId: KEY }, 'iam:GetAccessKeyLastUsed', USER],
  ['CreateGroup', { GroupName: 'new' }, 'iam:CreateGroup', `${A}:group/new`],
  ['GetGroup', { GroupName: 'g1' }, 'iam:GetGroup', GROUP],
  ['ListGroups', {}, 'iam:ListGroups', `${A}:group/`],
  ['UpdateGroup', { GroupName: 'g1', NewPath: '/p/' }, 'iam:UpdateGroup', GROUP],
  ['DeleteGroup', { GroupName: 'g1' }, 'iam:DeleteGroup', GROUP, 'DeleteConflict'],
  ['AddUserToGroup', { GroupName: 'g1', UserName: 'u1' }, 'iam:AddUserToGroup', GROUP],
  ['RemoveUserFromGroup', { GroupName: 'g1', UserName: 'u1' }, 'iam:RemoveUserFromGroup', GROUP],
  ['PutGroupPolicy', { GroupName: 'g1', PolicyName: 'x', PolicyDocument: DOC }, 'iam:PutGroupPolicy', GROUP],
  ['GetGroupPolicy', { GroupName: 'g1', PolicyName: 'inline' }, 'iam:GetGroupPolicy', GROUP],
  ['ListGroupPolicies', { GroupName: 'g1' }, 'iam:ListGroupPolicies', GROUP],
  ['DeleteGroupPolicy', { GroupName: 'g1', PolicyName: 'inline' }, 'iam:DeleteGroupPolicy', GROUP],
  ['AttachGroupPolicy', { GroupName: 'g1', PolicyArn: POLICY }, 'iam:AttachGroupPolicy', GROUP],
  [
    'DetachGroupPolicy',
    { GroupName: 'g1', PolicyArn: POLICY },
    'iam:DetachGroupPolicy',
    GROUP,
    'NoSuchEntity',
  ],
  ['ListAttachedGroupPolicies', { GroupName: 'g1' }, 'iam:ListAttachedGroupPolicies', GROUP],
  ['CreateVirtualMFADevice', { VirtualMFADeviceName: 'new' }, 'iam:CreateVirtualMFADevice', `${A}:mfa/new`],
  [
    'EnableMFADevice',
    { UserName: 'u1', SerialNumber: MFA1, AuthenticationCode1: '123456', AuthenticationCode2: '654321' },
    'iam:EnableMFADevice',
    USER,
    'InvalidAuthenticationCode',
  ],
  [
    'ResyncMFADevice',
    { UserName: 'u1', SerialNumber: MFA2, AuthenticationCode1: '123456', AuthenticationCode2: '654321' },
    'iam:ResyncMFADevice',
    USER,
    'InvalidAuthenticationCode',
  ],
  ['DeactivateMFADevice', { UserName: 'u1', SerialNumber: MFA2 }, 'iam:DeactivateMFADevice', USER],
  ['DeleteVirtualMFADevice', { SerialNumber: MFA1 }, 'iam:DeleteVirtualMFADevice', MFA1],
  ['ListMFADevices', { UserName: 'u1' }, 'iam:ListMFADevices', USER],
  ['ListVirtualMFADevices', {}, 'iam:ListVirtualMFADevices', '*'],
  ['GetAccountAuthorizationDetails', {}, 'iam:GetAccountAuthorizationDetails', '*'],
  [
    'CreateServiceLinkedRole',
    { AWSServiceName: 'ecs.amazonaws.com' },
    'iam:CreateServiceLinkedRole',
    `${A}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`,
  ],
  [
    'DeleteServiceLinkedRole',
    { RoleName: 'AWSServiceRoleForEC2Spot' },
    'iam:DeleteServiceLinkedRole',
    SPOT_ROLE,
  ],
  [
    'GetServiceLinkedRoleDeletionStatus',
    { DeletionTaskId: SPOT_TASK },
    'iam:GetServiceLinkedRoleDeletionStatus',
    SPOT_ROLE,
  ],
];

let ctx: FakeContext;
beforeEach(async () => {
  ctx = await fakeContext();
  const s = ctx.store;
  await s.createRole(ACCOUNT, {
    roleName: 'web',
    assumeRolePolicyDocument: TRUST_EC2,
    tags: [{ key: 'team', value: 'a' }],
  });
  await s.putRolePolicy(ACCOUNT, 'web', 'inline', DOC);
  await s.createPolicy(ACCOUNT, { policyName: 'P', document: DOC });
  await s.createPolicyVersion(POLICY, DOC, false);
  await s.putRolePermissionsBoundary(ACCOUNT, 'web', POLICY);
  await s.createInstanceProfile(ACCOUNT, { instanceProfileName: 'ip' });
  await s.createInstanceProfile(ACCOUNT, { instanceProfileName: 'ip2' });
  await s.addRoleToInstanceProfile(ACCOUNT, 'ip2', 'web');
  await s.createOidcProvider(ACCOUNT, {
    url: 'https://oidc.example.com',
    clientIds: ['sts.amazonaws.com'],
    thumbprints: [],
  });
  ctx.accessKeys = {
    seal: (secret) => new Uint8Array(Buffer.from(`sealed:${secret.length}`)),
    open: () => Buffer.from('a fixed test seed....').toString('base64'),
  };
  await s.createUser(ACCOUNT, { userName: 'u1' });
  await s.putUserPolicy(ACCOUNT, 'u1', 'inline', DOC);
  await s.createAccessKey({
    accessKeyId: KEY,
    accountId: ACCOUNT,
    userName: 'u1',
    sealedSecret: new Uint8Array(4),
  });
  await s.createGroup(ACCOUNT, { groupName: 'g1' });
  await s.addUserToGroup(ACCOUNT, 'g1', 'u1');
  await s.putGroupPolicy(ACCOUNT, 'g1', 'inline', DOC);
  await s.createVirtualMfaDevice(ACCOUNT, { deviceName: 'm1', sealedSeed: new Uint8Array(4) });
  await s.createVirtualMfaDevice(ACCOUNT, { deviceName: 'm2', sealedSeed: new Uint8Array(4) });
  await s.enableMfaDevice(ACCOUNT, MFA2, 'u1', 1);
  await s.createRole(ACCOUNT, {
    roleName: 'AWSServiceRoleForEC2Spot',
    path: '/aws-service-role/spot.amazonaws.com/',
    assumeRolePolicyDocument: TRUST_EC2,
  });
  await s.recordDeletionTask(ACCOUNT, {
    deletionTaskId: SPOT_TASK,
    roleName: 'AWSServiceRoleForEC2Spot',
    status: 'FAILED',
    reason: 'in use',
  });
});

/** Everything an operation could change, to prove a denied one changed nothing. */
async function snapshot(f: FakeContext): Promise<string> {
  const s = f.store;
  return JSON.stringify([
    await s.listRoles(ACCOUNT),
    await s.listRolePolicies(ACCOUNT, 'web'),
    await s.listAttachedRolePolicies(ACCOUNT, 'web'),
    await s.listPolicies(ACCOUNT),
    await s.listPolicyVersions(POLICY),
    await s.listInstanceProfiles(ACCOUNT),
    await s.listOidcProviders(ACCOUNT),
    await s.listUsers(ACCOUNT),
    await s.listUserPolicies(ACCOUNT, 'u1'),
    await s.listAttachedUserPolicies(ACCOUNT, 'u1'),
    (await s.listAccessKeys(ACCOUNT)).map((k) => [k.accessKeyId, k.status]),
    await s.listGroups(ACCOUNT),
    (await s.listVirtualMfaDevices(ACCOUNT)).map((d) => [d.serialNumber, d.userName, d.lastUsedStep]),
    await s.listUsersInGroup(ACCOUNT, 'g1'),
    await s.listGroupPolicies(ACCOUNT, 'g1'),
    await s.listAttachedGroupPolicies(ACCOUNT, 'g1'),
  ]);
}

describe('handleIamAction', () => {
  it('covers exactly the operations of the brief', () => {
    expect([...IAM_ACTIONS].sort()).toEqual(TABLE.map((t) => t[0]).sort());
  });

  it.each(TABLE)(
    '%s authorizes first, and a denial changes nothing',
    async (action, params, iamAction, resource, failure) => {
      const before = await snapshot(ctx);
      ctx.deny = () => true;
      const error = await callError(ctx, action, params);
      expect([error.code, error.status]).toEqual(['AccessDenied', 403]);
      expect(ctx.calls).toHaveLength(1);
      expect(ctx.calls[0]).toMatchObject({ action: iamAction, resource });
      expect(await snapshot(ctx)).toBe(before);
      // Allowed, the same request goes through.
      ctx.deny = () => false;
      if (failure === undefined) {
        expect((await handleIamAction(ctx, queryOf(action, params))).status).toBe(200);
      } else {
        expect((await callError(ctx, action, params)).code).toBe(failure);
      }
    },
  );

  it('wraps results in IAM’s response document', async () => {
    const response = await handleIamAction(ctx, queryOf('GetRole', { RoleName: 'web' }));
    expect(response.headers['content-type']).toBe('text/xml');
    const doc = new XMLParser({ ignoreAttributes: false }).parse(response.body) as Record<
      string,
      Record<string, unknown>
    >;
    const root = doc.GetRoleResponse!;
    expect(root['@_xmlns']).toBe('https://iam.amazonaws.com/doc/2010-05-08/');
    expect(root.ResponseMetadata).toEqual({ RequestId: ctx.requestId });
    const empty = await handleIamAction(
      ctx,
      queryOf('DeleteRolePolicy', { RoleName: 'web', PolicyName: 'inline' }),
    );
    expect(empty.body).toBe(
      `<DeleteRolePolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ResponseMetadata><RequestId>${ctx.requestId}</RequestId></ResponseMetadata></DeleteRolePolicyResponse>`,
    );
  });

  it('answers unknown actions and versions with InvalidAction, a missing one with MissingAction', async () => {
    const unknown = await callError(ctx, 'CreateLoginProfile');
    expect([unknown.code, unknown.status, unknown.message]).toEqual([
      'InvalidAction',
      400,
      'Could not find operation CreateLoginProfile for version 2010-05-08',
    ]);
    await expect(
      handleIamAction(ctx, queryOf('GetRole', { RoleName: 'web', Version: '2011-06-15' })),
    ).rejects.toMatchObject({
      code: 'InvalidAction',
      message: 'Could not find operation GetRole for version 2011-06-15',
    });
    const { parseQuery } = await import('../protocol/query.js');
    await expect(handleIamAction(ctx, parseQuery('Version=2010-05-08'))).rejects.toMatchObject({
      code: 'MissingAction',
    });
    expect(ctx.calls).toEqual([]);
  });

  it('never lets arbitrary input escape as anything but an AwsError', async () => {
    const junk = ['', '\u0000', 'x'.repeat(3000), '%', '[]', '{"Statement":null}', 'arn:', '-1', 'true'];
    for (const [action] of TABLE) {
      for (const value of junk) {
        const params: Record<string, string> = {};
        for (const name of [
          'RoleName',
          'PolicyArn',
          'PolicyDocument',
          'AssumeRolePolicyDocument',
          'Url',
          'MaxItems',
          'Marker',
          'VersionId',
          'InstanceProfileName',
          'OpenIDConnectProviderArn',
        ]) {
          params[name] = value;
        }
        try {
          await handleIamAction(ctx, queryOf(action, params));
        } catch (error) {
          expect(
            (error as { code?: unknown }).code,
            `${action} ${JSON.stringify(value).slice(0, 20)}`,
          ).toBeTypeOf('string');
        }
      }
    }
  });
});
