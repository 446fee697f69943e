/**
 * Small CSPRNG reads from a pooled buffer. Each `crypto.randomBytes` call costs a few microseconds
 * of fixed overhead whatever its size; the request path needs several tiny reads per credential
 * (access key id, GCM nonce), so they are served from one `randomFillSync` of 4 KiB at a time.
 * The bytes are the same CSPRNG's; each byte is handed out once and the slice is copied, so no two
 * callers share or can observe each other's bytes.
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

/**
 * `size` fresh random bytes (at most 256 per call; larger reads should use `randomBytes`).
 *
 * @example
 * const nonce = pooledRandomBytes(12);
 */
export function pooledRandomBytes(size: number): Buffer {
  if (!Number.isInteger(size) || size < 0 || size > 256)
    throw new RangeError('pooledRandomBytes: size 0..256');
  if (offset + size > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + size));
  // Wipe what was handed out so the pool never holds a copy of a nonce or key id.
  pool.fill(0, offset, offset + size);
  offset += size;
  return out;
}
