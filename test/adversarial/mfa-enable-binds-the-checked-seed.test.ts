/**
 * Attack: EnableMFADevice checks two codes against the device's seed, then claims the device by
 * serial number. Someone allowed to delete and create virtual devices swaps the device in
 * between (DeleteVirtualMFADevice, then CreateVirtualMFADevice with the same name: a seed the
 * attacker knows). The victim user would end up with a device whose seed is the attacker's. The
 * claim must bind the device whose seed was checked, and nothing else.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { totpCode, totpStep } from '../../src/crypto/totp.js';
import { ACCOUNT, createTestPlane, type TestPlane, xmlValue } from '../../src/server/test-support/plane.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { base32Decode } from '../../src/server/test-support/mfa.js';

const IAM = { Version: '2010-05-08' };

let plane: TestPlane;
/** Runs once, between EnableMFADevice's check and its claim. */
let between: ((raw: Store) => Promise<void>) | undefined;

beforeEach(async () => {
  const raw = await openStore(':memory:');
  const store = new Proxy(raw, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'enableMfaDevice' && typeof value === 'function') {
        return async (...args: unknown[]) => {
          const hook = between;
          between = undefined;
          if (hook !== undefined) await hook(target);
          return (value as (...a: unknown[]) => Promise<void>).apply(target, args);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  plane = await createTestPlane({ store });
});
afterEach(async () => {
  between = undefined;
  await plane.close();
});

const iam = (params: Record<string, string>) => plane.call('iam', plane.admin, { ...IAM, ...params });

describe('EnableMFADevice', () => {
  it('does not enable a device swapped in after the codes were checked', async () => {
    expect((await iam({ Action: 'CreateUser', UserName: 'alice' })).status).toBe(200);
    const created = await iam({ Action: 'CreateVirtualMFADevice', VirtualMFADeviceName: 'alice' });
    const serial = xmlValue(created.text, 'SerialNumber')!;
    const seed = base32Decode(
      Buffer.from(xmlValue(created.text, 'Base32StringSeed')!, 'base64').toString('ascii'),
    );
    const code = (offset = 0) => totpCode(seed, totpStep(plane.clock.now) + offset);

    between = async (raw) => {
      await raw.deleteVirtualMfaDevice(ACCOUNT, serial);
      await raw.createVirtualMfaDevice(ACCOUNT, {
        deviceName: 'alice',
        path: '/',
        sealedSeed: new Uint8Array([1, 2, 3, 4]), // the attacker's seed
      });
    };
    const res = await iam({
      Action: 'EnableMFADevice',
      UserName: 'alice',
      SerialNumber: serial,
      AuthenticationCode1: code(-1),
      AuthenticationCode2: code(),
    });
    expect(between).toBeUndefined();
    expect(res.status, res.text).not.toBe(200);
    const device = await plane.store.findMfaDevice(serial);
    expect(device?.userName).toBeUndefined();
  });
});
