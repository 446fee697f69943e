/**
 * Attack: a thief holding a user's access key, under the self-service policy AWS suggests (a user
 * may resync their own MFA device, without MFA), uses ResyncMFADevice to make the device accept
 * codes it should not: guessing pairs of codes across the wider resync window, replaying codes
 * the user already used, resyncing while the device is locked, or resyncing another user's
 * device. None may move the device's window or give a session; wrong pairs count toward the same
 * lockout as wrong TokenCodes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MFA_FAILURES_BEFORE_LOCK, MFA_LOCK_MS } from '../../src/control/mfa-attempts.js';
import {
  ACCOUNT,
  createTestPlane,
  type Credentials,
  type TestPlane,
} from '../../src/server/test-support/plane.js';
import { adminIam, userWithKey as newUserWithKey, userWithMfa } from '../../src/server/test-support/mfa.js';

const IAM = { Version: '2010-05-08' };
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

/** Lets `name` resync (only) their own devices, as AWS's self-managed MFA example policy does. */
async function selfResync(name: string): Promise<void> {
  await admin({
    Action: 'PutUserPolicy',
    UserName: name,
    PolicyName: 'self-mfa',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'iam:ResyncMFADevice', Resource: 'arn:aws:iam::*:user/${aws:username}' },
      ],
    }),
  });
}

const resync = (who: Credentials, userName: string, serial: string, code1: string, code2: string) =>
  plane.call('iam', who, {
    ...IAM,
    Action: 'ResyncMFADevice',
    UserName: userName,
    SerialNumber: serial,
    AuthenticationCode1: code1,
    AuthenticationCode2: code2,
  });

const getSessionToken = (who: Credentials, serial: string, tokenCode: string) =>
  plane.call('sts', who, { ...STS, Action: 'GetSessionToken', SerialNumber: serial, TokenCode: tokenCode });

const errorCode = (text: string) => /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
const driftOf = async (serial: string) => (await plane.store.findMfaDevice(serial))!.driftSteps;

describe('ResyncMFADevice in a thief’s hands', () => {
  it('guessed pairs across the wide window are refused, move nothing, and lock the device', async () => {
    const { dev, serial, code, wrong } = await devWithMfa();
    await selfResync('dev');
    // Pairs a guesser might try: a wrong code with a right one, right codes not consecutive,
    // consecutive codes outside the window.
    const guesses: [string, string][] = [
      [wrong(), code(6)],
      [code(4), code(6)],
      [code(11), code(12)],
      [code(-12), code(-11)],
      [wrong(), wrong()],
    ];
    expect(guesses).toHaveLength(MFA_FAILURES_BEFORE_LOCK);
    for (const [c1, c2] of guesses) {
      const res = await resync(dev, 'dev', serial, c1, c2);
      expect(res.status, res.text).toBe(403);
      expect(errorCode(res.text)).toBe('InvalidAuthenticationCode');
    }
    expect(await driftOf(serial)).toBe(0);
    // Locked: the right pair does not resync, and the right code gives no session.
    expect(errorCode((await resync(dev, 'dev', serial, code(5), code(6))).text)).toBe(
      'InvalidAuthenticationCode',
    );
    expect(await driftOf(serial)).toBe(0);
    expect((await getSessionToken(dev, serial, code())).status).toBe(403);
    plane.clock.now += MFA_LOCK_MS + 1000;
    const after = await getSessionToken(dev, serial, code());
    expect(after.status, after.text).toBe(200);
  });

  it('codes the user already used cannot resync, before or after a resync', async () => {
    const { dev, serial, code } = await devWithMfa();
    await selfResync('dev');
    // The user resyncs a device 3 steps ahead; the thief saw those two codes.
    const seen: [string, string] = [code(2), code(3)];
    expect((await resync(dev, 'dev', serial, ...seen)).status).toBe(200);
    expect(await driftOf(serial)).toBe(3);
    expect(errorCode((await resync(dev, 'dev', serial, ...seen)).text)).toBe('InvalidAuthenticationCode');
    expect((await getSessionToken(dev, serial, seen[1])).status).toBe(403);
    // Nor, a step later, does the window reach back to them.
    plane.clock.now += 30_000;
    expect((await getSessionToken(dev, serial, seen[1])).status).toBe(403);
    expect((await getSessionToken(dev, serial, code(3))).status).toBe(200);
  });

  it('another user’s device cannot be resynced, nor its lockout run up', async () => {
    const { dev, serial, code } = await devWithMfa();
    const eve = await userWithKey('eve');
    await selfResync('eve');
    for (let i = 0; i < MFA_FAILURES_BEFORE_LOCK + 1; i++) {
      // Under her own name: the device is not hers.
      const own = await resync(eve, 'eve', serial, code(2), code(3));
      expect(own.status).toBe(404);
      expect(errorCode(own.text)).toBe('NoSuchEntity');
      // Under dev's: her policy does not allow it.
      const theirs = await resync(eve, 'dev', serial, code(2), code(3));
      expect(theirs.status).toBe(403);
      expect(errorCode(theirs.text)).toBe('AccessDenied');
    }
    expect(await driftOf(serial)).toBe(0);
    const ok = await getSessionToken(dev, serial, code());
    expect(ok.status, ok.text).toBe(200);
    expect(serial).toBe(`arn:aws:iam::${ACCOUNT}:mfa/dev`);
  });
});
