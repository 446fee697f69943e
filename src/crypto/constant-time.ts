/**
 * Comparing secrets without leaking, through timing, where they first differ or how long the
 * expected one is.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether two secret strings are equal, in time independent of their contents. Both sides are
 * hashed first, so unequal lengths take the same path as equal ones.
 *
 * @example
 * if (!constantTimeEqual(presentedSignature, expectedSignature)) throw new SignatureDoesNotMatch();
 */
export function constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}
