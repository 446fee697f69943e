/**
 * Attack: a thief holding a user's access key (the case MFA is for) guesses the 6-digit TokenCode
 * of the user's device through GetSessionToken. Each guess matches one of three steps' codes, so
 * unbounded guessing finds a valid code within about 333,000 requests. Guesses must be bounded:
 * after a few wrong codes the device accepts no code, not even the right one, for a while. Only
 * the device's own user can run the counter up (another caller's attempt with the serial is
 * refused before the code is looked at), so nobody else can lock a user out.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { totpCode, totpStep } from '../../src/crypto/totp.js';
import { MFA_FAILURES_BEFORE_LOCK, MFA_LOCK_MS } from '../../src/control/mfa-attempts.js';
import {
  createTestPlane,
  type Credentials,
  type TestPlane,
  xmlValue,
} from '../../src/server/test-support/plane.js';

const IAM = { Version: '2010-05-08' };
const STS = { Version: '2011-06-15' };

function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of text) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

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

async function userWithKey(name: string): Promise<Credentials> {
  await admin({ Action: 'CreateUser', UserName: name });
  const key = await admin({ Action: 'CreateAccessKey', UserName: name });
  return { accessKeyId: xmlValue(key, 'AccessKeyId')!, secretAccessKey: xmlValue(key, 'SecretAccessKey')! };
}

async function devWithMfa() {
  const dev = await userWithKey('dev');
  const created = await admin({ Action: 'CreateVirtualMFADevice', VirtualMFADeviceName: 'dev' });
  const serial = xmlValue(created, 'SerialNumber')!;
  const seed = base32Decode(Buffer.from(xmlValue(created, 'Base32StringSeed')!, 'base64').toString('ascii'));
  const code = (offset = 0) => totpCode(seed, totpStep(plane.clock.now) + offset);
  await admin({
    Action: 'EnableMFADevice',
    UserName: 'dev',
    SerialNumber: serial,
    AuthenticationCode1: code(-1),
    AuthenticationCode2: code(),
  });
  plane.clock.now += 30_000;
  /** A code that is none of the three accepted steps' codes. */
  const wrong = () => {
    const valid = new Set([code(-1), code(), code(1)]);
    for (let n = 0; ; n++) {
      const guess = String(n).padStart(6, '0');
      if (!valid.has(guess)) return guess;
    }
  };
  return { dev, serial, code, wrong };
}

const getSessionToken = (who: Credentials, serial: string, tokenCode: string) =>
  plane.call('sts', who, { ...STS, Action: 'GetSessionToken', SerialNumber: serial, TokenCode: tokenCode });

describe('TokenCode guessing', () => {
  it('locks the device after a few wrong codes, then accepts codes again', async () => {
    const { dev, serial, code, wrong } = await devWithMfa();
    for (let i = 0; i < MFA_FAILURES_BEFORE_LOCK; i++) {
      expect((await getSessionToken(dev, serial, wrong())).status).toBe(403);
    }
    // The right code is refused too while the device is locked: otherwise guessing goes on.
    const locked = await getSessionToken(dev, serial, code());
    expect(locked.status, locked.text).toBe(403);
    // AssumeRole checks the same device's codes: no second guessing channel.
    await admin({
      Action: 'CreateRole',
      RoleName: 'ops',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::123456789012:user/dev' },
            Action: 'sts:AssumeRole',
          },
        ],
      }),
    });
    const viaRole = await plane.call('sts', dev, {
      ...STS,
      Action: 'AssumeRole',
      RoleArn: 'arn:aws:iam::123456789012:role/ops',
      RoleSessionName: 'ops-session',
      SerialNumber: serial,
      TokenCode: code(1),
    });
    expect(viaRole.status, viaRole.text).toBe(403);
    expect(viaRole.text).toContain('invalid MFA one time pass code');

    plane.clock.now += MFA_LOCK_MS + 1000;
    const after = await getSessionToken(dev, serial, code());
    expect(after.status, after.text).toBe(200);
  });

  it('is not locked by another user trying codes with its serial number', async () => {
    const { dev, serial, code, wrong } = await devWithMfa();
    const eve = await userWithKey('eve');
    for (let i = 0; i < MFA_FAILURES_BEFORE_LOCK + 2; i++) {
      expect((await getSessionToken(eve, serial, wrong())).status).toBe(403);
    }
    const ok = await getSessionToken(dev, serial, code());
    expect(ok.status, ok.text).toBe(200);
  });

  it('forgets wrong codes once a right one is accepted', async () => {
    const { dev, serial, code, wrong } = await devWithMfa();
    for (let i = 0; i < MFA_FAILURES_BEFORE_LOCK - 1; i++) {
      expect((await getSessionToken(dev, serial, wrong())).status).toBe(403);
    }
    expect((await getSessionToken(dev, serial, code())).status).toBe(200);
    plane.clock.now += 30_000;
    expect((await getSessionToken(dev, serial, wrong())).status).toBe(403);
    expect((await getSessionToken(dev, serial, code())).status).toBe(200);
  });
});
