import { describe, expect, it } from 'vitest';
import { RefreshingSource } from './refreshing-source.js';

function issuer(clock: { now: number }, lifetimeSeconds = 3600) {
  const calls = { count: 0, fail: false };
  const issue = async () => {
    calls.count++;
    await new Promise((r) => setTimeout(r, 5));
    if (calls.fail) throw new Error('control plane down');
    return { id: calls.count, expiration: new Date(clock.now + lifetimeSeconds * 1000) };
  };
  return { calls, issue };
}

describe('RefreshingSource', () => {
  it('memoizes while fresh and refreshes once less than refreshBeforeSeconds remain', async () => {
    const clock = { now: 0 };
    const { calls, issue } = issuer(clock);
    const source = new RefreshingSource({ issue, refreshBeforeSeconds: 1800, now: () => clock.now });
    expect((await source.get()).id).toBe(1);
    clock.now += 1799_000;
    expect((await source.get()).id).toBe(1);
    clock.now += 2_000;
    expect((await source.get()).id).toBe(2);
    expect(calls.count).toBe(2);
  });

  it('shares one issuance among concurrent callers (single flight)', async () => {
    const clock = { now: 0 };
    const { calls, issue } = issuer(clock);
    const source = new RefreshingSource({ issue, now: () => clock.now });
    const all = await Promise.all(Array.from({ length: 20 }, () => source.get()));
    expect(new Set(all.map((c) => c.id)).size).toBe(1);
    expect(calls.count).toBe(1);
  });

  it('serves still-valid credentials when a refresh fails, and fails once they expired', async () => {
    const clock = { now: 0 };
    const { calls, issue } = issuer(clock);
    const source = new RefreshingSource({ issue, now: () => clock.now });
    await source.get();
    calls.fail = true;
    clock.now += 3000_000;
    expect((await source.get()).id).toBe(1);
    clock.now += 700_000;
    await expect(source.get()).rejects.toThrow('control plane down');
  });

  it('issues anew after invalidate', async () => {
    const clock = { now: 0 };
    const { calls, issue } = issuer(clock);
    const source = new RefreshingSource({ issue, now: () => clock.now });
    await source.get();
    source.invalidate();
    await source.get();
    expect(calls.count).toBe(2);
  });
});
