/**
 * The key ring: AES-256 root keys with ids, used to seal session tokens and to derive the secret
 * access keys of temporary credentials (see `session-token.ts`, `temporary-credentials.ts`).
 *
 * Rotation model. Keys are ordered by `activeFrom`; the newest key whose `activeFrom` has passed
 * seals new tokens. A key stops sealing when its successor activates, and the last token it
 * sealed lives at most `maxSessionSeconds` more, so the key is retired (dropped) once
 * `successor.activeFrom + maxSessionSeconds` has passed — with the defaults, rotation interval +
 * 12 h after the key itself activated. `prepublishSeconds` lets a new key reach every replica
 * (through the store) before anyone seals with it; any key in the ring, pending or not, opens
 * tokens.
 *
 * Key material is never an enumerable property: `JSON.stringify(ring)` and `console.log(ring)`
 * show ids and times only. The material lives in a module-private WeakMap keyed by the ring
 * object, so rings are immutable values; `structuredClone` does not carry keys across.
 */
import { randomBytes } from 'node:crypto';
import { KEY_BYTES, subkey } from './aead.js';
import { SealedDataError } from './errors.js';
import { ValidationError } from '../errors.js';

/** 8 lower-case hex digits; the token carries the 4 bytes they spell. */
export type KeyId = string;

/** Seconds since the Unix epoch (integer). */
export type EpochSeconds = number;

/** What a ring says about one of its keys. The material itself is not reachable from here. */
export interface RingKeyInfo {
  readonly id: KeyId;
  readonly createdAt: EpochSeconds;
  /** From this moment on the key may seal; before it, it only opens. */
  readonly activeFrom: EpochSeconds;
}

/** Keys in ascending `activeFrom` order. Build with `createKeyRing`, `rotateKeyRing`, `importKeyRing`. */
export interface KeyRing {
  readonly keys: readonly RingKeyInfo[];
}

export interface KeyRotationPolicy {
  /** A new key every this many seconds. */
  rotationIntervalSeconds: number;
  /** The longest session any credential may have; AWS's maximum is 43200 s (12 h). */
  maxSessionSeconds?: number;
  /** A new key is added this long before it starts sealing, so that every replica has it. Default 0. */
  prepublishSeconds?: number;
}

export const DEFAULT_MAX_SESSION_SECONDS = 43_200;

/** The per-key secrets, derived once per key when a ring is built. */
export interface RingKeySecrets {
  readonly id: KeyId;
  readonly idNumber: number;
  /** The root key; only `exportKeyRing` reads it. */
  readonly material: Buffer;
  /** AES-256-GCM key for session tokens. */
  readonly tokenKey: Buffer;
  /** HMAC-SHA256 key for secret access key derivation. */
  readonly secretKey: Buffer;
  /** AES-256-GCM key for stored long-term secrets. */
  readonly storedSecretKey: Buffer;
}

/** A key as `importKeyRing` reads it back. */
export interface RingKeyEntry extends RingKeyInfo {
  readonly material: Uint8Array;
}

const secretsByRing = new WeakMap<KeyRing, Map<number, RingKeySecrets>>();

/**
 * A ring with one fresh key that seals from `now`.
 *
 * @example
 * const ring = createKeyRing(new Date());
 * const creds = issueTemporaryCredentials(claims, ring, new Date());
 */
export function createKeyRing(now: Date): KeyRing {
  const at = toEpochSeconds(now);
  return buildKeyRing([freshKey(new Set(), at, at)]);
}

/**
 * The ring after rotation at `now`: a new key when the sealing key is due for replacement, and
 * without the keys whose last possible token has expired. Returns the very same object when
 * nothing changed, so `rotated !== ring` tells the caller to persist it.
 *
 * @example
 * const next = rotateKeyRing(ring, new Date(), { rotationIntervalSeconds: 86_400 });
 * if (next !== ring) await store.saveKeyRing(exportKeyRing(next, masterKey));
 */
export function rotateKeyRing(ring: KeyRing, now: Date, policy: KeyRotationPolicy): KeyRing {
  const { interval, maxSession, prepublish } = checkPolicy(policy);
  const at = toEpochSeconds(now);
  const kept = ring.keys.filter((key, i) => {
    const successor = ring.keys[i + 1];
    return successor === undefined || successor.activeFrom + maxSession > at;
  });
  const newest = kept[kept.length - 1];
  const due = newest === undefined || newest.activeFrom + interval - prepublish <= at;
  if (!due && kept.length === ring.keys.length) return ring;

  const old = secretsByRing.get(ring);
  const entries: RingKeyEntry[] = kept.map((info) => ({ ...info, material: materialOf(old, info.id) }));
  if (due) entries.push(freshKey(new Set(kept.map((k) => k.id)), at, at + prepublish));
  return buildKeyRing(entries);
}

/**
 * When `rotateKeyRing` will next change the ring (add or retire a key), for scheduling a timer.
 *
 * @example
 * setTimeout(rotate, nextKeyRingChange(ring, policy).getTime() - Date.now());
 */
export function nextKeyRingChange(ring: KeyRing, policy: KeyRotationPolicy): Date {
  const { interval, maxSession, prepublish } = checkPolicy(policy);
  const newest = ring.keys[ring.keys.length - 1];
  const moments = newest === undefined ? [0] : [newest.activeFrom + interval - prepublish];
  for (let i = 0; i + 1 < ring.keys.length; i++) {
    moments.push((ring.keys[i + 1] as RingKeyInfo).activeFrom + maxSession);
  }
  return new Date(Math.min(...moments) * 1000);
}

/** The key that seals at `now`: the newest one already active (the oldest if none is yet). */
export function sealingKey(ring: KeyRing, now: Date): RingKeySecrets {
  const at = toEpochSeconds(now);
  let chosen = ring.keys[0];
  for (const key of ring.keys) if (key.activeFrom <= at) chosen = key;
  const secrets = chosen === undefined ? undefined : secretsByRing.get(ring)?.get(idToNumber(chosen.id));
  if (secrets === undefined) throw new SealedDataError('The key ring holds no usable key');
  return secrets;
}

/** The secrets of key `idNumber`, or `undefined` when the ring does not hold it (any more). */
export function findRingKey(ring: KeyRing, idNumber: number): RingKeySecrets | undefined {
  return secretsByRing.get(ring)?.get(idNumber);
}

/** The entries of a ring with their material, for `exportKeyRing`. */
export function ringEntries(ring: KeyRing): RingKeyEntry[] {
  const secrets = secretsByRing.get(ring);
  return ring.keys.map((info) => ({ ...info, material: materialOf(secrets, info.id) }));
}

/** A ring from entries (any order); ids must be unique and material 32 bytes. */
export function buildKeyRing(entries: readonly RingKeyEntry[]): KeyRing {
  const sorted = [...entries].sort((a, b) => a.activeFrom - b.activeFrom || a.createdAt - b.createdAt);
  const secrets = new Map<number, RingKeySecrets>();
  const keys: RingKeyInfo[] = [];
  for (const entry of sorted) {
    const idNumber = idToNumber(entry.id);
    if (secrets.has(idNumber)) throw new SealedDataError('The key ring holds two keys with one id');
    if (entry.material.length !== KEY_BYTES) throw new SealedDataError('A key ring key is not 32 bytes');
    const material = Buffer.from(entry.material);
    secrets.set(idNumber, {
      id: entry.id,
      idNumber,
      material,
      tokenKey: subkey(material, 'credplane/v1/session-token'),
      secretKey: subkey(material, 'credplane/v1/secret-access-key'),
      storedSecretKey: subkey(material, 'credplane/v1/stored-secret'),
    });
    keys.push(Object.freeze({ id: entry.id, createdAt: entry.createdAt, activeFrom: entry.activeFrom }));
  }
  const ring: KeyRing = Object.freeze({ keys: Object.freeze(keys) });
  secretsByRing.set(ring, secrets);
  return ring;
}

export function isKeyId(value: unknown): value is KeyId {
  return typeof value === 'string' && /^[0-9a-f]{8}$/.test(value);
}

export function idToNumber(id: KeyId): number {
  if (!isKeyId(id)) throw new SealedDataError('A key ring key id is malformed');
  return Number.parseInt(id, 16);
}

export function numberToId(idNumber: number): KeyId {
  return idNumber.toString(16).padStart(8, '0');
}

export function toEpochSeconds(date: Date): EpochSeconds {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new ValidationError('Invalid date');
  return Math.floor(ms / 1000);
}

function freshKey(
  taken: ReadonlySet<KeyId>,
  createdAt: EpochSeconds,
  activeFrom: EpochSeconds,
): RingKeyEntry {
  let id: KeyId;
  do id = randomBytes(4).toString('hex');
  while (taken.has(id));
  return { id, createdAt, activeFrom, material: randomBytes(KEY_BYTES) };
}

function materialOf(secrets: Map<number, RingKeySecrets> | undefined, id: KeyId): Buffer {
  const found = secrets?.get(idToNumber(id));
  if (found === undefined) {
    throw new SealedDataError('This key ring was not built by createKeyRing, rotateKeyRing or importKeyRing');
  }
  return found.material;
}

function checkPolicy(policy: KeyRotationPolicy): {
  interval: number;
  maxSession: number;
  prepublish: number;
} {
  const interval = policy.rotationIntervalSeconds;
  const maxSession = policy.maxSessionSeconds ?? DEFAULT_MAX_SESSION_SECONDS;
  const prepublish = policy.prepublishSeconds ?? 0;
  if (!Number.isSafeInteger(interval) || interval <= 0) {
    throw new ValidationError('rotationIntervalSeconds must be a positive integer');
  }
  if (!Number.isSafeInteger(maxSession) || maxSession <= 0) {
    throw new ValidationError('maxSessionSeconds must be a positive integer');
  }
  if (!Number.isSafeInteger(prepublish) || prepublish < 0 || prepublish >= interval) {
    throw new ValidationError(
      'prepublishSeconds must be a non-negative integer below rotationIntervalSeconds',
    );
  }
  return { interval, maxSession, prepublish };
}
