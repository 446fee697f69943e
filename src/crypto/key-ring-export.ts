/**
 * The key ring at rest: one blob sealed under the master key, for the store (a bytes column) or,
 * as base64 text, a file. Pure functions: where the blob goes is the caller's business.
 *
 * Layout: `0x01 ‖ nonce(12) ‖ AES-256-GCM(JSON of the keys) ‖ tag(16)`. The key
 * is an HKDF subkey of the master key for this purpose only; the version byte is authenticated.
 */
import { open, seal, subkey } from './aead.js';
import { decodeBase64Strict, sealedBlobBytes } from './encoding.js';
import { SealedDataError } from './errors.js';
import { buildKeyRing, isKeyId, ringEntries } from './key-ring.js';
import type { KeyRing, RingKeyEntry } from './key-ring.js';
import { assertMasterKey } from './master-key.js';
import type { MasterKey } from './master-key.js';

const VERSION = 0x01;
const AAD = Buffer.from('credplane/v1/key-ring');
const SUBKEY_LABEL = 'credplane/v1/key-ring';
/** Far above any real ring (a handful of keys), far below anything that could hurt to parse. */
const MAX_BLOB_BYTES = 1 << 20;
const MAX_KEYS = 1000;

interface StoredKey {
  id: string;
  c: number;
  a: number;
  k: string;
}

/**
 * The ring sealed under `masterKey`.
 *
 * @example
 * const blob = exportKeyRing(ring, masterKey); // Buffer; `.toString('base64')` for text
 * const same = importKeyRing(blob, masterKey);
 */
export function exportKeyRing(ring: KeyRing, masterKey: MasterKey): Buffer {
  assertMasterKey(masterKey);
  const keys: StoredKey[] = ringEntries(ring).map((entry) => ({
    id: entry.id,
    c: entry.createdAt,
    a: entry.activeFrom,
    k: Buffer.from(entry.material).toString('base64'),
  }));
  const plaintext = Buffer.from(JSON.stringify({ v: 1, keys }));
  const body = seal(subkey(masterKey, SUBKEY_LABEL), plaintext, aad());
  plaintext.fill(0);
  return Buffer.concat([Buffer.of(VERSION), body]);
}

/**
 * The ring sealed in `blob` (the bytes, or their standard base64). Throws `SealedDataError` (never echoing the blob) when the blob is
 * malformed, from another version, or sealed under another master key.
 *
 * @example
 * const ring = importKeyRing((await store.getKeyRing()).sealed, masterKey);
 */
export function importKeyRing(blob: Uint8Array | string, masterKey: MasterKey): KeyRing {
  assertMasterKey(masterKey);
  const bytes = sealedBlobBytes(blob, MAX_BLOB_BYTES);
  if (bytes === undefined || bytes.length < 1) throw new SealedDataError('The key ring blob is malformed');
  if (bytes[0] !== VERSION) throw new SealedDataError('The key ring blob has an unknown format version');
  const plaintext = open(subkey(masterKey, SUBKEY_LABEL), bytes.subarray(1), aad());
  if (plaintext === undefined) {
    throw new SealedDataError('The key ring could not be opened: wrong master key, or the blob is corrupted');
  }
  try {
    return buildKeyRing(parseEntries(plaintext));
  } finally {
    plaintext.fill(0);
  }
}

function aad(): Buffer {
  return Buffer.concat([Buffer.of(VERSION), AAD]);
}

function parseEntries(plaintext: Buffer): RingKeyEntry[] {
  const malformed = () => new SealedDataError('The key ring blob holds malformed keys');
  let doc: unknown;
  try {
    doc = JSON.parse(plaintext.toString('utf8'));
  } catch {
    throw malformed();
  }
  if (typeof doc !== 'object' || doc === null) throw malformed();
  const { v, keys } = doc as { v?: unknown; keys?: unknown };
  if (v !== 1 || !Array.isArray(keys) || keys.length > MAX_KEYS) throw malformed();
  return keys.map((raw: unknown): RingKeyEntry => {
    if (typeof raw !== 'object' || raw === null) throw malformed();
    const { id, c, a, k } = raw as Partial<Record<keyof StoredKey, unknown>>;
    if (!isKeyId(id) || !Number.isSafeInteger(c) || !Number.isSafeInteger(a) || typeof k !== 'string') {
      throw malformed();
    }
    const material = decodeBase64Strict(k);
    if (material === undefined || material.length !== 32) throw malformed();
    return { id, createdAt: c as number, activeFrom: a as number, material };
  });
}
