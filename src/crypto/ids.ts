/**
 * AWS-style identifiers drawn from the CSPRNG (IAM User Guide, IAM identifiers: Unique identifiers).
 *
 * - Unique ids (`AROA…`, `AIDA…`, `ANPA…`, `AIPA…`): a 4-letter prefix and 17 upper-case
 *   alphanumerics, 21 characters in all.
 * - Access key ids: `ASIA` (temporary) or `AKIA` (long-term) and 16 characters of RFC 4648
 *   base32 (`A–Z2–7`), 20 in all; the 16 characters carry 80 random bits.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { encodeBase32 } from './encoding.js';
import { pooledRandomBytes } from './random.js';

/** The prefixes AWS uses for the unique ids of IAM entities (IAM User Guide, "Unique identifiers"). */
export type UniqueIdPrefix =
  | 'AROA' // role
  | 'AIDA' // user
  | 'AGPA' // group
  | 'AIPA' // instance profile
  | 'ANPA' // managed policy
  | 'ANVA' // managed policy version
  | 'APKA' // public key
  | 'ASCA' // certificate
  | 'ABIA' // STS bearer token
  | 'ACCA'; // context-specific credential

/** `ASIA…` — temporary, always paired with a session token. */
export type TemporaryAccessKeyId = `ASIA${string}`;
/** `AKIA…` — long-term, belongs to an IAM user. */
export type LongTermAccessKeyId = `AKIA${string}`;
export type AccessKeyId = TemporaryAccessKeyId | LongTermAccessKeyId;

export const UNIQUE_ID_PATTERN = /^A[A-Z]{3}[A-Z0-9]{17}$/;
export const TEMPORARY_ACCESS_KEY_ID_PATTERN = /^ASIA[A-Z2-7]{16}$/;
export const LONG_TERM_ACCESS_KEY_ID_PATTERN = /^AKIA[A-Z2-7]{16}$/;

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * A fresh unique id such as a role's `RoleId`.
 *
 * @example
 * const roleId = newUniqueId('AROA'); // 'AROA' + 17 of [A-Z0-9], e.g. 'AROAQ3EXAMPLE7Z9K2LMN'
 */
export function newUniqueId(prefix: UniqueIdPrefix): string {
  let id: string = prefix;
  // randomInt draws without modulo bias; 36 does not divide 256.
  for (let i = 0; i < 17; i++) id += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return id;
}

/**
 * A fresh temporary access key id.
 *
 * @example
 * newTemporaryAccessKeyId(); // e.g. 'ASIAJ5WGO3QX7ABCDE2F'
 */
export function newTemporaryAccessKeyId(): TemporaryAccessKeyId {
  return `ASIA${encodeBase32(pooledRandomBytes(10))}`;
}

/**
 * A fresh long-term access key id.
 *
 * @example
 * newLongTermAccessKeyId(); // e.g. 'AKIAJ5WGO3QX7ABCDE2F'
 */
export function newLongTermAccessKeyId(): LongTermAccessKeyId {
  return `AKIA${encodeBase32(randomBytes(10))}`;
}

export function isTemporaryAccessKeyId(value: string): value is TemporaryAccessKeyId {
  return value.length === 20 && TEMPORARY_ACCESS_KEY_ID_PATTERN.test(value);
}

export function isLongTermAccessKeyId(value: string): value is LongTermAccessKeyId {
  return value.length === 20 && LONG_TERM_ACCESS_KEY_ID_PATTERN.test(value);
}
