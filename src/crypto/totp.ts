/**
 * Time-based one-time passwords as virtual MFA devices compute them (RFC 6238 over RFC 4226):
 * HMAC-SHA-1, 30-second steps from the Unix epoch, 6 decimal digits. The seed is the device's
 * random secret; IAM hands it to the user as base32 text (`Base32StringSeed`), which
 * authenticator apps decode back to these bytes.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { constantTimeEqual } from './constant-time.js';

/** RFC 6238's default time step, the one IAM's virtual devices use. */
export const TOTP_STEP_SECONDS = 30;
const DIGITS = 6;
/** 40 bytes: 64 base32 characters, the length of the seeds IAM issues. */
export const TOTP_SEED_BYTES = 40;

/** A fresh random seed. */
export function generateTotpSeed(): Buffer {
  return randomBytes(TOTP_SEED_BYTES);
}

/** The time step `at` (milliseconds since the epoch) falls in. */
export function totpStep(at: number): number {
  return Math.floor(at / 1000 / TOTP_STEP_SECONDS);
}

/**
 * The 6-digit code of `step` (RFC 4226 section 5.3, dynamic truncation).
 *
 * @example
 * totpCode(Buffer.from('12345678901234567890'), totpStep(59_000)); // '287082'
 */
export function totpCode(seed: Uint8Array, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', seed).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** DIGITS).padStart(DIGITS, '0');
}

/**
 * The step within `window` steps of the device's step at `now` whose code is `code`, or
 * `undefined`. The device's step is the server's shifted by `driftSteps`, the clock drift learnt
 * for the device (RFC 6238 section 6: "the validator can validate the OTP with the current
 * timestamp adjusted with the recorded number of time-step clock drifts for the token"). Every
 * candidate is computed and compared in constant time, so the time taken says nothing about which
 * step (if any) matched. Steps at or before `usedStep` never match: a code once accepted cannot
 * be replayed, even within its window.
 */
export function matchTotpStep(
  seed: Uint8Array,
  code: string,
  now: number,
  options: { window?: number; usedStep?: number; driftSteps?: number } = {},
): number | undefined {
  const window = options.window ?? 1;
  const current = totpStep(now) + (options.driftSteps ?? 0);
  let matched: number | undefined;
  for (let step = current - window; step <= current + window; step++) {
    const equal = constantTimeEqual(totpCode(seed, step), code);
    if (equal && matched === undefined && (options.usedStep === undefined || step > options.usedStep)) {
      matched = step;
    }
  }
  return matched;
}

/**
 * The step of `code2` when `code1` and `code2` are the codes of two consecutive steps, `code2`'s
 * within `window` steps of the device's step at `now` (as in `matchTotpStep`); otherwise
 * `undefined`. Every pair in the window is compared in constant time. Steps at or before
 * `usedStep` never match (for `code2`; `code1`'s step is one earlier and so is spent with it).
 */
export function matchConsecutiveTotpSteps(
  seed: Uint8Array,
  code1: string,
  code2: string,
  now: number,
  options: { window?: number; usedStep?: number; driftSteps?: number } = {},
): number | undefined {
  const window = options.window ?? 1;
  const current = totpStep(now) + (options.driftSteps ?? 0);
  let matched: number | undefined;
  let previous = constantTimeEqual(totpCode(seed, current - window - 1), code1);
  for (let step = current - window; step <= current + window; step++) {
    const code = totpCode(seed, step);
    const second = constantTimeEqual(code, code2);
    if (
      previous &&
      second &&
      matched === undefined &&
      (options.usedStep === undefined || step > options.usedStep)
    ) {
      matched = step;
    }
    previous = constantTimeEqual(code, code1);
  }
  return matched;
}
