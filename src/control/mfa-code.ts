/**
 * Checking a virtual MFA device's one-time code for a user: the device must be enabled for that
 * user, the code must be that of the previous, current or next 30-second step (RFC 6238's
 * recommended one-step drift), and the step must be later than the last one accepted, recorded
 * atomically in the store, so a code works once (RFC 6238 section 5.2: "the verifier MUST NOT
 * accept the second attempt of the OTP after the successful validation has been issued").
 */
import { matchTotpStep } from '../crypto/totp.js';
import type { VirtualMfaDevice } from '../iam/types.js';
import type { MfaAttempts } from './mfa-attempts.js';
import type { Store } from '../store/store.js';

/** Opens a device's sealed seed (base64 of the seed bytes, sealed for its serial number). */
export type SeedOpener = (sealed: Uint8Array, serialNumber: string) => string;

export function seedOf(device: VirtualMfaDevice, open: SeedOpener): Buffer {
  return Buffer.from(open(device.sealedSeed, device.serialNumber), 'base64');
}

/**
 * Whether `code` is a fresh, valid code of the device `serialNumber` enabled for `userId`'s user
 * `userName` of `accountId`; a valid code is consumed. Every failure is the same `false`, so a
 * caller learns nothing about which check failed. With `attempts`, wrong codes for the user's own
 * device are counted and a device with too many accepts none for a while (`mfa-attempts.ts`).
 */
export async function checkMfaCode(
  store: Store,
  open: SeedOpener,
  input: { accountId: string; userName: string; serialNumber: string; code: string; now: number },
  attempts?: MfaAttempts,
): Promise<boolean> {
  const device = await store.findMfaDevice(input.serialNumber);
  if (
    device === undefined ||
    device.accountId !== input.accountId ||
    device.userName === undefined ||
    device.userName.toLowerCase() !== input.userName.toLowerCase()
  ) {
    return false;
  }
  if (attempts?.locked(device.serialNumber, input.now) === true) return false;
  const step = matchTotpStep(seedOf(device, open), input.code, input.now, {
    ...(device.lastUsedStep === undefined ? {} : { usedStep: device.lastUsedStep }),
  });
  const used = step !== undefined && (await store.useMfaStep(device.serialNumber, step));
  if (used) attempts?.succeeded(device.serialNumber);
  else attempts?.failed(device.serialNumber, input.now);
  return used;
}
