/**
 * The SigV4 signing key, `HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request")`,
 * with a bounded cache: four HMACs per new (secret, date, region, service), none afterwards.
 *
 * The cache is keyed by a salted SHA-256 fingerprint of the secret, never the secret itself; the
 * salt is random per process so fingerprints cannot be correlated across processes or precomputed.
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

export class SigningKeyCache {
  readonly #entries = new Map<string, Buffer>();
  /**
   * Fingerprints of recently seen credential objects, so a lookup that returns the same object
   * (a memoising lookup) costs no hash; the secret is re-checked by identity.
   */
  readonly #fingerprints = new WeakMap<object, { secret: string; fingerprint: string }>();
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
   * `owner` (the credential object the secret came from) lets repeated lookups skip hashing.
   *
   * @example new SigningKeyCache(100).get(secret, '20150830', 'us-east-1', 'sts')
   */
  get(secretAccessKey: string, date: string, region: string, service: string, owner?: object): Buffer {
    const key = `${this.#fingerprint(secretAccessKey, owner)}/${date}/${region}/${service}`;
    const hit = this.#entries.get(key);
    if (hit !== undefined) return hit;
    const derived = deriveSigningKey(secretAccessKey, date, region, service);
    if (this.#entries.size >= this.#maxEntries) {
      // Oldest insertion first: keys roll over daily, so insertion order approximates recency.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, derived);
    return derived;
  }

  clear(): void {
    this.#entries.clear();
  }

  #fingerprint(secretAccessKey: string, owner: object | undefined): string {
    if (owner === undefined) return sha256Base64(this.#salt + secretAccessKey);
    const known = this.#fingerprints.get(owner);
    if (known !== undefined && known.secret === secretAccessKey) return known.fingerprint;
    const fingerprint = sha256Base64(this.#salt + secretAccessKey);
    this.#fingerprints.set(owner, { secret: secretAccessKey, fingerprint });
    return fingerprint;
  }
}

/** The process-wide cache `verifyRequest` uses unless given its own. */
export const defaultSigningKeyCache = new SigningKeyCache();
