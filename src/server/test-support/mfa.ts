/**
 * Test helpers for IAM users with keys and virtual MFA devices on a `TestPlane`, shared by the
 * MFA tests beside the code and the attacker tests in `test/adversarial/`.
 */
import { expect } from 'vitest';
import { totpCode, totpStep } from '../../crypto/totp.js';
import { type Credentials, type TestPlane, xmlValue } from './plane.js';

const IAM = { Version: '2010-05-08' };

/** RFC 4648 base32, decoded here independently of the code under test (`crypto/totp.ts`). */
export function base32Decode(text: string): Buffer {
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

/** The seed of a `CreateVirtualMFADevice` answer (its `Base32StringSeed` is base64 of the base32 text). */
export function seedOfCreateAnswer(xml: string): Buffer {
  return base32Decode(Buffer.from(xmlValue(xml, 'Base32StringSeed')!, 'base64').toString('ascii'));
}

/** An IAM call as the plane's admin that must succeed; its XML answer. */
export async function adminIam(plane: TestPlane, params: Record<string, string>): Promise<string> {
  const res = await plane.call('iam', plane.admin, { ...IAM, ...params });
  expect(res.status, res.text).toBe(200);
  return res.text;
}

/** A new IAM user `name` (no policies) and its access key. */
export async function userWithKey(plane: TestPlane, name: string): Promise<Credentials> {
  await adminIam(plane, { Action: 'CreateUser', UserName: name });
  const key = await adminIam(plane, { Action: 'CreateAccessKey', UserName: name });
  return { accessKeyId: xmlValue(key, 'AccessKeyId')!, secretAccessKey: xmlValue(key, 'SecretAccessKey')! };
}

export interface UserWithMfa {
  credentials: Credentials;
  serial: string;
  /** The device's code for the plane's current step plus `offset`. */
  code: (offset?: number) => string;
  /** A code that is none of the three accepted steps' codes. */
  wrong: () => string;
}

/**
 * A new user `name` with a key and an enabled virtual device of the same name (enabled with two
 * consecutive codes); the plane's clock then moves one step on, so the enabling codes are past.
 */
export async function userWithMfa(plane: TestPlane, name: string): Promise<UserWithMfa> {
  const credentials = await userWithKey(plane, name);
  const created = await adminIam(plane, { Action: 'CreateVirtualMFADevice', VirtualMFADeviceName: name });
  const serial = xmlValue(created, 'SerialNumber')!;
  const seed = seedOfCreateAnswer(created);
  const code = (offset = 0) => totpCode(seed, totpStep(plane.clock.now) + offset);
  await adminIam(plane, {
    Action: 'EnableMFADevice',
    UserName: name,
    SerialNumber: serial,
    AuthenticationCode1: code(-1),
    AuthenticationCode2: code(),
  });
  plane.clock.now += 30_000;
  const wrong = () => {
    const valid = new Set([code(-1), code(), code(1)]);
    for (let n = 0; ; n++) {
      const guess = String(n).padStart(6, '0');
      if (!valid.has(guess)) return guess;
    }
  };
  return { credentials, serial, code, wrong };
}
