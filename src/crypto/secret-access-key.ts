/**
 * Secret access keys of temporary credentials are derived, not stored: `base64(HMAC-SHA256(k,
 * label ‖ accessKeyId))` cut to 30 bytes (40 base64 characters, AWS's length), where `k` is the
 * derivation subkey of the ring key that sealed the session token. Any replica holding the ring
 * recomputes the secret from the access key id and the token's key id alone.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { RingKeySecrets } from './key-ring.js';

const LABEL = 'credplane/v1/secret-access-key\0';
const SECRET_BYTES = 30;

/** 40 characters of standard base64, like AWS's secret access keys. */
export const SECRET_ACCESS_KEY_PATTERN = /^[A-Za-z0-9+/]{40}$/;

/** The secret that belongs to `accessKeyId` under ring key `key`. */
export function deriveSecretAccessKey(accessKeyId: string, key: RingKeySecrets): string {
  return createHmac('sha256', key.secretKey)
    .update(LABEL + accessKeyId)
    .digest()
    .subarray(0, SECRET_BYTES)
    .toString('base64');
}

/** A random secret of the same shape, for long-term keys. */
export function randomSecretAccessKey(): string {
  return randomBytes(SECRET_BYTES).toString('base64');
}
