/**
 * AES-256-GCM with a random 96-bit nonce and a 128-bit tag: the one sealing primitive every
 * blob in this library uses. Failures return `undefined` so that each caller throws the error
 * its own boundary calls for (and no `node:crypto` message, which might describe the input,
 * escapes).
 */
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { pooledRandomBytes } from './random.js';

export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const KEY_BYTES = 32;

/** `nonce ‖ ciphertext ‖ tag` of `plaintext` under `key`, authenticating `aad` too. */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const nonce = pooledRandomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  const final = cipher.final();
  return Buffer.concat([nonce, body, final, cipher.getAuthTag()]);
}

/** The plaintext of `sealed` (`nonce ‖ ciphertext ‖ tag`), or `undefined` when it is not authentic. */
export function open(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Buffer | undefined {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) return undefined;
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const body = sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const plaintext = decipher.update(body);
    return Buffer.concat([plaintext, decipher.final()]);
  } catch {
    return undefined;
  }
}

/**
 * A 32-byte subkey of `ikm` for one purpose. One root key never serves two algorithms or two
 * kinds of blob directly: HKDF-SHA256 with a purpose label separates them.
 */
export function subkey(ikm: Uint8Array, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), label, KEY_BYTES));
}
