/**
 * The master key: 32 bytes that seal the key ring at rest (and, optionally, stored long-term
 * secrets). Where it comes from (env or file) is the server's business (`src/server/master-key.ts`);
 * this library only checks its size.
 */
import { randomBytes } from 'node:crypto';
import { KEY_BYTES } from './aead.js';
import { SealedDataError } from './errors.js';

/** Exactly 32 bytes of key material. */
export type MasterKey = Uint8Array;

/**
 * A fresh random master key.
 *
 * @example
 * const masterKey = generateMasterKey();
 * const blob = exportKeyRing(ring, masterKey);
 */
export function generateMasterKey(): MasterKey {
  return randomBytes(KEY_BYTES);
}

/** Throws unless `key` is 32 bytes; the message names the size, never the bytes. */
export function assertMasterKey(key: Uint8Array): asserts key is MasterKey {
  if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES) {
    const size = key instanceof Uint8Array ? `${key.length} bytes` : 'not a byte array';
    throw new SealedDataError(`The master key must be exactly ${KEY_BYTES} bytes (got ${size})`);
  }
}
