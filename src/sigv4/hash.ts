/** One-shot SHA-256 and HMAC helpers; `crypto.hash` (Node ≥ 20.12) avoids a Hash object per call. */
import crypto from 'node:crypto';

type OneShot = (algorithm: string, data: string | Uint8Array, encoding: 'hex' | 'base64') => string;
const oneShot = (crypto as unknown as { hash?: OneShot }).hash;

/** Hex SHA-256 of the empty payload. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** @example sha256Hex('') // => 'e3b0c442...' */
export function sha256Hex(data: string | Uint8Array): string {
  if (oneShot !== undefined) return oneShot('sha256', data, 'hex');
  return crypto.createHash('sha256').update(data).digest('hex');
}

export function sha256Base64(data: string): string {
  if (oneShot !== undefined) return oneShot('sha256', data, 'base64');
  return crypto.createHash('sha256').update(data).digest('base64');
}

export function hmac(key: crypto.BinaryLike | crypto.KeyObject, data: string): Buffer {
  return crypto.createHmac('sha256', key).update(data, 'utf8').digest();
}

export function hmacHex(key: crypto.BinaryLike | crypto.KeyObject, data: string): string {
  return crypto.createHmac('sha256', key).update(data, 'utf8').digest('hex');
}

/**
 * Compares two ASCII strings in time independent of where they differ.
 *
 * @example constantTimeEqual('ab', 'ab') // => true
 */
export function constantTimeEqual(expected: string, actual: string): boolean {
  // UTF-8, not latin1: latin1 keeps only the low byte of each character, so a character above
  // U+00FF would compare equal to another one (U+0161 to 'a').
  if (expected.length > SCRATCH_CHARS || actual.length > SCRATCH_CHARS) {
    const a = Buffer.from(expected, 'utf8');
    const b = Buffer.from(actual, 'utf8');
    return a.length === b.length ? crypto.timingSafeEqual(a, b) : !crypto.timingSafeEqual(a, a);
  }
  // Reused scratch buffers: verification is synchronous, so nothing else writes them meanwhile.
  const a = scratchA.subarray(0, scratchA.write(expected, 0, 'utf8'));
  const b = scratchB.subarray(0, scratchB.write(actual, 0, 'utf8'));
  if (a.length !== b.length) return !crypto.timingSafeEqual(a, a);
  return crypto.timingSafeEqual(a, b);
}

/** Strings up to this many characters use the scratch buffers (3 UTF-8 bytes a character at most). */
const SCRATCH_CHARS = 128;
const SCRATCH_SIZE = SCRATCH_CHARS * 3;
const scratchA = Buffer.alloc(SCRATCH_SIZE);
const scratchB = Buffer.alloc(SCRATCH_SIZE);
