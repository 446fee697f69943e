/**
 * MFA end to end through the real handler: a user enables a virtual device with codes computed
 * from the seed IAM returned; GetSessionToken and AssumeRole with `SerialNumber`/`TokenCode`
 * give sessions whose context has `aws:MultiFactorAuthPresent` and `aws:MultiFactorAuthAge`, so
 * a policy that requires MFA is satisfied by them only. Wrong and replayed codes are refused
 * with STS's message.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  createTestPlane,
  credentialsOf,
  type Credentials,
  type TestPlane,
} from '../server/test-support/plane.js';
import { adminIam, userWithMfa } from '../server/test-support/mfa.js';

const IAM = { Version: '2010-05-08' };
const STS = { Version: '2011-06-15' };
const errorCode = (text: string) => /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
const errorMessage = (text: string) => /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
// STS's words, as the AWS CLI and SDKs report them (aws/aws-cli#2279, #6325; aws-vault#676).
const INVALID = 'MultiFactorAuthentication failed with invalid MFA one time pass code.';
const UNKNOWN_DEVICE =
  'MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.';
const MISSING =
  'MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.';

let plane: TestPlane;
beforeEach(async () => {
  plane = await createTestPlane();
});
afterEach(async () => {
  await plane.close();
});

const admin = (params: Record<string, string>) => adminIam(plane, params);

/** The user `dev` with a key and an enabled virtual device; the clock then moves a step on. */
async function devWithMfa() {
  const device = await userWithMfa(plane, 'dev');
  return { dev: device.credentials, ...device };
}

const requireMfa = (action: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: action,
        Resource: '*',
        Condition: {
          Bool: { 'aws:MultiFactorAuthPresent': 'true' },
          NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' },
        },
      },
    ],
  });

describe('GetSessionToken with MFA', () => {
  it('gives a session that satisfies an MFA condition, unlike the key and a session without MFA', async () => {
    const { dev, serial, code } = await devWithMfa();
    await admin({
      Action: 'PutUserPolicy',
      UserName: 'dev',
      PolicyName: 'mfa',
      PolicyDocument: requireMfa('iam:ListRoles'),
    });

    expect(errorCode((await plane.call('iam', dev, { ...IAM, Action: 'ListRoles' })).text)).toBe(
      'AccessDenied',
    );
    const plain = await plane.call('sts', dev, { ...STS, Action: 'GetSessionToken' });
    expect(plain.status).toBe(200);
    expect(
      errorCode((await plane.call('iam', credentialsOf(plain.text), { ...IAM, Action: 'ListRoles' })).text),
    ).toBe('AccessDenied');

    const withMfa = await plane.call('sts', dev, {
      ...STS,
      Action: 'GetSessionToken',
      SerialNumber: serial,
      TokenCode: code(),
    });
    expect(withMfa.status, withMfa.text).toBe(200);
    const session = credentialsOf(withMfa.text);
    expect((await plane.call('iam', session, { ...IAM, Action: 'ListRoles' })).status).toBe(200);
    // aws:MultiFactorAuthAge grows: two hours later the same session no longer qualifies.
    plane.clock.now += 2 * 3600_000;
    expect(errorCode((await plane.call('iam', session, { ...IAM, Action: 'ListRoles' })).text)).toBe(
      'AccessDenied',
    );
  });

  it('refuses a wrong, a replayed and another user’s code with STS’s message', async () => {
    const { dev, serial, code } = await devWithMfa();
    const get = (params: Record<string, string>, who: Credentials = dev) =>
      plane.call('sts', who, { ...STS, Action: 'GetSessionToken', ...params });
    const wrong = await get({ SerialNumber: serial, TokenCode: code(-3) });
    expect(wrong.status).toBe(403);
    expect(errorCode(wrong.text)).toBe('AccessDenied');
    expect(errorMessage(wrong.text)).toBe(INVALID);
    const good = code();
    expect((await get({ SerialNumber: serial, TokenCode: good })).status).toBe(200);
    expect(errorMessage((await get({ SerialNumber: serial, TokenCode: good })).text)).toBe(INVALID);
    // The admin cannot use dev's device: to the admin it is no device of theirs, as a device that
    // does not exist and a user's ARN given for the device's are.
    plane.clock.now += 30_000;
    for (const [serialNumber, who] of [
      [serial, plane.admin],
      [`arn:aws:iam::${ACCOUNT}:mfa/none`, dev],
      [`arn:aws:iam::${ACCOUNT}:user/dev`, dev],
    ] as const) {
      const refused = await get({ SerialNumber: serialNumber, TokenCode: code() }, who);
      expect(refused.status).toBe(403);
      expect(errorCode(refused.text)).toBe('AccessDenied');
      expect(errorMessage(refused.text)).toBe(UNKNOWN_DEVICE);
    }
    // None of that used dev's code.
    expect((await get({ SerialNumber: serial, TokenCode: code() })).status).toBe(200);
    for (const one of [{ SerialNumber: serial }, { TokenCode: code(1) }] as Record<string, string>[]) {
      const refused = await get(one);
      expect(refused.status).toBe(403);
      expect(errorCode(refused.text)).toBe('AccessDenied');
      expect(errorMessage(refused.text)).toBe(MISSING);
    }
    expect(errorCode((await get({ SerialNumber: serial, TokenCode: '12ab56' })).text)).toBe(
      'ValidationError',
    );
  });
});

describe('AssumeRole with MFA', () => {
  it('satisfies a trust policy that requires MFA, and the role session carries it', async () => {
    const { dev, serial, code } = await devWithMfa();
    await admin({
      Action: 'PutUserPolicy',
      UserName: 'dev',
      PolicyName: 'assume',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }],
      }),
    });
    await admin({
      Action: 'CreateRole',
      RoleName: 'ops',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
            Action: 'sts:AssumeRole',
            Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
          },
        ],
      }),
    });
    await admin({
      Action: 'PutRolePolicy',
      RoleName: 'ops',
      PolicyName: 'mfa',
      PolicyDocument: requireMfa('iam:ListRoles'),
    });
    const assume = (extra: Record<string, string> = {}) =>
      plane.call('sts', dev, {
        ...STS,
        Action: 'AssumeRole',
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/ops`,
        RoleSessionName: 'ops-session',
        ...extra,
      });
    expect(errorCode((await assume()).text)).toBe('AccessDenied');
    expect(errorMessage((await assume({ SerialNumber: serial, TokenCode: code(2) })).text)).toBe(INVALID);
    expect(errorMessage((await assume({ SerialNumber: serial })).text)).toBe(MISSING);
    expect(
      errorMessage(
        (await assume({ SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/other`, TokenCode: code() })).text,
      ),
    ).toBe(UNKNOWN_DEVICE);
    const ok = await assume({ SerialNumber: serial, TokenCode: code() });
    expect(ok.status, ok.text).toBe(200);
    expect((await plane.call('iam', credentialsOf(ok.text), { ...IAM, Action: 'ListRoles' })).status).toBe(
      200,
    );
  });
});

describe('MFA codes after ResyncMFADevice, and its lockout', () => {
  it('accepts the drifted device’s codes after a resync, once each, and not the server’s', async () => {
    const { dev, serial, code } = await devWithMfa();
    const get = (tokenCode: string) =>
      plane.call('sts', dev, {
        ...STS,
        Action: 'GetSessionToken',
        SerialNumber: serial,
        TokenCode: tokenCode,
      });
    // The device's clock runs 3 steps ahead.
    expect(errorMessage((await get(code(3))).text)).toBe(INVALID);
    await admin({
      Action: 'ResyncMFADevice',
      UserName: 'dev',
      SerialNumber: serial,
      AuthenticationCode1: code(2),
      AuthenticationCode2: code(3),
    });
    expect(errorMessage((await get(code(3))).text)).toBe(INVALID);
    plane.clock.now += 30_000;
    expect(errorMessage((await get(code(0))).text)).toBe(INVALID);
    const ok = await get(code(3));
    expect(ok.status, ok.text).toBe(200);
    expect(errorMessage((await get(code(3))).text)).toBe(INVALID);
  });

  it('counts wrong resync codes toward the lockout that STS’s MFA checks honour', async () => {
    const { dev, serial, code } = await devWithMfa();
    for (let i = 0; i < 5; i++) {
      const res = await plane.call('iam', plane.admin, {
        ...IAM,
        Action: 'ResyncMFADevice',
        UserName: 'dev',
        SerialNumber: serial,
        AuthenticationCode1: '123456',
        AuthenticationCode2: '654321',
      });
      expect(res.status).toBe(403);
      expect(errorCode(res.text)).toBe('InvalidAuthenticationCode');
    }
    const get = () =>
      plane.call('sts', dev, { ...STS, Action: 'GetSessionToken', SerialNumber: serial, TokenCode: code() });
    expect(errorMessage((await get()).text)).toBe(INVALID);
    plane.clock.now += 15 * 60_000;
    expect((await get()).status).toBe(200);
  });
});
