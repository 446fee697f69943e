/**
 * How many events requests nobody authenticated may add to the access log: a token bucket per
 * source address and one for all sources together. A garbage `AssumeRoleWithWebIdentity` or a
 * request with a bad signature costs the attacker nothing and would otherwise cost the store a
 * few kilobytes each, without bound. Requests over the budget are still answered; their events
 * are not written, and the next unauthenticated event that is written carries how many were left
 * out since the previous one (`credplane.suppressedUnauthenticated`).
 */

export interface UnauthenticatedBudgetOptions {
  /** Events one source address may add at once (10), and per second after that (0.2: one per 5 s). */
  perSourceBurst?: number;
  perSourcePerSecond?: number;
  /** Events all sources together may add at once (50), and per second after that (1). */
  globalBurst?: number;
  globalPerSecond?: number;
  /** Source addresses tracked at most (10 000); the least recently seen is forgotten first. */
  maxSources?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * @example
 * const budget = new UnauthenticatedBudget();
 * const admitted = budget.admit(sourceIp, Date.now());
 * if (admitted !== undefined) await sink.commit(buildAccessEvent({ ...input, suppressedUnauthenticated: admitted.suppressed }));
 */
export class UnauthenticatedBudget {
  readonly #perSourceBurst: number;
  readonly #perSourceRate: number;
  readonly #globalRate: number;
  readonly #globalBurst: number;
  readonly #maxSources: number;
  readonly #sources = new Map<string, Bucket>();
  readonly #global: Bucket;
  #suppressed = 0;

  constructor(options: UnauthenticatedBudgetOptions = {}) {
    this.#perSourceBurst = options.perSourceBurst ?? 10;
    this.#perSourceRate = options.perSourcePerSecond ?? 0.2;
    this.#globalBurst = options.globalBurst ?? 50;
    this.#globalRate = options.globalPerSecond ?? 1;
    this.#maxSources = options.maxSources ?? 10_000;
    this.#global = { tokens: this.#globalBurst, at: Number.NEGATIVE_INFINITY };
  }

  /**
   * Takes one event's worth from the source's and the global budget: `undefined` when either is
   * spent (the event is not to be written), else how many events were left out before this one.
   */
  admit(source: string, nowMs: number): { suppressed: number } | undefined {
    let bucket = this.#sources.get(source);
    if (bucket === undefined) {
      if (this.#sources.size >= this.#maxSources) {
        this.#sources.delete(this.#sources.keys().next().value!);
      }
      bucket = { tokens: this.#perSourceBurst, at: nowMs };
    } else {
      this.#sources.delete(source); // re-inserted below: the Map's order is least recently seen first
    }
    this.#sources.set(source, bucket);
    refill(bucket, nowMs, this.#perSourceBurst, this.#perSourceRate);
    refill(this.#global, nowMs, this.#globalBurst, this.#globalRate);
    if (bucket.tokens < 1 || this.#global.tokens < 1) {
      this.#suppressed++;
      return undefined;
    }
    bucket.tokens--;
    this.#global.tokens--;
    const suppressed = this.#suppressed;
    this.#suppressed = 0;
    return { suppressed };
  }

  /**
   * Gives back the count an admitted event carried, when that event could not be written after
   * all (so the next one carries it).
   */
  restore(suppressed: number): void {
    this.#suppressed += suppressed;
  }
}

function refill(bucket: Bucket, nowMs: number, burst: number, perSecond: number): void {
  if (nowMs > bucket.at) {
    const elapsed = bucket.at === Number.NEGATIVE_INFINITY ? Infinity : (nowMs - bucket.at) / 1000;
    bucket.tokens = Math.min(burst, bucket.tokens + elapsed * perSecond);
  }
  bucket.at = Math.max(bucket.at, nowMs);
}
