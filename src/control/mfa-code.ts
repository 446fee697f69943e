/**
 * Checking a virtual MFA device's one-time code for a user: the device must be enabled for that
 * user, the code must be that of the previous, current or next 30-second step (RFC 6238's
 * recommended one-step drift) of the device's clock (the server's, shifted by the drift
 * `ResyncMFADevice` learnt), and the step must be later than the last one accepted, recorded
 * atomically in the store, so a code works once (RFC 6238 section 5.2: "the verifier MUST NOT
 * accept the second attempt of the OTP after the successful validation has been issued"). Steps
 * are the device's own, so the replay guard holds across a change of drift.
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
 * What checking a code found: `accepted` (and consumed), `invalid-code` (wrong, expired, replayed,
 * or the device is locked), or `not-users-device` (no device of that serial number is enabled for
 * the user: none at all, another user's, another account's). STS words the last two differently
 * (`sts/mfa.ts`); the second tells the caller only that the serial number is not one of their own
 * devices, which says nothing about other users' devices.
 */
export type MfaCodeOutcome = 'accepted' | 'invalid-code' | 'not-users-device';

/**
 * Checks `code` against the device `serialNumber` enabled for `userName` of `accountId`, in the
 * previous, current or next step of the device's clock (the server's shifted by the drift
 * `ResyncMFADevice` learnt); a valid code is consumed. With `attempts`, wrong codes for the
 * user's own device are counted and a device with too many accepts none for a while
 * (`mfa-attempts.ts`); another user naming the device is refused before its code is looked at.
 */
export async function verifyMfaCode(
  store: Store,
  open: SeedOpener,
  input: { accountId: string; userName: string; serialNumber: string; code: string; now: number },
  attempts?: MfaAttempts,
): Promise<MfaCodeOutcome> {
  const device = await store.findMfaDevice(input.serialNumber);
  if (
    device === undefined ||
    device.accountId !== input.accountId ||
    device.userName === undefined ||
    device.userName.toLowerCase() !== input.userName.toLowerCase()
  ) {
    return 'not-users-device';
  }
  if (attempts?.locked(device.serialNumber, input.now) === true) return 'invalid-code';
  const step = matchTotpStep(seedOf(device, open), input.code, input.now, {
    driftSteps: device.driftSteps,
    ...(device.lastUsedStep === undefined ? {} : { usedStep: device.lastUsedStep }),
  });
  const used = step !== undefined && (await store.useMfaStep(device.serialNumber, step));
  if (used) attempts?.succeeded(device.serialNumber);
  else attempts?.failed(device.serialNumber, input.now);
  return used ? 'accepted' : 'invalid-code';
}
