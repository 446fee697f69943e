/**
 * Property: a web identity token is judged against the IAM OIDC provider whose URL its `iss`
 * equals exactly, scheme included, and that scheme is https (IAM registers providers as
 * `https://…`). A token that names the registered host and path over `http://`, or spells the URL
 * differently, is refused before any key is fetched — so a token can never steer credplane into
 * fetching keys over plain HTTP. Only credplane's own in-process issuers are exempt.
 */
import { exportJWK, generateKeyPair, SignJWT, type JSONWebKeySet } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAwsError } from '../../src/errors.js';
import {
  createWebIdentityVerifier,
  type RegisteredProvider,
  type WebIdentityVerifierOptions,
} from '../../src/oidc/verify-web-identity-token.js';

const ACCOUNT = '111122223333';
const EXTERNAL = 'idp.example.test/realm';
const LOCAL = '127.0.0.1:7300/oidc/id/0123456789ABCDEF0123456789ABCDEF';
const providers: Record<string, RegisteredProvider> = {
  [EXTERNAL]: { arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${EXTERNAL}`, url: EXTERNAL, clientIds: ['sts'] },
  [LOCAL]: { arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${LOCAL}`, url: LOCAL, clientIds: ['sts'] },
};

let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let jwks: JSONWebKeySet;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' }] };
});

function token(iss: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: 'system:serviceaccount:ns:sa', aud: 'sts' })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(iss)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(privateKey);
}

/** A verifier whose key source records every issuer it is asked for. */
function verifier(extra: Partial<WebIdentityVerifierOptions> = {}) {
  const fetched: string[] = [];
  const verify = createWebIdentityVerifier({
    findProvider: async (_account, hostPath) => providers[hostPath],
    resolveJwks: async (issuer) => {
      fetched.push(issuer);
      return jwks;
    },
    ...extra,
  });
  return { verify, fetched };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isAwsError(error)) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('the token issuer must be the registered provider URL, over https', () => {
  for (const iss of [
    `http://${EXTERNAL}`,
    `https://${EXTERNAL}/`,
    `HTTPS://${EXTERNAL}`,
    `https://${EXTERNAL}//`,
    `https://IDP.example.test/realm`,
  ]) {
    it(`refuses iss ${iss} without fetching any key`, async () => {
      const { verify, fetched } = verifier();
      expect(await refusal(verify(await token(iss), ACCOUNT))).toBe('InvalidIdentityToken');
      expect(fetched).toEqual([]);
    });
  }

  it('accepts iss equal to https:// and the registered URL', async () => {
    const { verify, fetched } = verifier();
    const verified = await verify(await token(`https://${EXTERNAL}`), ACCOUNT);
    expect(verified.provider.url).toBe(EXTERNAL);
    expect(fetched).toEqual([`https://${EXTERNAL}`]);
  });

  it("exempts credplane's own in-process issuers, and only those", async () => {
    const local = `http://${LOCAL}`;
    const plain = verifier();
    expect(await refusal(plain.verify(await token(local), ACCOUNT))).toBe('InvalidIdentityToken');
    expect(plain.fetched).toEqual([]);
    const own = verifier({ localIssuer: (iss) => iss === local });
    expect((await own.verify(await token(local), ACCOUNT)).provider.url).toBe(LOCAL);
    expect(await refusal(own.verify(await token(`http://${EXTERNAL}`), ACCOUNT))).toBe(
      'InvalidIdentityToken',
    );
  });
});
