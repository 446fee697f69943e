/**
 * Attack: a trust policy names `arn:aws:iam::…:user/bob` spelled with JSON escapes (`user\/bob`,
 * `user/\u0062ob`), which every JSON reader, the policy engine included, reads as bob's ARN. Bob
 * is deleted (or renamed), and whoever can create users creates a new `bob`. IAM binds the trust
 * to the old principal's unique id (IAM User Guide, "IAM identifiers" → "Unique identifiers"), so
 * the new bob must not be trusted. The rebinding looked for the ARN in the stored text before
 * parsing it, found no literal match, and left the escaped ARN trusting the new bob.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  createTestPlane,
  type Credentials,
  type TestPlane,
  xmlValue,
} from '../../src/server/test-support/plane.js';

const IAM = { Version: '2010-05-08' };
const STS = { Version: '2011-06-15' };
const errorCode = (text: string) => /<Code>([^<]+)<\/Code>/.exec(text)?.[1];

let plane: TestPlane;
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

async function keyOf(userName: string): Promise<Credentials> {
  const key = await admin({ Action: 'CreateAccessKey', UserName: userName });
  return { accessKeyId: xmlValue(key, 'AccessKeyId')!, secretAccessKey: xmlValue(key, 'SecretAccessKey')! };
}

/** A trust policy whose principal is `escaped`, written as raw JSON text (not JSON.stringify'd). */
const trustText = (escaped: string) =>
  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"${escaped}"},"Action":"sts:AssumeRole"}]}`;

const assume = (who: Credentials, roleName: string) =>
  plane.call('sts', who, {
    ...STS,
    Action: 'AssumeRole',
    RoleArn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
    RoleSessionName: 'attacker',
  });

const SPELLINGS = [
  ['an escaped slash', `arn:aws:iam::${ACCOUNT}:user\\/bob`],
  ['a \\u escape', `arn:aws:iam::${ACCOUNT}:user/\\u0062ob`],
] as const;

describe('a trust policy spelling a user’s ARN with JSON escapes', () => {
  for (const [label, spelled] of SPELLINGS) {
    it(`with ${label}: a new user of a deleted user’s name is not trusted`, async () => {
      await admin({ Action: 'CreateUser', UserName: 'bob' });
      await admin({ Action: 'CreateRole', RoleName: 'ops', AssumeRolePolicyDocument: trustText(spelled) });
      // The escaped ARN is bob's: the old bob is trusted.
      const oldBob = await keyOf('bob');
      expect((await assume(oldBob, 'ops')).status).toBe(200);
      await admin({ Action: 'DeleteAccessKey', UserName: 'bob', AccessKeyId: oldBob.accessKeyId });
      await admin({ Action: 'DeleteUser', UserName: 'bob' });

      await admin({ Action: 'CreateUser', UserName: 'bob' });
      const res = await assume(await keyOf('bob'), 'ops');
      expect(res.status, res.text).toBe(403);
      expect(errorCode(res.text)).toBe('AccessDenied');
      const trust = decodeURIComponent(
        xmlValue(await admin({ Action: 'GetRole', RoleName: 'ops' }), 'AssumeRolePolicyDocument')!,
      );
      expect(JSON.stringify(JSON.parse(trust))).not.toContain('user/bob');
    });

    it(`with ${label}: a new user of a renamed user’s old name is not trusted`, async () => {
      await admin({ Action: 'CreateUser', UserName: 'bob' });
      await admin({ Action: 'CreateRole', RoleName: 'ops', AssumeRolePolicyDocument: trustText(spelled) });
      await admin({ Action: 'UpdateUser', UserName: 'bob', NewUserName: 'robert' });
      // The renamed user is still trusted, under its new ARN.
      expect((await assume(await keyOf('robert'), 'ops')).status).toBe(200);

      await admin({ Action: 'CreateUser', UserName: 'bob' });
      const res = await assume(await keyOf('bob'), 'ops');
      expect(res.status, res.text).toBe(403);
    });
  }

  it('with an escaped role ARN: a new role of a deleted role’s name is not trusted', async () => {
    const roleTrust = trustText(`arn:aws:iam::${ACCOUNT}:role\\/ci`);
    await admin({ Action: 'CreateUser', UserName: 'dev' });
    const dev = await keyOf('dev');
    const devTrust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/dev` }, Action: 'sts:AssumeRole' },
      ],
    });
    await admin({ Action: 'CreateRole', RoleName: 'ci', AssumeRolePolicyDocument: devTrust });
    await admin({ Action: 'CreateRole', RoleName: 'ops', AssumeRolePolicyDocument: roleTrust });
    await admin({ Action: 'DeleteRole', RoleName: 'ci' });
    await admin({ Action: 'CreateRole', RoleName: 'ci', AssumeRolePolicyDocument: devTrust });
    await admin({
      Action: 'PutRolePolicy',
      RoleName: 'ci',
      PolicyName: 'assume',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }],
      }),
    });
    const ci = await assume(dev, 'ci');
    expect(ci.status, ci.text).toBe(200);
    const session: Credentials = {
      accessKeyId: xmlValue(ci.text, 'AccessKeyId')!,
      secretAccessKey: xmlValue(ci.text, 'SecretAccessKey')!,
      sessionToken: xmlValue(ci.text, 'SessionToken')!,
    };
    const res = await assume(session, 'ops');
    expect(res.status, res.text).toBe(403);
  });
});
