/**
 * Long-term access keys (`AKIA…`) of the admin identity, and sealing their secrets for storage.
 *
 * Stored layout (bytes; `openSecret` also takes their standard base64):
 * - under the master key: `0x01 ‖ nonce(12) ‖ ciphertext ‖ tag(16)`
 * - under a key-ring key: `0x02 ‖ key id(4) ‖ nonce(12) ‖ ciphertext ‖ tag(16)`
 *
 * The associated data is the header and the access key id, so a sealed secret cannot be moved to
 * another key's row. Prefer the master key: ring keys retire (after rotation interval + max
 * session), and a secret sealed with a retired key can no longer be opened unless it was re-sealed.
 */
import { open, seal, subkey } from './aead.js';
import { sealedBlobBytes } from './encoding.js';
import { SealedDataError } from './errors.js';
import { newLongTermAccessKeyId } from './ids.js';
import type { LongTermAccessKeyId } from './ids.js';
import { findRingKey, sealingKey } from './key-ring.js';
import type { KeyRing } from './key-ring.js';
import { assertMasterKey } from './master-key.js';
import type { MasterKey } from './master-key.js';
import { randomSecretAccessKey } from './secret-access-key.js';

const UNDER_MASTER_KEY = 0x01;
const UNDER_RING_KEY = 0x02;
const SUBKEY_LABEL = 'credplane/v1/stored-secret';
const MAX_SECRET_LENGTH = 1024;
const MAX_SEALED_BYTES = 2048;

export interface LongTermAccessKey {
  readonly accessKeyId: LongTermAccessKeyId;
  /** 40 characters of base64 from 30 random bytes. */
  readonly secretAccessKey: string;
}

/** What seals a stored secret: the master key (32 bytes) or a key ring. */
export type SecretSealer = MasterKey | KeyRing;

/**
 * A fresh `AKIA…` key pair.
 *
 * @example
 * const { accessKeyId, secretAccessKey } = generateLongTermAccessKey();
 * await store.putAccessKey(accessKeyId, sealSecret(secretAccessKey, accessKeyId, masterKey));
 */
export function generateLongTermAccessKey(): LongTermAccessKey {
  return { accessKeyId: newLongTermAccessKeyId(), secretAccessKey: randomSecretAccessKey() };
}

/**
 * `secret` sealed for storage in the row of `accessKeyId`. With a ring, the key sealing at `now`
 * is used.
 *
 * @example
 * const sealed = sealSecret(secretAccessKey, accessKeyId, masterKey);
 * openSecret(sealed, accessKeyId, masterKey) === secretAccessKey; // true
 */
export function sealSecret(
  secret: string,
  accessKeyId: string,
  sealer: SecretSealer,
  now: Date = new Date(),
): Buffer {
  if (typeof secret !== 'string' || secret.length === 0 || secret.length > MAX_SECRET_LENGTH) {
    throw new SealedDataError(`A secret to seal must be 1..${MAX_SECRET_LENGTH} characters`);
  }
  let header: Buffer;
  let key: Buffer;
  if (sealer instanceof Uint8Array) {
    assertMasterKey(sealer);
    header = Buffer.of(UNDER_MASTER_KEY);
    key = subkey(sealer, SUBKEY_LABEL);
  } else {
    const ringKey = sealingKey(sealer, now);
    header = Buffer.alloc(5);
    header[0] = UNDER_RING_KEY;
    header.writeUInt32BE(ringKey.idNumber, 1);
    key = ringKey.storedSecretKey;
  }
  const body = seal(key, Buffer.from(secret, 'utf8'), associatedData(header, accessKeyId));
  return Buffer.concat([header, body]);
}

/**
 * The secret sealed in `sealed` for `accessKeyId`. Throws `SealedDataError` when it was sealed
 * for another access key id, under another master key, with a key the ring no longer holds, or is
 * corrupted.
 *
 * @example
 * const secret = openSecret(row.sealedSecret, row.accessKeyId, masterKey);
 */
export function openSecret(sealed: Uint8Array | string, accessKeyId: string, opener: SecretSealer): string {
  const bytes = sealedBlobBytes(sealed, MAX_SEALED_BYTES);
  let plaintext: Buffer | undefined;
  if (bytes !== undefined && bytes.length > 0) {
    if (opener instanceof Uint8Array) {
      assertMasterKey(opener);
      if (bytes[0] === UNDER_MASTER_KEY) {
        const header = bytes.subarray(0, 1);
        plaintext = open(
          subkey(opener, SUBKEY_LABEL),
          bytes.subarray(1),
          associatedData(header, accessKeyId),
        );
      }
    } else if (bytes[0] === UNDER_RING_KEY && bytes.length > 5) {
      const ringKey = findRingKey(opener, bytes.readUInt32BE(1));
      const header = bytes.subarray(0, 5);
      if (ringKey !== undefined) {
        plaintext = open(ringKey.storedSecretKey, bytes.subarray(5), associatedData(header, accessKeyId));
      }
    }
  }
  if (plaintext === undefined) {
    throw new SealedDataError(
      'A stored secret could not be opened: wrong master key, retired ring key, another access key id, or corrupted data',
    );
  }
  return plaintext.toString('utf8');
}

function associatedData(header: Buffer, accessKeyId: string): Buffer {
  return Buffer.concat([header, Buffer.from(String(accessKeyId), 'latin1')]);
}
