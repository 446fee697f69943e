/**
 * Strict text encodings. `Buffer.from(text, 'base64')` silently skips characters it does not know
 * and accepts several spellings of the same bytes; a verifier must not, or two different strings
 * would open as the same token.
 */

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const RFC4648_BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Standard base64 with padding, or `undefined` when `text` is not the canonical spelling of some bytes. */
export function decodeBase64Strict(text: string): Buffer | undefined {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  // Rejects non-zero trailing bits in the last character and misplaced padding.
  return bytes.toString('base64') === text ? bytes : undefined;
}

/**
 * RFC 4648 base32 (upper case, no padding) of `bytes`, as used in AWS access key ids.
 * Only whole 5-byte groups are needed here, so the caller passes a multiple of 5 bytes.
 */
export function encodeBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += RFC4648_BASE32[(buffer >>> bits) & 31];
    }
  }
  if (bits > 0) out += RFC4648_BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * The bytes of a sealed blob given either as bytes (a database column) or as its base64 text (a
 * file, an environment variable); `undefined` when it is neither or longer than `maxBytes`.
 */
export function sealedBlobBytes(blob: unknown, maxBytes: number): Buffer | undefined {
  if (blob instanceof Uint8Array) {
    return blob.length <= maxBytes ? Buffer.from(blob.buffer, blob.byteOffset, blob.length) : undefined;
  }
  if (typeof blob === 'string' && blob.length <= Math.ceil(maxBytes / 3) * 4) return decodeBase64Strict(blob);
  return undefined;
}
