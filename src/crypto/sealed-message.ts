/**
 * Messages credplane hands to a client that only credplane may read back, such as the encoded
 * authorization failure message that `sts:DecodeAuthorizationMessage` expands. Compressed (the
 * explanations are repetitive JSON), sealed with the ring's current key under a purpose label, and
 * written in base64url so that they travel inside an error message unescaped.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { open, seal, subkey } from './aead.js';
import { findRingKey, sealingKey, type KeyRing } from './key-ring.js';

const VERSION = 0x01;
/** Larger encoded messages are refused on open before any work is done. */
const MAX_ENCODED_LENGTH = 64 * 1024;
const MAX_PLAINTEXT_BYTES = 1024 * 1024;

/**
 * Seal `text` for `purpose`.
 *
 * @example
 * const blob = sealMessage(JSON.stringify(explanation), 'authorization-message', ring);
 */
export function sealMessage(text: string, purpose: string, ring: KeyRing, now: Date = new Date()): string {
  const key = sealingKey(ring, now);
  const header = Buffer.alloc(5);
  header[0] = VERSION;
  header.writeUInt32BE(key.idNumber, 1);
  const body = seal(subkey(key.tokenKey, `credplane message ${purpose}`), deflateRawSync(text), header);
  return Buffer.concat([header, body]).toString('base64url');
}

/** The text sealed in `encoded` for `purpose`, or `undefined` when it is not one of ours (any more). */
export function openMessage(encoded: string, purpose: string, ring: KeyRing): string | undefined {
  if (
    typeof encoded !== 'string' ||
    encoded.length > MAX_ENCODED_LENGTH ||
    !/^[A-Za-z0-9_-]+$/.test(encoded)
  ) {
    return undefined;
  }
  const bytes = Buffer.from(encoded, 'base64url');
  if (bytes.length < 6 || bytes[0] !== VERSION) return undefined;
  const key = findRingKey(ring, bytes.readUInt32BE(1));
  if (key === undefined) return undefined;
  const plaintext = open(
    subkey(key.tokenKey, `credplane message ${purpose}`),
    bytes.subarray(5),
    bytes.subarray(0, 5),
  );
  if (plaintext === undefined) return undefined;
  try {
    return inflateRawSync(plaintext, { maxOutputLength: MAX_PLAINTEXT_BYTES }).toString('utf8');
  } catch {
    return undefined;
  }
}
