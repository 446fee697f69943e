/**
 * A small bounded cache with a time to live, for the resource resolver's answers: at most
 * `maxEntries` entries (the oldest inserted goes first), each for at most `ttlMs`.
 *
 * `clear()` bumps a generation: a lookup that started before the clear (`generation()` then) must
 * not store its possibly stale answer after it (`set(..., startedAt)` ignores it).
 */
export interface TtlCacheOptions {
  maxEntries: number;
  ttlMs: number;
  now?: () => number;
}

export class TtlCache<V> {
  readonly #entries = new Map<string, { value: V; expires: number }>();
  readonly #max: number;
  readonly #ttl: number;
  readonly #now: () => number;
  #generation = 0;

  constructor(options: TtlCacheOptions) {
    if (!(options.maxEntries >= 1) || !(options.ttlMs >= 0)) {
      throw new RangeError('TtlCache: maxEntries must be at least 1 and ttlMs not negative');
    }
    this.#max = options.maxEntries;
    this.#ttl = options.ttlMs;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The value stored for `key` if it has not expired. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** The generation to pass to `set` for a lookup starting now. */
  generation(): number {
    return this.#generation;
  }

  /** Stores `value` unless the cache was cleared since `startedAt` (a `generation()`). */
  set(key: string, value: V, startedAt: number): void {
    if (startedAt !== this.#generation) return;
    this.#entries.delete(key);
    while (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    this.#entries.set(key, { value, expires: this.#now() + this.#ttl });
  }

  clear(): void {
    this.#entries.clear();
    this.#generation += 1;
  }
}
