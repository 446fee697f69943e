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
  if (expected.length > SCRATCH_SIZE || actual.length > SCRATCH_SIZE) {
    const a = Buffer.from(expected, 'latin1');
    const b = Buffer.from(actual, 'latin1');
    return a.length === b.length ? crypto.timingSafeEqual(a, b) : !crypto.timingSafeEqual(a, a);
  }
  // Reused scratch buffers: verification is synchronous, so nothing else writes them meanwhile.
  scratchA.write(expected, 0, 'latin1');
  scratchB.write(actual, 0, 'latin1');
  const a = scratchA.subarray(0, expected.length);
  if (expected.length !== actual.length) return !crypto.timingSafeEqual(a, a);
  return crypto.timingSafeEqual(a, scratchB.subarray(0, actual.length));
}

const SCRATCH_SIZE = 128;
const scratchA = Buffer.alloc(SCRATCH_SIZE);
const scratchB = Buffer.alloc(SCRATCH_SIZE);
