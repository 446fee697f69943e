/**
 * Attack: a thief holding a user's access key (the case MFA is for) guesses the 6-digit TokenCode
 * of the user's device through GetSessionToken. Each guess matches one of three steps' codes, so
 * unbounded guessing finds a valid code within about 333,000 requests. Guesses must be bounded:
 * after a few wrong codes the device accepts no code, not even the right one, for a while. Only
 * the device's own user can run the counter up (another caller's attempt with the serial is
 * refused before the code is looked at), so nobody else can lock a user out.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MFA_FAILURES_BEFORE_LOCK, MFA_LOCK_MS } from '../../src/control/mfa-attempts.js';
import { createTestPlane, type Credentials, type TestPlane } from '../../src/server/test-support/plane.js';
import { adminIam, userWithKey as newUserWithKey, userWithMfa } from '../../src/server/test-support/mfa.js';

const STS = { Version: '2011-06-15' };

let plane: TestPlane;
beforeEach(async () => {
  plane = await createTestPlane();
});
afterEach(async () => {
  await plane.close();
});

const admin = (params: Record<string, string>) => adminIam(plane, params);
const userWithKey = (name: string) => newUserWithKey(plane, name);
async function devWithMfa() {
  const device = await userWithMfa(plane, 'dev');
  return { dev: device.credentials, ...device };
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
