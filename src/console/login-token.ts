/**
 * The one-time login token `credplane up` prints in the console URL, as Jupyter does: 256 random
 * bits, spent by its first use, expiring (15 minutes by default). Only its SHA-256 is kept, in
 * memory, and every stored digest is compared in constant time, so neither the token nor timing
 * leaks from the process. A restart forgets every token (a new `up` prints a new one).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const LOGIN_TOKEN_TTL_MS = 15 * 60_000;
/** Tokens outstanding at once; the oldest is dropped beyond it. */
const MAX_TOKENS = 16;

interface Entry {
  digest: Buffer;
  expiresAt: number;
}

const digestOf = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

export class LoginTokens {
  readonly #now: () => number;
  readonly #ttlMs: number;
  #entries: Entry[] = [];

  constructor(now: () => number, ttlMs = LOGIN_TOKEN_TTL_MS) {
    this.#now = now;
    this.#ttlMs = ttlMs;
  }

  /** A new token, valid once until it expires. */
  issue(): string {
    const token = randomBytes(32).toString('base64url');
    this.#entries.push({ digest: digestOf(token), expiresAt: this.#now() + this.#ttlMs });
    if (this.#entries.length > MAX_TOKENS) this.#entries.shift();
    return token;
  }

  /** True (and the token is gone) when `token` was issued, unspent and unexpired. */
  spend(token: string): boolean {
    const now = this.#now();
    this.#entries = this.#entries.filter((e) => e.expiresAt > now);
    const digest = digestOf(token);
    let found = -1;
    // Every entry compared, whichever matches: the time taken says nothing about which.
    this.#entries.forEach((entry, i) => {
      if (timingSafeEqual(entry.digest, digest)) found = i;
    });
    if (found < 0) return false;
    this.#entries.splice(found, 1);
    return true;
  }
}
