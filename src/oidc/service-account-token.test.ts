import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { mintServiceAccountToken } from './service-account-token.js';
import { generateSigningKey, publishedJwks } from './signing-keys.js';

const NOW = 1_767_313_600;
const ISSUER = 'http://127.0.0.1:7300/oidc/id/0123456789ABCDEF0123456789ABCDEF';

describe('mintServiceAccountToken', () => {
  const key = generateSigningKey(NOW);

  it('carries the kubelet-projected claims and verifies against the published JWKS', async () => {
    const { token, expiresAt } = await mintServiceAccountToken(key, {
      issuer: ISSUER,
      namespace: 'payments',
      serviceAccount: { name: 'api', uid: 'sa-uid-1' },
      pod: { name: 'api-7c9d8', uid: 'pod-uid-1' },
      audiences: ['sts.amazonaws.com'],
      expirationSeconds: 86_400,
      now: NOW,
    });
    expect(expiresAt).toBe(NOW + 86_400);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid: key.kid });
    const { payload } = await jwtVerify(token, createLocalJWKSet(publishedJwks({ keys: [key] }, NOW)), {
      currentDate: new Date(NOW * 1000),
    });
    expect(payload).toEqual({
      iss: ISSUER,
      sub: 'system:serviceaccount:payments:api',
      aud: ['sts.amazonaws.com'],
      iat: NOW,
      nbf: NOW,
      exp: NOW + 86_400,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'kubernetes.io': {
        namespace: 'payments',
        serviceaccount: { name: 'api', uid: 'sa-uid-1' },
        pod: { name: 'api-7c9d8', uid: 'pod-uid-1' },
      },
    });
  });

  it('keeps aud an array even for one audience, and refuses none', async () => {
    const request = {
      issuer: ISSUER,
      namespace: 'ns',
      serviceAccount: { name: 'sa', uid: 'u' },
      expirationSeconds: 600,
      now: NOW,
    };
    const { token } = await mintServiceAccountToken(key, {
      ...request,
      audiences: ['pods.eks.amazonaws.com'],
    });
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { aud: unknown };
    expect(payload.aud).toEqual(['pods.eks.amazonaws.com']);
    await expect(mintServiceAccountToken(key, { ...request, audiences: [] })).rejects.toThrow(/audience/);
  });
});
