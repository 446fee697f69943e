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

describe('HTTP JWKS resolver', () => {
  it('follows discovery to jwks_uri and caches; a refresh refetches at most every 30 s', async () => {
    let clock = 0;
    const { fetcher, calls } = fakeFetch({
      [`${ISSUER}/.well-known/openid-configuration`]: json({
        issuer: ISSUER,
        jwks_uri: 'https://keys.example.test/jwks',
      }),
      'https://keys.example.test/jwks': json(JWKS),
    });
    const resolve = createHttpJwksResolver({ fetch: fetcher, now: () => clock });
    expect(await resolve(ISSUER)).toEqual(JWKS);
    expect(await resolve(ISSUER, { refresh: true })).toEqual(JWKS);
    expect(calls).toHaveLength(2);
    clock = 31_000;
    await resolve(ISSUER, { refresh: true });
    expect(calls).toHaveLength(4);
    clock = 31_000 + 601_000;
    await resolve(ISSUER);
    expect(calls).toHaveLength(6);
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
