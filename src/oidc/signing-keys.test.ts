import { createHash, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  activeSigningKey,
  generateSigningKey,
  MAX_TOKEN_SECONDS,
  publishedJwks,
  rotateSigningKeys,
  type SigningKeySet,
} from './signing-keys.js';

const T0 = 1_767_313_600;

describe('signing keys', () => {
  const first: SigningKeySet = { keys: [generateSigningKey(T0)] };

  it('names a key by the base64url SHA-256 of its DER public key (Kubernetes >= 1.16)', () => {
    const key = first.keys[0]!;
    const der = createPublicKey({ key: key.privateJwk, format: 'jwk' }).export({
      type: 'spki',
      format: 'der',
    });
    expect(key.kid).toBe(createHash('sha256').update(der).digest('base64url'));
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('publishes only public RSA members, with use sig and alg RS256', () => {
    const jwks = publishedJwks(first, T0);
    expect(jwks.keys).toHaveLength(1);
    expect(Object.keys(jwks.keys[0]!).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256', e: 'AQAB' });
  });

  it('keeps a rotated-out key published while its tokens can live, then drops it', () => {
    const rotated = rotateSigningKeys(first, T0 + 100);
    expect(rotated.keys).toHaveLength(2);
    expect(activeSigningKey(rotated).kid).not.toBe(first.keys[0]!.kid);
    expect(rotated.keys[1]!.publishUntil).toBe(T0 + 100 + MAX_TOKEN_SECONDS + 60);
    const kids = (t: number) => publishedJwks(rotated, t).keys.map((k) => k.kid);
    expect(kids(T0 + 100 + MAX_TOKEN_SECONDS)).toContain(first.keys[0]!.kid);
    expect(kids(T0 + 100 + MAX_TOKEN_SECONDS + 61)).toEqual([rotated.keys[0]!.kid]);
    // A second rotation keeps the first deadline of the already retired key.
    const again = rotateSigningKeys(rotated, T0 + 200);
    expect(again.keys.map((k) => k.publishUntil)).toEqual([
      undefined,
      T0 + 200 + MAX_TOKEN_SECONDS + 60,
      T0 + 100 + MAX_TOKEN_SECONDS + 60,
    ]);
  });

  it('refuses to sign with an empty or fully retired set', () => {
    expect(() => activeSigningKey({ keys: [] })).toThrow(/no active signing key/);
  });
});
