/**
 * AWS::IAM::User, AWS::IAM::Group, AWS::IAM::UserToGroupAddition, and AWS::IAM::Policy /
 * AWS::IAM::ManagedPolicy on users and groups, applied to a Store and read back through the IAM
 * API with @aws-sdk/client-iam, as an operator would check them.
 */
import {
  GetGroupCommand,
  GetGroupPolicyCommand,
  GetRoleCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListGroupsForUserCommand,
  ListUserPoliciesCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startIamSdkServer, type IamSdkServer } from '../iam-api/test-support/sdk-server.js';
import { openPostgresStore } from '../store/postgres.js';
import type { Store } from '../store/store.js';
import { applyTemplate, deleteStack, type ApplyOptions, type ApplyResult } from './apply.js';
import { TemplateError } from './errors.js';
import { LEDGER_SETTING_PREFIX } from './ledger.js';
import { ACCOUNT, REGION } from './test-support/load.js';

const ADMIN_POLICY = 'arn:aws:iam::aws:policy/AdministratorAccess';
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

let h: IamSdkServer;
let store: Store;

beforeEach(async () => {
  h = await startIamSdkServer('credplane-stack-users-');
  store = h.ctx.store;
});
afterEach(async () => {
  await h.close();
});

function apply(text: string, options: Partial<ApplyOptions> = {}): Promise<ApplyResult> {
  return applyTemplate(store, text, { accountId: ACCOUNT, region: REGION, stackName: 'demo', ...options });
}

async function rejection(
  work: Promise<unknown>,
): Promise<Error & { code: string; logicalId?: string; path?: string }> {
  try {
    await work;
  } catch (e) {
    return e as Error & { code: string; logicalId?: string; path?: string };
  }
  throw new Error('expected the apply to fail');
}

async function userNames(): Promise<string[]> {
  return (await store.listUsers(ACCOUNT)).items.map((u) => u.userName).sort();
}

async function groupNames(): Promise<string[]> {
  return (await store.listGroups(ACCOUNT)).items.map((g) => g.groupName).sort();
}

async function groupsOf(user: string): Promise<string[]> {
  const out = await h.client.send(new ListGroupsForUserCommand({ UserName: user }));
  return (out.Groups ?? []).map((g) => g.GroupName ?? '').sort();
}

const READ_LOGS = `PolicyDocument:
            Version: '2012-10-17'
            Statement: [{ Effect: Allow, Action: logs:GetLogEvents, Resource: '*' }]`;

const TEAM = `Resources:
  Deployers:
    Type: AWS::IAM::Group
    Properties:
      GroupName: deployers
      Path: /teams/
      ManagedPolicyArns: [${READ_ONLY}]
      Policies:
        - PolicyName: read-logs
          ${READ_LOGS}
  Ci:
    Type: AWS::IAM::User
    Properties:
      UserName: ci
      Groups: [!Ref Deployers]
      Policies:
        - PolicyName: own
          PolicyDocument:
            Version: '2012-10-17'
            Statement: [{ Effect: Allow, Action: s3:GetObject, Resource: 'arn:aws:s3:::artifacts/*' }]
      Tags: [{ Key: team, Value: platform }]
  Dev:
    Type: AWS::IAM::User
  Extra:
    Type: AWS::IAM::UserToGroupAddition
    Properties:
      GroupName: !Ref Deployers
      Users: [!Ref Dev]
  Shared:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      ManagedPolicyName: shared
      PolicyDocument:
        Version: '2012-10-17'
        Statement: [{ Effect: Allow, Action: sqs:SendMessage, Resource: '*' }]
      Users: [!Ref Ci]
      Groups: [!Ref Deployers]
  Inline:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: put-metrics
      PolicyDocument:
        Version: '2012-10-17'
        Statement: [{ Effect: Allow, Action: cloudwatch:PutMetricData, Resource: '*' }]
      Users: [!Ref Dev]
      Groups: [!Ref Deployers]
Outputs:
  CiName: { Value: !Ref Ci }
  CiArn: { Value: !GetAtt Ci.Arn }
  GroupName: { Value: !Ref Deployers }
  GroupArn: { Value: !GetAtt Deployers.Arn }
  DevName: { Value: !Ref Dev }
`;

describe('stack users and groups', () => {
  it('creates users, groups, memberships and their policies; Ref and GetAtt give names and ARNs; a re-apply changes nothing', async () => {
    const first = await apply(TEAM);
    expect(first.applied).toBe(true);
    expect(first.text).toContain(`+ create group Deployers (arn:aws:iam::${ACCOUNT}:group/teams/deployers)`);
    expect(first.text).toContain(`+ create user Ci (arn:aws:iam::${ACCOUNT}:user/ci)`);
    expect(first.text).toContain('+ create group membership Extra');
    expect(first.text).toContain('Plan: 6 to create, 0 to update, 0 to delete, 0 unchanged.');

    const outputs = Object.fromEntries(first.outputs.map((o) => [o.logicalId, o.value]));
    const dev = outputs['DevName'] ?? '';
    // CloudFormation's generated name: <stack>-<logicalId>-<13 characters>.
    expect(dev).toMatch(/^demo-Dev-[A-Z0-9]{13}$/);
    expect(outputs).toMatchObject({
      CiName: 'ci',
      CiArn: `arn:aws:iam::${ACCOUNT}:user/ci`,
      GroupName: 'deployers',
      GroupArn: `arn:aws:iam::${ACCOUNT}:group/teams/deployers`,
    });

    const ci = await h.client.send(new GetUserCommand({ UserName: 'ci' }));
    expect(ci.User?.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/ci`);
    expect(ci.User?.UserId).toMatch(/^AIDA/);
    const tags = await h.client.send(new ListUserTagsCommand({ UserName: 'ci' }));
    expect(tags.Tags).toEqual([{ Key: 'team', Value: 'platform' }]);
    expect(await groupsOf('ci')).toEqual(['deployers']);
    expect(await groupsOf(dev)).toEqual(['deployers']);
    const group = await h.client.send(new GetGroupCommand({ GroupName: 'deployers' }));
    expect((group.Users ?? []).map((u) => u.UserName).sort()).toEqual(['ci', dev].sort());
    const groupAttached = await h.client.send(
      new ListAttachedGroupPoliciesCommand({ GroupName: 'deployers' }),
    );
    expect((groupAttached.AttachedPolicies ?? []).map((p) => p.PolicyArn).sort()).toEqual(
      [READ_ONLY, `arn:aws:iam::${ACCOUNT}:policy/shared`].sort(),
    );
    const ciAttached = await h.client.send(new ListAttachedUserPoliciesCommand({ UserName: 'ci' }));
    expect((ciAttached.AttachedPolicies ?? []).map((p) => p.PolicyName)).toEqual(['shared']);
    const entities = await h.client.send(
      new ListEntitiesForPolicyCommand({ PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/shared` }),
    );
    expect((entities.PolicyUsers ?? []).map((u) => u.UserName)).toEqual(['ci']);
    expect((entities.PolicyGroups ?? []).map((g) => g.GroupName)).toEqual(['deployers']);
    const own = await h.client.send(new GetUserPolicyCommand({ UserName: 'ci', PolicyName: 'own' }));
    expect(decodeURIComponent(own.PolicyDocument ?? '')).toContain('arn:aws:s3:::artifacts/*');
    await h.client.send(new GetGroupPolicyCommand({ GroupName: 'deployers', PolicyName: 'read-logs' }));
    await h.client.send(new GetGroupPolicyCommand({ GroupName: 'deployers', PolicyName: 'put-metrics' }));
    await h.client.send(new GetUserPolicyCommand({ UserName: dev, PolicyName: 'put-metrics' }));

    const again = await apply(TEAM);
    expect(again.applied).toBe(false);
    expect(again.text).toContain('No changes.');
    expect(again.text).toContain('Plan: 0 to create, 0 to update, 0 to delete, 6 unchanged.');
  });

  it('updates in place and says what changes; deleting the stack leaves nothing, in dependency order', async () => {
    await apply(TEAM);
    const changed = TEAM.replace('      Groups: [!Ref Deployers]\n', '')
      .replace('Tags: [{ Key: team, Value: platform }]', 'Tags: [{ Key: team, Value: infra }]')
      .replace(
        '      GroupName: deployers\n      Path: /teams/',
        '      GroupName: deployers\n      Path: /ops/',
      );
    const result = await apply(changed);
    expect(result.text).toContain('~ update user Ci: groups, tags');
    expect(result.text).toContain('~ update group Deployers: path');
    expect(await groupsOf('ci')).toEqual([]);
    expect((await store.getGroup(ACCOUNT, 'deployers')).arn).toBe(
      `arn:aws:iam::${ACCOUNT}:group/ops/deployers`,
    );
    expect((await store.getUser(ACCOUNT, 'ci')).tags).toEqual([{ key: 'team', value: 'infra' }]);
    expect((await apply(changed)).applied).toBe(false);

    // Users with inline and attached policies, in a group with policies and members: DeleteConflict
    // is avoided by taking everything off first.
    const gone = await deleteStack(store, { accountId: ACCOUNT, region: REGION, stackName: 'demo' });
    expect(gone.text).toContain('Plan: 0 to create, 0 to update, 6 to delete, 0 unchanged.');
    expect(gone.text.indexOf('- delete group membership Extra')).toBeLessThan(
      gone.text.indexOf('- delete user'),
    );
    expect(gone.text.indexOf('- delete user')).toBeLessThan(gone.text.indexOf('- delete group Deployers'));
    expect(await userNames()).toEqual([]);
    expect(await groupNames()).toEqual([]);
    expect((await store.listPolicies(ACCOUNT)).items).toEqual([]);
    expect(await store.getAccountSetting(ACCOUNT, `${LEDGER_SETTING_PREFIX}demo`)).toBeUndefined();
  });

  it('replaces a renamed group and a re-described managed policy, keeping members and attachments', async () => {
    await apply(TEAM);
    const renamed = TEAM.replace('GroupName: deployers', 'GroupName: builders').replace(
      'ManagedPolicyName: shared',
      'ManagedPolicyName: shared\n      Description: now described',
    );
    const result = await apply(renamed);
    expect(result.text).toContain('- delete group Deployers');
    expect(result.text).toContain('+ create group Deployers');
    expect(await groupNames()).toEqual(['builders']);
    const dev = (await store.listUsers(ACCOUNT)).items.find((u) =>
      u.userName.startsWith('demo-Dev-'),
    )!.userName;
    expect(await groupsOf('ci')).toEqual(['builders']);
    expect(await groupsOf(dev)).toEqual(['builders']);
    expect((await store.listAttachedUserPolicies(ACCOUNT, 'ci')).items.map((p) => p.policyName)).toEqual([
      'shared',
    ]);
    expect(
      (await store.listAttachedGroupPolicies(ACCOUNT, 'builders')).items.map((p) => p.policyName).sort(),
    ).toEqual(['ReadOnlyAccess', 'shared']);
    expect((await apply(renamed)).applied).toBe(false);
  });

  it('refuses LoginProfile by logical id, property and line, and lists AWS::IAM::AccessKey as skipped', async () => {
    const withPassword = `Resources:
  Ci:
    Type: AWS::IAM::User
    Properties:
      UserName: ci
      LoginProfile:
        Password: hunter2hunter2
`;
    const error = await rejection(apply(withPassword));
    expect(error).toBeInstanceOf(TemplateError);
    const issue = (error as unknown as TemplateError).issues[0];
    expect(issue).toMatchObject({
      logicalId: 'Ci',
      path: 'Resources.Ci.Properties.LoginProfile',
      position: { line: 7 },
    });
    expect(issue?.message).toContain('LoginProfile is not supported by credplane');
    expect(error.message).not.toContain('hunter2');
    expect(await userNames()).toEqual([]);

    const withKey = `Resources:
  Ci:
    Type: AWS::IAM::User
    Properties: { UserName: ci }
  CiKey:
    Type: AWS::IAM::AccessKey
    Properties: { UserName: !Ref Ci }
Outputs:
  Secret: { Value: !GetAtt CiKey.SecretAccessKey }
`;
    const result = await apply(withKey);
    expect(result.text).toContain(
      '  skip AWS::IAM::AccessKey CiKey (access keys are not created from stacks: the secret would land in outputs; use aws iam create-access-key)',
    );
    expect(await store.listAccessKeys(ACCOUNT, 'ci')).toEqual([]);
    expect(result.outputs.find((o) => o.logicalId === 'Secret')?.value).toBe(
      '<known after apply: CiKey.SecretAccessKey>',
    );
  });

  it('checks user and group policy documents before writing anything', async () => {
    const bad = TEAM.replace('Action: s3:GetObject', 'Action: s3GetObject');
    const error = await rejection(apply(bad));
    expect(error).toMatchObject({ code: 'MalformedPolicyDocument', logicalId: 'Ci' });
    expect(error.path).toMatch(/^Resources\.Ci\.Properties\.Policies\[0\]\.PolicyDocument/);
    expect(await userNames()).toEqual([]);
    expect(await groupNames()).toEqual([]);

    const missing = TEAM.replace(READ_ONLY, 'arn:aws:iam::aws:policy/NoSuchPolicyAnywhere');
    const refused = await rejection(apply(missing));
    expect(refused).toMatchObject({ code: 'NoSuchEntity', logicalId: 'Deployers' });
    expect(refused.path).toBe('Resources.Deployers.Properties.ManagedPolicyArns[0]');
    expect(await userNames()).toEqual([]);
  });
});

describe('stack users: names compare without case, as IAM compares them', () => {
  it('settles when the template spells a user or group name in another case', async () => {
    const text = `Resources:
  Deployers:
    Type: AWS::IAM::Group
    Properties: { GroupName: deployers }
  Ci:
    Type: AWS::IAM::User
    Properties: { UserName: ci, Groups: [DEPLOYERS] }
    DependsOn: Deployers
  Dev:
    Type: AWS::IAM::User
    Properties: { UserName: dev }
  AddDev:
    Type: AWS::IAM::UserToGroupAddition
    Properties: { GroupName: Deployers, Users: [DEV] }
    DependsOn: [Deployers, Dev]
  Shared:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: '2012-10-17'
        Statement: [{ Effect: Allow, Action: sqs:SendMessage, Resource: '*' }]
      Users: [CI]
      Groups: [DeployerS]
    DependsOn: [Ci, Deployers]
  Inline:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: put-metrics
      PolicyDocument:
        Version: '2012-10-17'
        Statement: [{ Effect: Allow, Action: cloudwatch:PutMetricData, Resource: '*' }]
      Users: [Dev]
    DependsOn: Dev
`;
    expect((await apply(text)).applied).toBe(true);
    expect(await groupsOf('ci')).toEqual(['deployers']);
    expect(await groupsOf('dev')).toEqual(['deployers']);
    const again = await apply(text);
    expect(again.text).toContain('No changes.');
  });
});

describe('stack users: ownership', () => {
  it('cannot take over, change or delete a user or group made outside the stack', async () => {
    await store.createUser(ACCOUNT, { userName: 'ci' });
    await store.createGroup(ACCOUNT, { groupName: 'deployers', path: '/teams/' });
    const error = await rejection(apply(TEAM));
    expect(error).toMatchObject({ code: 'EntityAlreadyExists' });
    expect(error.message).toMatch(/group deployers already exists|user ci already exists/);
    expect(await userNames()).toEqual(['ci']);
    expect((await store.listAttachedGroupPolicies(ACCOUNT, 'deployers')).items).toEqual([]);

    // A tag claiming the stack, written by anyone allowed iam:TagUser, does not make the user the
    // stack's: the stack neither adopts it nor deletes it.
    await store.tagUser(ACCOUNT, 'ci', [
      { key: 'credplane:stack', value: 'demo' },
      { key: 'credplane:logical-id', value: 'Ci' },
    ]);
    const again = await rejection(apply(TEAM.replace('GroupName: deployers', 'GroupName: builders')));
    expect(again).toMatchObject({ code: 'EntityAlreadyExists' });
    expect(again.message).toContain('user ci already exists and is not managed by this stack');
    await apply(`Resources:
  Other:
    Type: AWS::IAM::Group
    Properties: { GroupName: other }
`);
    await deleteStack(store, { accountId: ACCOUNT, region: REGION, stackName: 'demo' });
    expect(await userNames()).toEqual(['ci']);
    expect(await groupNames()).toEqual(['deployers']);
  });

  it('a user deleted outside the stack and made again by someone else is not the stack’s', async () => {
    await apply(`Resources:
  Ci:
    Type: AWS::IAM::User
    Properties: { UserName: ci }
`);
    await store.deleteUser(ACCOUNT, 'ci');
    const impostor = await store.createUser(ACCOUNT, { userName: 'ci' });
    const error = await rejection(
      apply(`Resources:
  Ci:
    Type: AWS::IAM::User
    Properties: { UserName: ci, ManagedPolicyArns: [${ADMIN_POLICY}] }
`),
    );
    expect(error).toMatchObject({ code: 'EntityAlreadyExists' });
    await deleteStack(store, { accountId: ACCOUNT, region: REGION, stackName: 'demo' });
    expect((await store.getUser(ACCOUNT, 'ci')).userId).toBe(impostor.userId);
    expect((await store.listAttachedUserPolicies(ACCOUNT, 'ci')).items).toEqual([]);
  });

  it('adds a user made outside the stack to a stack group; deleting the stack removes the membership, never the user', async () => {
    const admin = await store.createUser(ACCOUNT, { userName: 'admin' });
    await store.attachUserPolicy(ACCOUNT, 'admin', READ_ONLY);
    await store.createGroup(ACCOUNT, { groupName: 'auditors' });
    const text = `Resources:
  Admins:
    Type: AWS::IAM::Group
    Properties:
      GroupName: admins
      ManagedPolicyArns: [${ADMIN_POLICY}]
  AddAdmin:
    Type: AWS::IAM::UserToGroupAddition
    Properties: { GroupName: !Ref Admins, Users: [admin] }
  AddToAuditors:
    Type: AWS::IAM::UserToGroupAddition
    Properties: { GroupName: auditors, Users: [admin] }
`;
    await apply(text);
    expect(await groupsOf('admin')).toEqual(['admins', 'auditors']);
    expect((await apply(text)).applied).toBe(false);

    // Dropping one addition removes only that membership.
    await apply(text.slice(0, text.indexOf('  AddToAuditors:')));
    expect(await groupsOf('admin')).toEqual(['admins']);
    expect(await groupNames()).toEqual(['admins', 'auditors']);

    await deleteStack(store, { accountId: ACCOUNT, region: REGION, stackName: 'demo' });
    const after = await store.getUser(ACCOUNT, 'admin');
    expect(after.userId).toBe(admin.userId);
    expect(await groupsOf('admin')).toEqual([]);
    expect((await store.listAttachedUserPolicies(ACCOUNT, 'admin')).items.map((p) => p.policyArn)).toEqual([
      READ_ONLY,
    ]);
    expect(await groupNames()).toEqual(['auditors']);
  });

  it('puts AWS::IAM::Policy on a user outside the stack and takes off only its own policy', async () => {
    await store.createUser(ACCOUNT, { userName: 'bob' });
    const doc = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sqs:ReceiveMessage', Resource: '*' }],
    });
    await store.putUserPolicy(ACCOUNT, 'bob', 'hand-made', doc);
    const text = (users: string) => `Resources:
  Metrics:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: put-metrics
      PolicyDocument:
        Version: '2012-10-17'
        Statement: [{ Effect: Allow, Action: cloudwatch:PutMetricData, Resource: '*' }]
      Users: [${users}]
  Carol:
    Type: AWS::IAM::User
    Properties: { UserName: carol }
`;
    await apply(text('bob'));
    const names = async (user: string) =>
      ((await h.client.send(new ListUserPoliciesCommand({ UserName: user }))).PolicyNames ?? []).sort();
    expect(await names('bob')).toEqual(['hand-made', 'put-metrics']);
    expect((await apply(text('bob'))).applied).toBe(false);

    await apply(text('!Ref Carol'));
    expect(await names('bob')).toEqual(['hand-made']);
    expect(await names('carol')).toEqual(['put-metrics']);

    await deleteStack(store, { accountId: ACCOUNT, region: REGION, stackName: 'demo' });
    expect(await names('bob')).toEqual(['hand-made']);
    expect(await userNames()).toEqual(['bob']);

    // An inline policy of the same name already on a user outside the stack is not taken over
    // (overwritten now, deleted with the stack later).
    const takeover = await rejection(apply(text('bob').replace('put-metrics', 'hand-made')));
    expect(takeover).toMatchObject({ code: 'EntityAlreadyExists', logicalId: 'Metrics' });
    expect(takeover.message).toContain('user bob already has an inline policy hand-made');
    expect(JSON.parse((await store.getUserPolicy(ACCOUNT, 'bob', 'hand-made')).document)).toEqual(
      JSON.parse(doc),
    );
    expect(await userNames()).toEqual(['bob']);
  });

  it('moves an inline policy from a stack user to an AWS::IAM::Policy without losing it', async () => {
    const own = `Resources:
  Ci:
    Type: AWS::IAM::User
    Properties:
      UserName: ci
      Policies:
        - PolicyName: p
          PolicyDocument:
            Version: '2012-10-17'
            Statement: [{ Effect: Allow, Action: sqs:SendMessage, Resource: '*' }]
`;
    await apply(own);
    const moved = `Resources:
  Ci:
    Type: AWS::IAM::User
    Properties: { UserName: ci }
  P:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: p
      PolicyDocument:
        Version: '2012-10-17'
        Statement: [{ Effect: Allow, Action: sqs:SendMessage, Resource: '*' }]
      Users: [ci]
`;
    await apply(moved);
    expect((await store.listUserPolicies(ACCOUNT, 'ci')).items.map((p) => p.policyName)).toEqual(['p']);
    expect((await apply(moved)).applied).toBe(false);
    await apply(own);
    expect((await store.listUserPolicies(ACCOUNT, 'ci')).items.map((p) => p.policyName)).toEqual(['p']);
    expect((await apply(own)).applied).toBe(false);
  });

  it('stops with DeleteConflict, writing nothing, when a stack user has an access key made outside it', async () => {
    await apply(`Resources:
  Ci:
    Type: AWS::IAM::User
    Properties: { UserName: ci, ManagedPolicyArns: [${READ_ONLY}] }
`);
    await store.createAccessKey({
      accessKeyId: 'AKIAEXAMPLEEXAMPLE01',
      accountId: ACCOUNT,
      userName: 'ci',
      sealedSecret: new Uint8Array([1, 2, 3]),
    });
    const error = await rejection(
      deleteStack(store, { accountId: ACCOUNT, region: REGION, stackName: 'demo' }),
    );
    expect(error).toMatchObject({ code: 'DeleteConflict', logicalId: 'Ci' });
    expect(error.message).toContain('must delete access keys first');
    expect((await store.listAttachedUserPolicies(ACCOUNT, 'ci')).items).toHaveLength(1);
  });
});

describe('stack users: trust policies naming them', () => {
  const trusting = (arn: string) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: arn }, Action: 'sts:AssumeRole' }],
    });

  it('a role in the same stack may trust a stack user; removing the user leaves the trust on its unique id', async () => {
    const text = (withUser: boolean) => `Resources:
${
  withUser
    ? `  Ci:
    Type: AWS::IAM::User
    Properties: { UserName: ci }
`
    : ''
}  Other:
    Type: AWS::IAM::Group
    Properties: { GroupName: other }
`;
    await apply(text(true));
    const ci = await store.getUser(ACCOUNT, 'ci');
    await store.createRole(ACCOUNT, { roleName: 'deploy', assumeRolePolicyDocument: trusting(ci.arn) });
    await apply(text(false));
    expect(await userNames()).toEqual([]);
    const role = await h.client.send(new GetRoleCommand({ RoleName: 'deploy' }));
    const trust = decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? '');
    expect(trust).toContain(ci.userId);
    expect(trust).not.toContain('user/ci');

    // A new user of the same name is not trusted.
    await apply(text(true));
    const again = decodeURIComponent(
      (await h.client.send(new GetRoleCommand({ RoleName: 'deploy' }))).Role?.AssumeRolePolicyDocument ?? '',
    );
    expect(again).not.toContain('user/ci');
  });

  it('a new UserName replaces the user (trust on the old id); a new Path moves it (trust follows)', async () => {
    const text = (name: string, path: string) => `Resources:
  Ci:
    Type: AWS::IAM::User
    Properties: { UserName: ${name}, Path: ${path} }
  Deploy:
    Type: AWS::IAM::Role
    Properties:
      RoleName: deploy
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement: [{ Effect: Allow, Principal: { AWS: !GetAtt Ci.Arn }, Action: sts:AssumeRole }]
`;
    await apply(text('ci', '/'));
    const first = await store.getUser(ACCOUNT, 'ci');
    await store.createRole(ACCOUNT, { roleName: 'outside', assumeRolePolicyDocument: trusting(first.arn) });

    const moved = await apply(text('ci', '/build/'));
    expect(moved.text).toContain('~ update user Ci: path');
    expect((await store.getUser(ACCOUNT, 'ci')).userId).toBe(first.userId);
    expect((await store.getRole(ACCOUNT, 'outside')).assumeRolePolicyDocument).toContain(
      `arn:aws:iam::${ACCOUNT}:user/build/ci`,
    );
    expect((await store.getRole(ACCOUNT, 'deploy')).assumeRolePolicyDocument).toContain(
      `arn:aws:iam::${ACCOUNT}:user/build/ci`,
    );

    const renamed = await apply(text('ci2', '/build/'));
    expect(renamed.text).toContain('- delete user Ci');
    expect(renamed.text).toContain('+ create user Ci');
    expect(await userNames()).toEqual(['ci2']);
    const outside = (await store.getRole(ACCOUNT, 'outside')).assumeRolePolicyDocument;
    expect(outside).toContain(first.userId);
    expect(outside).not.toContain('user/build/ci"');
    expect((await store.getRole(ACCOUNT, 'deploy')).assumeRolePolicyDocument).toContain(
      `arn:aws:iam::${ACCOUNT}:user/build/ci2`,
    );
  });
});

describe('examples/users-stack.yaml', () => {
  it('applies, is settled on a second apply, and its role trusts the CI user by ARN until the user goes', async () => {
    const text = readFileSync(new URL('../../examples/users-stack.yaml', import.meta.url), 'utf8');
    const first = await apply(text, { stackName: 'team' });
    expect(first.text).toContain('Plan: 5 to create, 0 to update, 0 to delete, 0 unchanged.');
    const outputs = Object.fromEntries(first.outputs.map((o) => [o.logicalId, o.value]));
    expect(outputs['CiUserArn']).toBe(`arn:aws:iam::${ACCOUNT}:user/automation/team-ci`);
    expect(outputs['DeployersArn']).toBe(`arn:aws:iam::${ACCOUNT}:group/teams/team-deployers`);
    const dev = outputs['DevUserName'] ?? '';
    expect(dev).toMatch(/^team-DevUser-[A-Z0-9]{13}$/);
    expect(await groupsOf('team-ci')).toEqual(['team-deployers']);
    expect(await groupsOf(dev)).toEqual(['team-deployers']);
    expect((await apply(text, { stackName: 'team' })).applied).toBe(false);

    const ci = await store.getUser(ACCOUNT, 'team-ci');
    await deleteStack(store, { accountId: ACCOUNT, region: REGION, stackName: 'team' });
    expect(await userNames()).toEqual([]);
    expect(await groupNames()).toEqual([]);
    expect(ci.userId).toMatch(/^AIDA/);
  });
});

describe('on PostgreSQL (one transaction, the ledger in the same store)', () => {
  const PG_URL = process.env.CREDPLANE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `credplane_stack_users_${process.pid}_${randomBytes(4).toString('hex')}`;
  let admin: pg.Client;
  let pgStore: Store;
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    pgStore = await openPostgresStore({ url: PG_URL, schema });
    await pgStore.createAccount({ accountId: ACCOUNT });
  });
  afterAll(async () => {
    await pgStore.close();
    await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.end();
  });

  it('applies, settles, rolls back a DeleteConflict, and deletes with the trust bound to the unique id', async () => {
    const target = { accountId: ACCOUNT, region: REGION, stackName: 'demo' };
    expect((await applyTemplate(pgStore, TEAM, target)).applied).toBe(true);
    expect((await applyTemplate(pgStore, TEAM, target)).applied).toBe(false);
    const ci = await pgStore.getUser(ACCOUNT, 'ci');
    await pgStore.createRole(ACCOUNT, {
      roleName: 'deploy',
      assumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: ci.arn }, Action: 'sts:AssumeRole' }],
      }),
    });
    await pgStore.createAccessKey({
      accessKeyId: 'AKIAEXAMPLEEXAMPLE02',
      accountId: ACCOUNT,
      userName: 'ci',
      sealedSecret: new Uint8Array([1]),
    });
    await expect(deleteStack(pgStore, target)).rejects.toMatchObject({
      code: 'DeleteConflict',
      logicalId: 'Ci',
    });
    expect((await pgStore.listGroupsForUser(ACCOUNT, 'ci')).items.map((g) => g.groupName)).toEqual([
      'deployers',
    ]);
    expect((await pgStore.listUserPolicies(ACCOUNT, 'ci')).items).toHaveLength(1);

    await pgStore.deleteAccessKey('AKIAEXAMPLEEXAMPLE02');
    await deleteStack(pgStore, target);
    expect((await pgStore.listUsers(ACCOUNT)).items).toEqual([]);
    expect((await pgStore.listGroups(ACCOUNT)).items).toEqual([]);
    const trust = (await pgStore.getRole(ACCOUNT, 'deploy')).assumeRolePolicyDocument;
    expect(trust).toContain(ci.userId);
    expect(trust).not.toContain('user/ci');
    expect(await pgStore.getAccountSetting(ACCOUNT, `${LEDGER_SETTING_PREFIX}demo`)).toBeUndefined();
  });
});
