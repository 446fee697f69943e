/**
 * IAM users as callers, end to end through the real handler: a user's key authenticates as the
 * user (its ARN, its `AIDA…` id), its policies are its own and its groups' within its boundary,
 * inactive and deleted keys stop at once, users assume roles that trust them, last use is noted
 * without a write per request, and the access log names them `IAMUser`. The admin is the first user.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessEventInput } from '../store/store.js';
import {
  ACCOUNT,
  createTestPlane,
  credentialsOf,
  type Credentials,
  type TestPlane,
  xmlValue,
} from '../server/test-support/plane.js';
import { legacyUserId } from './legacy-user-id.js';

const IAM = { Version: '2010-05-08' };
const STS = { Version: '2011-06-15' };
const errorCode = (text: string) => /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
const allow = (...actions: string[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });

let plane: TestPlane;
let events: AccessEventInput[];

beforeEach(async () => {
  events = [];
  plane = await createTestPlane({
    accessLog: {
      commit: (event) => {
        events.push(event);
        return Promise.resolve(true);
      },
    },
  });
});
afterEach(async () => {
  await plane.close();
});

async function admin(params: Record<string, string>): Promise<string> {
  const res = await plane.call('iam', plane.admin, { ...IAM, ...params });
  expect(res.status, res.text).toBe(200);
  return res.text;
}

/** A user with a key, made through the IAM API as an operator would. */
async function userWithKey(userName: string): Promise<Credentials> {
  await admin({ Action: 'CreateUser', UserName: userName });
  const text = await admin({ Action: 'CreateAccessKey', UserName: userName });
  return { accessKeyId: xmlValue(text, 'AccessKeyId')!, secretAccessKey: xmlValue(text, 'SecretAccessKey')! };
}

describe('the admin', () => {
  it('is a stored user with AdministratorAccess, with a new unique id', async () => {
    const user = await plane.store.getUser(ACCOUNT, 'credplane-admin');
    // A fresh directory's admin is a new user (the derived id is for upgraded ones, admin.test.ts).
    expect(user.userId).toMatch(/^AIDA[A-Z0-9]{17}$/);
    expect(user.userId).not.toBe(legacyUserId(ACCOUNT, 'credplane-admin'));
    expect((await plane.store.listAttachedUserPolicies(ACCOUNT, 'credplane-admin')).items).toEqual([
      { policyName: 'AdministratorAccess', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
    ]);
    const me = await plane.call('sts', plane.admin, { ...STS, Action: 'GetCallerIdentity' });
    expect(xmlValue(me.text, 'UserId')).toBe(user.userId);
    expect(xmlValue(me.text, 'Arn')).toBe(`arn:aws:iam::${ACCOUNT}:user/credplane-admin`);
  });
});

describe('a user’s access key', () => {
  it('authenticates as the user, with its own and its groups’ policies, within its boundary', async () => {
    const dev = await userWithKey('dev');
    const stored = await plane.store.getUser(ACCOUNT, 'dev');
    const me = await plane.call('sts', dev, { ...STS, Action: 'GetCallerIdentity' });
    expect(me.status).toBe(200);
    expect(xmlValue(me.text, 'Arn')).toBe(`arn:aws:iam::${ACCOUNT}:user/dev`);
    expect(xmlValue(me.text, 'UserId')).toBe(stored.userId);

    // No policy: nothing allowed.
    const denied = await plane.call('iam', dev, { ...IAM, Action: 'ListRoles' });
    expect(errorCode(denied.text)).toBe('AccessDenied');
    expect(denied.text).toContain(
      `User: arn:aws:iam::${ACCOUNT}:user/dev is not authorized to perform: iam:ListRoles`,
    );

    // A group's inline policy reaches its member at once.
    await admin({ Action: 'CreateGroup', GroupName: 'readers' });
    await admin({
      Action: 'PutGroupPolicy',
      GroupName: 'readers',
      PolicyName: 'p',
      PolicyDocument: allow('iam:ListRoles', 'iam:GetUser'),
    });
    await admin({ Action: 'AddUserToGroup', GroupName: 'readers', UserName: 'dev' });
    expect((await plane.call('iam', dev, { ...IAM, Action: 'ListRoles' })).status).toBe(200);
    const self = await plane.call('iam', dev, { ...IAM, Action: 'GetUser' });
    expect(xmlValue(self.text, 'UserName')).toBe('dev');

    // A boundary that does not grant ListRoles takes it away; removing it gives it back.
    await admin({
      Action: 'CreatePolicy',
      PolicyName: 'only-get-user',
      PolicyDocument: allow('iam:GetUser'),
    });
    const boundary = `arn:aws:iam::${ACCOUNT}:policy/only-get-user`;
    await admin({ Action: 'PutUserPermissionsBoundary', UserName: 'dev', PermissionsBoundary: boundary });
    expect(errorCode((await plane.call('iam', dev, { ...IAM, Action: 'ListRoles' })).text)).toBe(
      'AccessDenied',
    );
    expect((await plane.call('iam', dev, { ...IAM, Action: 'GetUser' })).status).toBe(200);
    await admin({ Action: 'DeleteUserPermissionsBoundary', UserName: 'dev' });

    // Leaving the group takes the group's policy away; a user policy and an attached one grant.
    await admin({ Action: 'RemoveUserFromGroup', GroupName: 'readers', UserName: 'dev' });
    expect(errorCode((await plane.call('iam', dev, { ...IAM, Action: 'ListRoles' })).text)).toBe(
      'AccessDenied',
    );
    await admin({
      Action: 'AttachUserPolicy',
      UserName: 'dev',
      PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess',
    });
    expect((await plane.call('iam', dev, { ...IAM, Action: 'ListRoles' })).status).toBe(200);
  });

  it('stops at once when deactivated or deleted, and works again when reactivated', async () => {
    const dev = await userWithKey('dev');
    const identity = () => plane.call('sts', dev, { ...STS, Action: 'GetCallerIdentity' });
    expect((await identity()).status).toBe(200);
    await admin({
      Action: 'UpdateAccessKey',
      UserName: 'dev',
      AccessKeyId: dev.accessKeyId,
      Status: 'Inactive',
    });
    expect(errorCode((await identity()).text)).toBe('InvalidClientTokenId');
    await admin({
      Action: 'UpdateAccessKey',
      UserName: 'dev',
      AccessKeyId: dev.accessKeyId,
      Status: 'Active',
    });
    expect((await identity()).status).toBe(200);

    // A session of the user (GetSessionToken) ends with the user.
    const session = credentialsOf((await plane.call('sts', dev, { ...STS, Action: 'GetSessionToken' })).text);
    expect((await plane.call('sts', session, { ...STS, Action: 'GetCallerIdentity' })).status).toBe(200);
    await admin({ Action: 'DeleteAccessKey', UserName: 'dev', AccessKeyId: dev.accessKeyId });
    expect(errorCode((await identity()).text)).toBe('InvalidClientTokenId');
    await admin({ Action: 'DeleteUser', UserName: 'dev' });
    const ended = await plane.call('sts', session, { ...STS, Action: 'GetCallerIdentity' });
    expect(errorCode(ended.text)).toBe('InvalidClientTokenId');
    // A new user of the same name is another user: the old session stays refused.
    await admin({ Action: 'CreateUser', UserName: 'dev' });
    expect(errorCode((await plane.call('sts', session, { ...STS, Action: 'GetCallerIdentity' })).text)).toBe(
      'InvalidClientTokenId',
    );
  });

  it('assumes a role whose trust policy names the user', async () => {
    const dev = await userWithKey('dev');
    await admin({
      Action: 'CreateRole',
      RoleName: 'deployer',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/dev` },
            Action: 'sts:AssumeRole',
          },
        ],
      }),
    });
    const assume = {
      ...STS,
      Action: 'AssumeRole',
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/deployer`,
      RoleSessionName: 'me',
    };
    // Same account, and the trust policy names the user itself: no identity policy is needed (IAM
    // User Guide, cross-account vs same-account role trust).
    const assumed = await plane.call('sts', dev, assume);
    expect(assumed.status, assumed.text).toBe(200);
    const session = credentialsOf(assumed.text);
    const me = await plane.call('sts', session, { ...STS, Action: 'GetCallerIdentity' });
    expect(xmlValue(me.text, 'Arn')).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/deployer/me`);
    // Another user is not trusted.
    const other = await userWithKey('other');
    await admin({
      Action: 'PutUserPolicy',
      UserName: 'other',
      PolicyName: 'assume',
      PolicyDocument: allow('sts:AssumeRole'),
    });
    expect(errorCode((await plane.call('sts', other, assume)).text)).toBe('AccessDenied');
  });

  it('reports its last use without writing per request, and is logged as IAMUser', async () => {
    const dev = await userWithKey('dev');
    const before = await plane.store.generation();
    await plane.call('sts', dev, { ...STS, Action: 'GetCallerIdentity' });
    await plane.call('iam', dev, { ...IAM, Action: 'ListRoles' });
    // Nothing written for the uses: no change event, no generation step, nothing stored yet.
    expect(await plane.store.generation()).toBe(before);
    expect((await plane.store.getAccessKey(dev.accessKeyId)).lastUsed).toBeUndefined();
    const last = await admin({ Action: 'GetAccessKeyLastUsed', AccessKeyId: dev.accessKeyId });
    expect(xmlValue(last, 'ServiceName')).toBe('iam');
    expect(xmlValue(last, 'Region')).toBe('us-east-1');
    expect(xmlValue(last, 'LastUsedDate')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const logged = events.find((e) => e.eventName === 'ListRoles');
    const identity = (logged?.record as { userIdentity?: Record<string, unknown> }).userIdentity;
    expect(identity).toMatchObject({
      type: 'IAMUser',
      arn: `arn:aws:iam::${ACCOUNT}:user/dev`,
      principalId: (await plane.store.getUser(ACCOUNT, 'dev')).userId,
      accessKeyId: dev.accessKeyId,
      userName: 'dev',
    });
    // The secret CreateAccessKey answered with is not in the log.
    expect(JSON.stringify(events)).not.toContain(dev.secretAccessKey);
  });
});

describe('the last-use recorder', () => {
  it('writes the latest noted use per key when stopped', async () => {
    const dev = await userWithKey('dev');
    await plane.call('sts', dev, { ...STS, Action: 'GetCallerIdentity' });
    const store = plane.store;
    const { AccessKeyUseRecorder } = await import('./access-key-use.js');
    const recorder = new AccessKeyUseRecorder({ store });
    recorder.note(dev.accessKeyId, 's3', 'eu-west-1', new Date('2030-01-01T00:00:00Z'));
    recorder.note(dev.accessKeyId, 'ec2', 'eu-west-1', new Date('2029-01-01T00:00:00Z'));
    await recorder.stop();
    expect((await store.getAccessKey(dev.accessKeyId)).lastUsed).toEqual({
      date: new Date('2030-01-01T00:00:00Z'),
      serviceName: 's3',
      region: 'eu-west-1',
    });
  });
});

describe('with the real SDK clients', () => {
  beforeEach(async () => {
    // The in-process SDK reads no developer ~/.aws and never reaches instance metadata.
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'credplane-users-auth-'));
    writeFileSync(join(dir, 'config'), '');
    writeFileSync(join(dir, 'credentials'), '');
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
  });

  it('signs as a user with the JS SDK: GetUser of itself, GetAccessKeyInfo of its key', async () => {
    const { listen } = await import('../http/server.js');
    const { IAMClient, GetUserCommand } = await import('@aws-sdk/client-iam');
    const { STSClient, GetAccessKeyInfoCommand } = await import('@aws-sdk/client-sts');
    const dev = await userWithKey('dev');
    await admin({
      Action: 'PutUserPolicy',
      UserName: 'dev',
      PolicyName: 'p',
      PolicyDocument: allow('iam:GetUser'),
    });
    const server = await listen({ handler: plane.handler }, 0);
    const config = { endpoint: server.url, region: 'us-east-1', credentials: dev, maxAttempts: 1 };
    const iam = new IAMClient(config);
    const sts = new STSClient(config);
    try {
      plane.clock.now = Date.now();
      const me = await iam.send(new GetUserCommand({}));
      expect(me.User?.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/dev`);
      // Not allowed sts:GetAccessKeyInfo yet.
      await expect(
        sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: plane.admin.accessKeyId })),
      ).rejects.toThrow(/not authorized to perform: sts:GetAccessKeyInfo/);
      await admin({
        Action: 'PutUserPolicy',
        UserName: 'dev',
        PolicyName: 'p',
        PolicyDocument: allow('iam:GetUser', 'sts:GetAccessKeyInfo'),
      });
      const info = await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: plane.admin.accessKeyId }));
      expect(info.Account).toBe(ACCOUNT);
      await expect(
        sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: 'AKIAUNKNOWNUNKNOWN00' })),
      ).rejects.toThrow(/not one credplane issued/);
    } finally {
      iam.destroy();
      sts.destroy();
      await server.close();
    }
  });
});
