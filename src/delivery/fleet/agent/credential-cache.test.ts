/**
 * Static stability of the agent's credential cache: fetched ahead of need at half the remaining
 * life, the held set served while fetches fail (even past its expiry, as EC2's IMDS does), retried
 * with backoff, and replaced as soon as the server answers again.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { NodeCredentials } from '../node-workloads.js';
import { CredentialCache } from './credential-cache.js';

const HOUR = 3600_000;

function set(id: string, now: number, lifetimeMs = HOUR): NodeCredentials {
  return {
    code: 'Success',
    accessKeyId: id,
    secretAccessKey: 's',
    sessionToken: 't',
    issuedAt: new Date(now).toISOString(),
    expiration: new Date(now + lifetimeMs).toISOString(),
    accountId: '123456789012',
    roleArn: 'arn:aws:iam::123456789012:role/web',
  };
}

describe('CredentialCache', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => void vi.useRealTimers());

  it('refreshes at half the remaining life, serves the held set through an outage, and recovers', async () => {
    let n = 0;
    let up = true;
    const fetch = vi.fn(() =>
      up ? Promise.resolve(set(`K${++n}`, Date.now())) : Promise.reject(new Error('down')),
    );
    const cache = new CredentialCache({ fetch });
    cache.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(await cache.get()).toMatchObject({ accessKeyId: 'K1' });

    // Ahead of need: not before half-life, at half-life.
    await vi.advanceTimersByTimeAsync(HOUR / 2 - 1000);
    expect(fetch).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(await cache.get()).toMatchObject({ accessKeyId: 'K2' });

    // The server goes away for two hours: K2 is served throughout, past its expiry too.
    up = false;
    const calls = fetch.mock.calls.length;
    await vi.advanceTimersByTimeAsync(2 * HOUR);
    expect(await cache.get()).toMatchObject({ accessKeyId: 'K2' });
    // The first failure comes at K2's half-life (30 min in), then retries back off to every 30 s:
    // about 90 min / 30 s attempts, not one per second.
    const attempts = fetch.mock.calls.length - calls;
    expect(attempts).toBeGreaterThan(170);
    expect(attempts).toBeLessThan(200);

    up = true;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(await cache.get()).toMatchObject({ accessKeyId: 'K3' });
    cache.stop();
  });

  it('serves a set held from a previous run at once, and refreshes it at its own half-life', async () => {
    const fetch = vi.fn(() => Promise.resolve(set('K2', Date.now())));
    const saved = { issuedAt: Date.now() - HOUR / 4 };
    const cache = new CredentialCache({ fetch, initial: set('K1', saved.issuedAt), onFetched: vi.fn() });
    cache.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(fetch).not.toHaveBeenCalled();
    expect(await cache.get()).toMatchObject({ accessKeyId: 'K1' });
    // Issued 15 min ago for an hour: due in 15 min, not in 30.
    await vi.advanceTimersByTimeAsync(HOUR / 4 - 1000);
    expect(fetch).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1000);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(await cache.get()).toMatchObject({ accessKeyId: 'K2' });
    cache.stop();
  });

  it('with nothing held, a failed fetch fails the read rather than invent credentials', async () => {
    const cache = new CredentialCache({ fetch: () => Promise.reject(new Error('down')) });
    await expect(cache.get()).rejects.toThrow('down');
    cache.stop();
  });
});
