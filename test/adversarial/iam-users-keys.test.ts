/**
 * Property: an IAM user gets no more than its policies give it. A user allowed to manage its own
 * keys only (`${aws:username}`) reaches no other user's keys, whatever spelling of another name it
 * sends; the two-key quota holds under concurrent CreateAccessKey; a boundary bounds its groups'
 * policies and its own boundary calls; a deleted and recreated user inherits neither the sessions
 * nor the role trust of the one before it (IAM turns a user ARN in a trust policy into the user's
 * unique id, IAM User Guide, "Principals": "If you delete the user, the ARN no longer matches").
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  createTestPlane,
  credentialsOf,
  type Credentials,
  type TestPlane,
  xmlValue,
} from '../../src/server/test-support/plane.js';

const IAM = { Version: '2010-05-08' };
const STS = { Version: '2011-06-15' };
const errorCode = (text: string) => /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
const SELF_KEYS = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['iam:CreateAccessKey', 'iam:ListAccessKeys', 'iam:UpdateAccessKey', 'iam:DeleteAccessKey'],
      Resource: `arn:aws:iam::${ACCOUNT}:user/\${aws:username}`,
    },
  ],
});

let plane: TestPlane;

/** A trust policy letting `principal` (`user/NAME` or `role/NAME` of this account) assume the role. */
function trustOf(principal: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:${principal}` },
        Action: 'sts:AssumeRole',
      },
    ],
  });
}

beforeEach(async () => {
  plane = await createTestPlane();
});
afterEach(async () => {
  await plane.close();
});

async function admin(params: Record<string, string>): Promise<string> {
  const res = await plane.call('iam', plane.admin, { ...IAM, ...params });
  expect(res.status, res.text).toBe(200);
  return res.text;
}

async function userWithKey(userName: string, policy?: string): Promise<Credentials> {
  await admin({ Action: 'CreateUser', UserName: userName });
  if (policy !== undefined) {
    await admin({ Action: 'PutUserPolicy', UserName: userName, PolicyName: 'p', PolicyDocument: policy });
  }
  const text = await admin({ Action: 'CreateAccessKey', UserName: userName });
  return { accessKeyId: xmlValue(text, 'AccessKeyId')!, secretAccessKey: xmlValue(text, 'SecretAccessKey')! };
}

describe('a user allowed its own keys only', () => {
  it('creates, lists and deletes no key of another user under any spelling of its name', async () => {
    await userWithKey('alice');
    const bob = await userWithKey('bob', SELF_KEYS);
    for (const name of ['alice', 'ALICE', 'Alice', 'alice ', ' alice', 'alice\u0000', 'аlice', '/alice']) {
      for (const action of ['CreateAccessKey', 'ListAccessKeys']) {
        const res = await plane.call('iam', bob, { ...IAM, Action: action, UserName: name });
        expect(res.status, `${action} ${JSON.stringify(name)}: ${res.text}`).not.toBe(200);
        expect(res.text).not.toContain('<SecretAccessKey>');
      }
    }
    expect((await plane.store.listAccessKeys(ACCOUNT, 'alice')).length).toBe(1);
    // Its own name in another case is itself: allowed, as IAM names compare without case.
    const own = await plane.call('iam', bob, { ...IAM, Action: 'CreateAccessKey', UserName: 'BOB' });
    expect(own.status, own.text).toBe(200);
    expect(xmlValue(own.text, 'UserName')).toBe('bob');
  });

  it('holds two keys at most, even when it asks for more at once', async () => {
    const bob = await userWithKey('bob', SELF_KEYS);
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        plane.call('iam', bob, { ...IAM, Action: 'CreateAccessKey', UserName: i % 2 === 0 ? 'bob' : 'BOB' }),
      ),
    );
    expect(answers.filter((a) => a.status === 200).length).toBe(1);
    for (const a of answers.filter((x) => x.status !== 200)) expect(errorCode(a.text)).toBe('LimitExceeded');
    expect((await plane.store.listAccessKeys(ACCOUNT, 'bob')).length).toBe(2);
  });

  it('cannot use a key it deactivated or deleted, on the very next request', async () => {
    const bob = await userWithKey('bob', SELF_KEYS);
    const created = (await plane.call('iam', bob, { ...IAM, Action: 'CreateAccessKey' })).text;
    const second = {
      accessKeyId: xmlValue(created, 'AccessKeyId')!,
      secretAccessKey: xmlValue(created, 'SecretAccessKey')!,
    };
    const deactivate = await plane.call('iam', bob, {
      ...IAM,
      Action: 'UpdateAccessKey',
      AccessKeyId: second.accessKeyId,
      Status: 'Inactive',
    });
    expect(deactivate.status, deactivate.text).toBe(200);
    expect(errorCode((await plane.call('sts', second, { ...STS, Action: 'GetCallerIdentity' })).text)).toBe(
      'InvalidClientTokenId',
    );
    await plane.call('iam', bob, { ...IAM, Action: 'DeleteAccessKey', AccessKeyId: bob.accessKeyId });
    expect(errorCode((await plane.call('sts', bob, { ...STS, Action: 'GetCallerIdentity' })).text)).toBe(
      'InvalidClientTokenId',
    );
  });
});

describe('a user with a permissions boundary', () => {
  it('cannot remove or replace its own boundary when the boundary does not allow it', async () => {
    await admin({
      Action: 'CreatePolicy',
      PolicyName: 'read-only',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'iam:Get*', Resource: '*' }],
      }),
    });
    const boundary = `arn:aws:iam::${ACCOUNT}:policy/read-only`;
    const bob = await userWithKey(
      'bob',
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
    );
    await admin({ Action: 'PutUserPermissionsBoundary', UserName: 'bob', PermissionsBoundary: boundary });
    const attempts: Record<string, string>[] = [
      { Action: 'DeleteUserPermissionsBoundary', UserName: 'BOB' },
      {
        Action: 'PutUserPermissionsBoundary',
        UserName: 'bob',
        PermissionsBoundary: 'arn:aws:iam::aws:policy/AdministratorAccess',
      },
      {
        Action: 'AttachUserPolicy',
        UserName: 'bob',
        PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
      },
    ];
    for (const params of attempts) {
      const res = await plane.call('iam', bob, { ...IAM, ...params });
      expect(errorCode(res.text), res.text).toBe('AccessDenied');
    }
    // Its groups' policies stay inside the boundary too.
    await admin({ Action: 'CreateGroup', GroupName: 'admins' });
    await admin({
      Action: 'AttachGroupPolicy',
      GroupName: 'admins',
      PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
    });
    await admin({ Action: 'AddUserToGroup', GroupName: 'admins', UserName: 'bob' });
    const list = await plane.call('iam', bob, { ...IAM, Action: 'ListUsers' });
    expect(errorCode(list.text)).toBe('AccessDenied');
  });
});

describe('a user deleted and recreated under the same name', () => {
  async function deleteUser(userName: string, keyId: string): Promise<void> {
    await admin({ Action: 'DeleteAccessKey', UserName: userName, AccessKeyId: keyId });
    await admin({ Action: 'DeleteUserPolicy', UserName: userName, PolicyName: 'p' });
    await admin({ Action: 'DeleteUser', UserName: userName });
  }

  it('does not revive a session (GetSessionToken) of the user before it', async () => {
    const bob = await userWithKey('bob', SELF_KEYS);
    const session = credentialsOf((await plane.call('sts', bob, { ...STS, Action: 'GetSessionToken' })).text);
    // A session cannot open another session, as STS refuses.
    const nested = await plane.call('sts', session, { ...STS, Action: 'GetSessionToken' });
    expect(errorCode(nested.text)).toBe('AccessDenied');
    await deleteUser('bob', bob.accessKeyId);
    await admin({ Action: 'CreateUser', UserName: 'Bob' });
    const res = await plane.call('sts', session, { ...STS, Action: 'GetCallerIdentity' });
    expect(errorCode(res.text)).toBe('InvalidClientTokenId');
  });

  // IAM binds the user ARN in a trust policy to the user's unique id when it stores the policy; after
  // the user is deleted the policy names that unique id, which no new user carries.
  it('is not trusted by a role whose trust policy named the user before it', async () => {
    const bob = await userWithKey('bob', SELF_KEYS);
    await admin({
      Action: 'CreateRole',
      RoleName: 'bob-only',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/bob` },
            Action: 'sts:AssumeRole',
          },
        ],
      }),
    });
    const assume = {
      ...STS,
      Action: 'AssumeRole',
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/bob-only`,
      RoleSessionName: 'session',
    };
    const first = await plane.call('sts', bob, assume);
    expect(first.status, first.text).toBe(200);
    await deleteUser('bob', bob.accessKeyId);
    // Someone allowed to create users, but not trusted by the role, makes a new `bob`.
    const newBob = await userWithKey('bob');
    const res = await plane.call('sts', newBob, assume);
    expect(errorCode(res.text), res.text).toBe('AccessDenied');
  });

  it('shows the unique id of the deleted user in GetRole, and the new user cannot be put back by name', async () => {
    const bob = await userWithKey('bob', SELF_KEYS);
    const bobId = xmlValue(await admin({ Action: 'GetUser', UserName: 'bob' }), 'UserId')!;
    expect(bobId).toMatch(/^AIDA/);
    await admin({
      Action: 'CreateRole',
      RoleName: 'bob-only',
      AssumeRolePolicyDocument: trustOf(`user/bob`),
    });
    const before = decodeURIComponent(
      xmlValue(await admin({ Action: 'GetRole', RoleName: 'bob-only' }), 'AssumeRolePolicyDocument')!,
    );
    expect(before).toContain(`arn:aws:iam::${ACCOUNT}:user/bob`);
    await deleteUser('bob', bob.accessKeyId);
    const after = decodeURIComponent(
      xmlValue(await admin({ Action: 'GetRole', RoleName: 'bob-only' }), 'AssumeRolePolicyDocument')!,
    );
    expect(after).toContain(bobId);
    expect(after).not.toContain(`user/bob`);
    // A trust policy naming a user that does not exist is refused, as IAM refuses it.
    const missing = await plane.call('iam', plane.admin, {
      ...IAM,
      Action: 'UpdateAssumeRolePolicy',
      RoleName: 'bob-only',
      PolicyDocument: trustOf('user/bob'),
    });
    expect(errorCode(missing.text), missing.text).toBe('MalformedPolicyDocument');
    expect(missing.text).toContain(
      `Invalid principal in policy: &quot;AWS&quot;:&quot;arn:aws:iam::${ACCOUNT}:user/bob&quot;`,
    );
  });

  it('follows a renamed user, and a new user given the old name is not trusted', async () => {
    const bob = await userWithKey('bob');
    await admin({
      Action: 'CreateRole',
      RoleName: 'bob-only',
      AssumeRolePolicyDocument: trustOf('user/bob'),
    });
    await admin({ Action: 'UpdateUser', UserName: 'bob', NewUserName: 'robert' });
    const newBob = await userWithKey('bob');
    const assume = {
      ...STS,
      Action: 'AssumeRole',
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/bob-only`,
      RoleSessionName: 'session',
    };
    const refused = await plane.call('sts', newBob, assume);
    expect(errorCode(refused.text), refused.text).toBe('AccessDenied');
    const renamed = await plane.call('sts', bob, assume);
    expect(renamed.status, renamed.text).toBe(200);
  });
});

describe('a role deleted and recreated under the same name', () => {
  it('is not trusted by a role whose trust policy named the role before it', async () => {
    const dave = await userWithKey('dave');
    await admin({ Action: 'CreateRole', RoleName: 'hop', AssumeRolePolicyDocument: trustOf('user/dave') });
    await admin({ Action: 'CreateRole', RoleName: 'target', AssumeRolePolicyDocument: trustOf('role/hop') });
    const hopId = xmlValue(await admin({ Action: 'GetRole', RoleName: 'hop' }), 'RoleId')!;
    const toHop = {
      ...STS,
      Action: 'AssumeRole',
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/hop`,
      RoleSessionName: 'session',
    };
    const toTarget = {
      ...STS,
      Action: 'AssumeRole',
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/target`,
      RoleSessionName: 'session',
    };
    const hop = await plane.call('sts', dave, toHop);
    expect(hop.status, hop.text).toBe(200);
    const first = credentialsOf(hop.text);
    expect((await plane.call('sts', first, toTarget)).status).toBe(200);
    await admin({ Action: 'DeleteRole', RoleName: 'hop' });
    const shown = decodeURIComponent(
      xmlValue(await admin({ Action: 'GetRole', RoleName: 'target' }), 'AssumeRolePolicyDocument')!,
    );
    expect(shown).toContain(hopId);
    await admin({ Action: 'CreateRole', RoleName: 'hop', AssumeRolePolicyDocument: trustOf('user/dave') });
    const second = credentialsOf((await plane.call('sts', dave, toHop)).text);
    const res = await plane.call('sts', second, toTarget);
    expect(errorCode(res.text), res.text).toBe('AccessDenied');
  });
});

describe('a key deactivated while an older reload of the keys is still running', () => {
  it('stays refused: the older reload does not put the active key back', async () => {
    const bob = await userWithKey('bob', SELF_KEYS);
    await admin({ Action: 'CreateUser', UserName: 'carol' });
    expect((await plane.call('sts', bob, { ...STS, Action: 'GetCallerIdentity' })).status).toBe(200);
    // The next key reload reads the store now but answers late (a slow query, a busy pool).
    const store = plane.store;
    const original = store.listAccessKeys.bind(store);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held = false;
    let heldNow!: () => void;
    const reading = new Promise<void>((resolve) => (heldNow = resolve));
    store.listAccessKeys = async (...args: Parameters<typeof original>) => {
      const read = await original(...args);
      if (!held) {
        held = true;
        heldNow();
        await gate;
      }
      return read;
    };
    // An unrelated key change starts that reload; the deactivation starts a newer one.
    await admin({ Action: 'CreateAccessKey', UserName: 'carol' });
    await reading;
    await store.updateAccessKeyStatus(bob.accessKeyId, 'Inactive');
    await plane.snapshot.ready();
    release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const res = await plane.call('sts', bob, { ...STS, Action: 'GetCallerIdentity' });
    expect(errorCode(res.text), res.text).toBe('InvalidClientTokenId');
  });
});
