import { describe, expect, it } from 'vitest';
import { TtlCache } from './cache.js';

describe('TtlCache', () => {
  it('keeps a value for its TTL and no longer', () => {
    const clock = { now: 1_000 };
    const cache = new TtlCache<string>({ maxEntries: 10, ttlMs: 60_000, now: () => clock.now });
    cache.set('alias/app', 'key-a', cache.generation());
    clock.now += 59_999;
    expect(cache.get('alias/app')).toBe('key-a');
    clock.now += 1;
    expect(cache.get('alias/app')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('holds at most maxEntries, dropping the oldest first', () => {
    const cache = new TtlCache<number>({ maxEntries: 2, ttlMs: 60_000 });
    for (const [i, key] of ['a', 'b', 'c'].entries()) cache.set(key, i, cache.generation());
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBeUndefined();
    expect([cache.get('b'), cache.get('c')]).toEqual([1, 2]);
  });

  it('clear() empties it, and an answer from a lookup begun before the clear is not stored', () => {
    const cache = new TtlCache<string>({ maxEntries: 10, ttlMs: 60_000 });
    cache.set('old', 'x', cache.generation());
    const startedBefore = cache.generation();
    cache.clear();
    expect(cache.get('old')).toBeUndefined();
    cache.set('alias/app', 'stale', startedBefore);
    expect(cache.get('alias/app')).toBeUndefined();
    cache.set('alias/app', 'fresh', cache.generation());
    expect(cache.get('alias/app')).toBe('fresh');
  });

  it('refuses a size below one', () => {
    expect(() => new TtlCache({ maxEntries: 0, ttlMs: 1 })).toThrow(RangeError);
  });
});
