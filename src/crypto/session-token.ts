/**
 * The session token: claims sealed with a key-ring key, bound to one access key id.
 *
 * Layout (then standard base64, which is what AWS tokens look like and what SDKs pass through
 * opaquely):
 *
 *     version(1) = 0x01 ‖ key id(4) ‖ nonce(12) ‖ AES-256-GCM(compact JSON claims) ‖ tag(16)
 *
 * The associated data is `version ‖ key id ‖ access key id`, so a token only opens together with
 * the access key id it was issued with, and its header cannot be altered.
 */
import { open, seal } from './aead.js';
import { decodeBase64Strict } from './encoding.js';
import { ExpiredTokenError, InvalidClientTokenIdError } from './errors.js';
import { isTemporaryAccessKeyId } from './ids.js';
import type { TemporaryAccessKeyId } from './ids.js';
import { findRingKey } from './key-ring.js';
import type { KeyId, KeyRing, RingKeySecrets } from './key-ring.js';
import { deriveSecretAccessKey } from './secret-access-key.js';
import { decodeSessionClaims, encodeSessionClaims } from './session-claims.js';
import type { SessionClaims } from './session-claims.js';

export const SESSION_TOKEN_VERSION = 0x01;
const HEADER_BYTES = 5;
const MIN_SEALED_BYTES = HEADER_BYTES + 12 + 2 + 16;

/**
 * The longest token this library issues or opens, in characters. The token travels as one header
 * line (`X-Amz-Security-Token`) or in a presigned URL: Node accepts 16 KiB of headers in all and
 * common proxies 8 KiB per line or URL, so a token stays under 8,000 characters. A typical claim
 * set makes about 630; a 2,048-character session policy with 50 short tags about 6,800. Claims
 * beyond the limit (e.g. 50 tags of 128 + 256 characters) are refused at issue time with
 * `PackedPolicyTooLarge`, as AWS refuses oversized packed policies.
 */
export const MAX_SESSION_TOKEN_LENGTH = 8_000;

/** What an authentic, unexpired token yields for the SigV4 verifier. */
export interface OpenedSession {
  readonly claims: SessionClaims;
  /** The secret the request must have been signed with. */
  readonly secretAccessKey: string;
  /** The ring key that sealed the token (for diagnostics and re-keying). */
  readonly keyId: KeyId;
}

/** The token for already-checked `claims`, sealed with `key` and bound to `accessKeyId`. */
export function sealSessionToken(claims: SessionClaims, accessKeyId: string, key: RingKeySecrets): string {
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = SESSION_TOKEN_VERSION;
  header.writeUInt32BE(key.idNumber, 1);
  const body = seal(
    key.tokenKey,
    Buffer.from(encodeSessionClaims(claims)),
    associatedData(header, accessKeyId),
  );
  return Buffer.concat([header, body]).toString('base64');
}

/**
 * Opens the session token presented with `accessKeyId` at `now`: the claims and the secret the
 * request must be signed with.
 *
 * Throws `InvalidClientTokenIdError` (403) for anything that is not an authentic token of this
 * access key id under a key the ring still holds — malformed base64, wrong length, unknown
 * version or key, failed tag — and `ExpiredTokenError` (403) for an authentic token whose
 * `expiresAt` has come. Never throws anything else, never echoes the input.
 *
 * @example
 * const { claims, secretAccessKey } = openSessionToken(
 *   headers['x-amz-security-token'], credential.accessKeyId, ring, new Date());
 */
export function openSessionToken(
  token: string,
  accessKeyId: string,
  ring: KeyRing,
  now: Date,
): OpenedSession {
  if (typeof token !== 'string' || token.length > MAX_SESSION_TOKEN_LENGTH)
    throw new InvalidClientTokenIdError();
  if (typeof accessKeyId !== 'string' || !isTemporaryAccessKeyId(accessKeyId)) {
    throw new InvalidClientTokenIdError();
  }
  const bytes = decodeBase64Strict(token);
  if (bytes === undefined || bytes.length < MIN_SEALED_BYTES || bytes[0] !== SESSION_TOKEN_VERSION) {
    throw new InvalidClientTokenIdError();
  }
  const key = findRingKey(ring, bytes.readUInt32BE(1));
  if (key === undefined) throw new InvalidClientTokenIdError();
  const header = bytes.subarray(0, HEADER_BYTES);
  const plaintext = open(key.tokenKey, bytes.subarray(HEADER_BYTES), associatedData(header, accessKeyId));
  const claims = plaintext === undefined ? undefined : decodeSessionClaims(plaintext.toString('utf8'));
  if (claims === undefined) throw new InvalidClientTokenIdError();

  const nowMs = now.getTime();
  // Expired from the `expiresAt` second on; an invalid clock counts as expired, never as valid.
  if (!(nowMs < claims.expiresAt * 1000)) throw new ExpiredTokenError();
  return { claims, secretAccessKey: deriveSecretAccessKey(accessKeyId, key), keyId: key.id };
}

function associatedData(header: Buffer, accessKeyId: TemporaryAccessKeyId | string): Buffer {
  return Buffer.concat([header, Buffer.from(accessKeyId, 'latin1')]);
}
