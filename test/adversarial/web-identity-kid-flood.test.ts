/**
 * Property: a signing key an external issuer newly publishes is used on first sight of its `kid`
 * (no 30 s wait after the last fetch), while a flood of tokens naming made-up key ids costs the
 * issuer at most the per-issuer refetch rate (a burst of 3, then one per 10 s), never one fetch per
 * token. Tokens go through the real verifier and the real JWKS resolver; only the network is
 * replaced by a counting issuer.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { isAwsError } from '../../src/errors.js';
import { createHttpJwksResolver } from '../../src/oidc/jwks-resolver.js';
import { createWebIdentityVerifier } from '../../src/oidc/verify-web-identity-token.js';

const ACCOUNT = '111122223333';
const HOST_PATH = 'ci.example.test';
const ISSUER = `https://${HOST_PATH}`;

async function key(kid: string): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const pair = await generateKeyPair('RS256');
  return { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256' } };
}

function token(privateKey: CryptoKey, kid: string, nowSeconds: number): Promise<string> {
  return new SignJWT({ sub: 'repo:org/app:ref:refs/heads/main', aud: 'sts.amazonaws.com' })
    .setProtectedHeader({ alg: 'RS256', kid })
    .setIssuer(ISSUER)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + 600)
    .sign(privateKey);
}

function lab() {
  let clock = Date.now();
  const published: JWK[] = [];
  let jwksFetches = 0;
  const fetcher = ((input: URL | string) => {
    const url = String(input);
    if (url === `${ISSUER}/.well-known/openid-configuration`) {
      return Promise.resolve(Response.json({ issuer: ISSUER, jwks_uri: `${ISSUER}/jwks` }));
    }
    jwksFetches += 1;
    return Promise.resolve(Response.json({ keys: published }));
  }) as typeof fetch;
  const verify = createWebIdentityVerifier({
    findProvider: async (_account, hostPath) =>
      hostPath === HOST_PATH
        ? {
            arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${HOST_PATH}`,
            url: HOST_PATH,
            clientIds: ['sts.amazonaws.com'],
          }
        : undefined,
    resolveJwks: createHttpJwksResolver({ fetch: fetcher, now: () => clock }),
    now: () => clock,
  });
  return {
    verify,
    published,
    fetches: () => jwksFetches,
    advance: (ms: number) => (clock += ms),
    nowSeconds: () => Math.floor(clock / 1000),
  };
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    if (isAwsError(error)) return error.code;
    throw error;
  }
}

describe('external issuer keys: picked up at once, refetched at a bounded rate', () => {
  it('accepts a token signed by a key published one second after the last fetch', async () => {
    const l = lab();
    const k1 = await key('k1');
    l.published.push(k1.jwk);
    expect(await outcome(l.verify(await token(k1.privateKey, 'k1', l.nowSeconds()), ACCOUNT))).toBe(
      'accepted',
    );
    const k2 = await key('k2');
    l.published.push(k2.jwk);
    l.advance(1000);
    expect(await outcome(l.verify(await token(k2.privateKey, 'k2', l.nowSeconds()), ACCOUNT))).toBe(
      'accepted',
    );
    expect(l.fetches()).toBe(2);
  });

  it('a flood of tokens with random kids costs at most burst + elapsed / interval fetches', async () => {
    const l = lab();
    const k1 = await key('k1');
    l.published.push(k1.jwk);
    await l.verify(await token(k1.privateKey, 'k1', l.nowSeconds()), ACCOUNT);
    const attacker = await key('unused');
    const outcomes = new Set<string>();
    // 300 tokens over 30 s, each naming a key id nobody published.
    for (let i = 0; i < 300; i++) {
      l.advance(100);
      outcomes.add(
        await outcome(l.verify(await token(attacker.privateKey, randomUUID(), l.nowSeconds()), ACCOUNT)),
      );
    }
    expect([...outcomes]).toEqual(['InvalidIdentityToken']);
    // 1 first fetch + a burst of 3 + one per 10 s over 30 s.
    expect(l.fetches()).toBeLessThanOrEqual(1 + 3 + 3);
    // The legitimate key still verifies throughout, from the cache.
    const before = l.fetches();
    expect(await outcome(l.verify(await token(k1.privateKey, 'k1', l.nowSeconds()), ACCOUNT))).toBe(
      'accepted',
    );
    expect(l.fetches()).toBe(before);
  });
});
