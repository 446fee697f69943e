import { describe, expect, it } from 'vitest';
import { checkFetchableUrl, createHttpJwksResolver } from './jwks-resolver.js';

const ISSUER = 'https://token.example.test/ci';
const JWKS = { keys: [{ kty: 'RSA', kid: 'k1', n: 'AQAB', e: 'AQAB' }] };

function fakeFetch(routes: Record<string, () => Response>) {
  const calls: string[] = [];
  const fetcher = ((input: URL | string) => {
    const url = String(input);
    calls.push(url);
    const route = routes[url];
    return route === undefined ? Promise.reject(new TypeError('fetch failed')) : Promise.resolve(route());
  }) as typeof fetch;
  return { fetcher, calls };
}

const json = (body: unknown) => () => Response.json(body);

const routes = (): Record<string, () => Response> => ({
  [`${ISSUER}/.well-known/openid-configuration`]: json({
    issuer: ISSUER,
    jwks_uri: 'https://keys.example.test/jwks',
  }),
  'https://keys.example.test/jwks': json(JWKS),
});

describe('HTTP JWKS resolver', () => {
  it('follows discovery to jwks_uri and caches for 10 minutes', async () => {
    let clock = 0;
    const { fetcher, calls } = fakeFetch(routes());
    const resolve = createHttpJwksResolver({ fetch: fetcher, now: () => clock });
    expect(await resolve(ISSUER)).toEqual(JWKS);
    expect(await resolve(ISSUER)).toEqual(JWKS);
    expect(calls).toHaveLength(2);
    clock = 601_000;
    await resolve(ISSUER);
    expect(calls).toHaveLength(4);
  });

  it('refetches at once for a refresh (a kid seen for the first time), not 30 s later', async () => {
    let clock = 0;
    const { fetcher, calls } = fakeFetch(routes());
    const resolve = createHttpJwksResolver({ fetch: fetcher, now: () => clock });
    await resolve(ISSUER);
    clock = 1_000;
    await resolve(ISSUER, { refresh: true });
    expect(calls).toHaveLength(4);
  });

  it('attacker: a flood of refreshes (random kids) costs the issuer at most burst + elapsed / interval fetches', async () => {
    let clock = 0;
    const { fetcher, calls } = fakeFetch(routes());
    const resolve = createHttpJwksResolver({
      fetch: fetcher,
      now: () => clock,
      refetchBurst: 3,
      refetchIntervalSeconds: 10,
    });
    await resolve(ISSUER);
    for (let i = 0; i < 600; i++) {
      clock = i * 100; // 600 refreshes over 60 s
      expect(await resolve(ISSUER, { refresh: true })).toEqual(JWKS);
    }
    const jwksFetches = calls.filter((c) => c.endsWith('/jwks')).length;
    // 1 first fetch + a burst of 3 + one per 10 s over 60 s.
    expect(jwksFetches).toBeGreaterThanOrEqual(4);
    expect(jwksFetches).toBeLessThanOrEqual(1 + 3 + 6);
    // The bucket is per issuer: another issuer is not starved by the flood.
    const other = 'https://other.example.test';
    const second = fakeFetch({
      [`${other}/.well-known/openid-configuration`]: json({
        issuer: other,
        jwks_uri: 'https://k2.test/jwks',
      }),
      'https://k2.test/jwks': json(JWKS),
    });
    const both = createHttpJwksResolver({ fetch: second.fetcher, now: () => clock });
    await both(other);
    await both(other, { refresh: true });
    expect(second.calls).toHaveLength(4);
  });

  it('concurrent refreshes share one fetch', async () => {
    const { fetcher, calls } = fakeFetch(routes());
    const resolve = createHttpJwksResolver({ fetch: fetcher });
    await resolve(ISSUER);
    await Promise.all(Array.from({ length: 20 }, () => resolve(ISSUER, { refresh: true })));
    expect(calls).toHaveLength(4);
  });

  it('keeps keys that verified when a refresh fails, and rate-limits retries after failures', async () => {
    const clock = 0;
    let up = true;
    const ok = fakeFetch(routes());
    const fetcher = ((input: URL | string, init?: RequestInit) =>
      up ? ok.fetcher(input, init) : Promise.reject(new TypeError('down'))) as typeof fetch;
    const resolve = createHttpJwksResolver({ fetch: fetcher, now: () => clock, refetchBurst: 2 });
    await resolve(ISSUER);
    up = false;
    await expect(resolve(ISSUER, { refresh: true })).rejects.toMatchObject({ code: 'IDPCommunicationError' });
    expect(await resolve(ISSUER)).toEqual(JWKS);
    await expect(resolve(ISSUER, { refresh: true })).rejects.toMatchObject({ code: 'IDPCommunicationError' });
    // Bucket empty: the cached keys answer, no fetch is attempted.
    const before = ok.calls.length;
    expect(await resolve(ISSUER, { refresh: true })).toEqual(JWKS);
    expect(ok.calls.length).toBe(before);
  });

  it("caches per thumbprint list: one provider's thumbprints never vouch for keys another provider fetched", async () => {
    const { fetcher, calls } = fakeFetch(routes());
    const resolve = createHttpJwksResolver({ fetch: fetcher });
    await resolve(ISSUER, { thumbprints: ['AA'.repeat(20)] });
    await resolve(ISSUER, { thumbprints: ['aa'.repeat(20)] });
    expect(calls).toHaveLength(2);
    await resolve(ISSUER, { thumbprints: ['bb'.repeat(20)] });
    expect(calls).toHaveLength(4);
  });

  it('fails closed with IDPCommunicationError: unreachable, non-200, wrong issuer, not JSON, too large', async () => {
    const cases: Record<string, () => Response>[] = [
      {},
      { [`${ISSUER}/.well-known/openid-configuration`]: () => new Response('no', { status: 500 }) },
      {
        [`${ISSUER}/.well-known/openid-configuration`]: json({
          issuer: 'https://evil.test',
          jwks_uri: 'https://k/j',
        }),
      },
      { [`${ISSUER}/.well-known/openid-configuration`]: () => new Response('<html>') },
      { [`${ISSUER}/.well-known/openid-configuration`]: () => new Response('x'.repeat(70_000)) },
      {
        [`${ISSUER}/.well-known/openid-configuration`]: json({
          issuer: ISSUER,
          jwks_uri: 'http://keys.example.test/j',
        }),
      },
    ];
    for (const routes of cases) {
      const resolve = createHttpJwksResolver({ fetch: fakeFetch(routes).fetcher });
      await expect(resolve(ISSUER)).rejects.toMatchObject({ code: 'IDPCommunicationError', status: 400 });
    }
  });

  it('does not cache a failure', async () => {
    let up = false;
    const fetcher = ((input: URL | string) =>
      up
        ? Promise.resolve(
            String(input).endsWith('openid-configuration')
              ? Response.json({ issuer: ISSUER, jwks_uri: 'https://k.test/j' })
              : Response.json(JWKS),
          )
        : Promise.reject(new TypeError('down'))) as typeof fetch;
    const resolve = createHttpJwksResolver({ fetch: fetcher });
    await expect(resolve(ISSUER)).rejects.toMatchObject({ code: 'IDPCommunicationError' });
    up = true;
    expect(await resolve(ISSUER)).toEqual(JWKS);
  });

  it('allows plain http only for loopback hosts', () => {
    expect(checkFetchableUrl('http://127.0.0.1:7300/oidc/id/X', 'issuer').host).toBe('127.0.0.1:7300');
    expect(checkFetchableUrl('http://localhost/x', 'issuer').hostname).toBe('localhost');
    for (const bad of [
      'http://169.254.169.254/',
      'http://example.com/',
      'ftp://x/',
      'https://u:p@x/',
      'nope',
    ]) {
      expect(() => checkFetchableUrl(bad, 'issuer')).toThrow(/https|not a URL/);
    }
  });
});
