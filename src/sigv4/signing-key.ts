/**
 * The SigV4 signing key, `HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request")`,
 * with a bounded cache: four HMACs per new (secret, date, region, service), none afterwards.
 *
 * The cache is keyed by a salted SHA-256 fingerprint of the secret, never the secret itself or
 * the access key id (a rotated secret under the same id must never get the old key); the salt is
 * random per process so fingerprints cannot be correlated across processes or precomputed. The
 * fingerprint costs a hash, so a credential object seen before is recognised by identity instead.
 */
import crypto from 'node:crypto';
import { hmac, sha256Base64 } from './hash.js';

/**
 * @example deriveSigningKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20150830', 'us-east-1', 'iam')
 */
export function deriveSigningKey(
  secretAccessKey: string,
  date: string,
  region: string,
  service: string,
): Buffer {
  const kDate = hmac(`AWS4${secretAccessKey}`, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

/**
 * What the cache remembers about one credential object (`owner`): the secret it held, that
 * secret's fingerprint, and the last signing key handed out for it. Kept in a `WeakMap`, so it
 * lives exactly as long as the credential object, which holds the same secret string anyway:
 * nothing here outlives, or copies, what the caller already keeps.
 */
interface OwnerMemo {
  secret: string;
  fingerprint: string;
  /** The last scope derived for this owner, valid while `generation` is the cache's. */
  date: string;
  region: string;
  service: string;
  key: Buffer;
  generation: number;
}

export class SigningKeyCache {
  readonly #entries = new Map<string, Buffer>();
  /**
   * Per credential object. The warm path of a request is then an identity lookup and four string
   * comparisons: no SHA-256 of the secret, no key string, no map hashing. This is only sound
   * because the secret is compared too: an owner whose `secretAccessKey` changed (a mutable
   * lookup result, a rotated key written in place) falls through to the fingerprinted path and
   * gets the signing key of its new secret, never the old one. The comparison is between two
   * server-held values (the owner's secret now and before), nothing the client sends.
   */
  readonly #owners = new WeakMap<object, OwnerMemo>();
  /** Bumped by `clear()`: memoised signing keys of an older generation are not used. */
  #generation = 0;
  readonly #salt = crypto.randomBytes(32).toString('base64');
  readonly #maxEntries: number;

  constructor(maxEntries = 4096) {
    this.#maxEntries = Math.max(1, maxEntries);
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * The signing key for this scope, derived on a miss.
   *
   * `owner` (the credential object the secret came from) lets repeated lookups skip hashing: a
   * lookup that returns the same object for the same credentials (credplane's does, see
   * `control/authenticate.ts`) costs neither a hash of the secret nor a derivation when warm.
   *
   * @example new SigningKeyCache(100).get(secret, '20150830', 'us-east-1', 'sts')
   */
  get(secretAccessKey: string, date: string, region: string, service: string, owner?: object): Buffer {
    let memo = owner === undefined ? undefined : this.#owners.get(owner);
    if (memo !== undefined && memo.secret !== secretAccessKey) memo = undefined;
    if (
      memo !== undefined &&
      memo.generation === this.#generation &&
      memo.date === date &&
      memo.region === region &&
      memo.service === service
    ) {
      return memo.key;
    }
    const fingerprint = memo?.fingerprint ?? this.#fingerprint(secretAccessKey);
    const key = this.#lookup(
      `${fingerprint}/${date}/${region}/${service}`,
      secretAccessKey,
      date,
      region,
      service,
    );
    if (owner !== undefined) {
      this.#owners.set(owner, {
        secret: secretAccessKey,
        fingerprint,
        date,
        region,
        service,
        key,
        generation: this.#generation,
      });
    }
    return key;
  }

  /** Forgets every signing key (fingerprints of live credential objects are kept: they are not keys). */
  clear(): void {
    this.#entries.clear();
    this.#generation++;
  }

  #lookup(cacheKey: string, secretAccessKey: string, date: string, region: string, service: string): Buffer {
    const hit = this.#entries.get(cacheKey);
    if (hit !== undefined) return hit;
    const derived = deriveSigningKey(secretAccessKey, date, region, service);
    if (this.#entries.size >= this.#maxEntries) {
      // Oldest insertion first: keys roll over daily, so insertion order approximates recency.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(cacheKey, derived);
    return derived;
  }

  /** Salted, so fingerprints can neither be precomputed nor correlated across processes. */
  #fingerprint(secretAccessKey: string): string {
    return sha256Base64(this.#salt + secretAccessKey);
  }
}

/** The process-wide cache `verifyRequest` uses unless given its own. */
export const defaultSigningKeyCache = new SigningKeyCache();
