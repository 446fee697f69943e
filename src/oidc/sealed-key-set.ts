/**
 * Signing keys at rest: the key set's JSON sealed with AES-256-GCM under a subkey of the master key
 * (the key ring's own at-rest protection), bound to the issuer URL so that one cluster's sealed
 * keys cannot be swapped into another's file. Pure: bytes in, bytes out.
 */
import { assertMasterKey, SealedDataError, type MasterKey } from '../crypto/index.js';
import { open, seal, subkey } from '../crypto/aead.js';
import type { SigningKey, SigningKeySet } from './signing-keys.js';

const LABEL = 'credplane/oidc-signing-keys/v1';

/**
 * @example
 * const blob = sealKeySet(set, issuer, masterKey); // store blob.toString('base64')
 */
export function sealKeySet(set: SigningKeySet, issuer: string, masterKey: MasterKey): Buffer {
  assertMasterKey(masterKey);
  return seal(subkey(masterKey, LABEL), Buffer.from(JSON.stringify(set), 'utf8'), Buffer.from(issuer));
}

/**
 * The key set sealed in `blob`; `SealedDataError` (never the contents) when it was sealed for
 * another issuer, under another master key, or is damaged.
 */
export function openKeySet(blob: Uint8Array, issuer: string, masterKey: MasterKey): SigningKeySet {
  assertMasterKey(masterKey);
  const plain = open(subkey(masterKey, LABEL), blob, Buffer.from(issuer));
  if (plain === undefined) {
    throw new SealedDataError(
      `The signing keys of issuer ${issuer} cannot be opened with this master key (wrong key or damaged file)`,
    );
  }
  const parsed = JSON.parse(plain.toString('utf8')) as { keys?: unknown };
  if (!Array.isArray(parsed.keys) || !parsed.keys.every(isSigningKey)) {
    throw new SealedDataError(`The signing keys of issuer ${issuer} are not a key set`);
  }
  return { keys: parsed.keys };
}

function isSigningKey(value: unknown): value is SigningKey {
  if (typeof value !== 'object' || value === null) return false;
  const k = value as Record<string, unknown>;
  return (
    typeof k.kid === 'string' &&
    typeof k.createdAt === 'number' &&
    typeof k.privateJwk === 'object' &&
    k.privateJwk !== null &&
    (k.publishUntil === undefined || typeof k.publishUntil === 'number')
  );
}
