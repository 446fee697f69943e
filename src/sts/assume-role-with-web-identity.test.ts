/**
 * `AssumeRoleWithWebIdentity` through the real control-plane handler, unsigned as SDKs send it,
 * against a cluster issuer served over loopback HTTP. A plain-http issuer is accepted only as one
 * of credplane's own (`localIssuer`), as `createOidcService` wires its clusters; its keys are
 * still fetched over HTTP here, so that the fetch path is exercised.
 */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMasterKey } from '../crypto/index.js';
import { ClusterRegistry, type Cluster } from '../oidc/cluster-registry.js';
import { createCluster } from '../oidc/create-cluster.js';
import { createOidcIssuerHandler } from '../oidc/issuer-handler.js';
import { createHttpJwksResolver } from '../oidc/jwks-resolver.js';
import { storeProviderLookup } from '../oidc/provider-lookup.js';
import { createWebIdentityVerifier, type WebIdentityVerifier } from '../oidc/verify-web-identity-token.js';
import { mintServiceAccountToken } from '../oidc/service-account-token.js';
import { activeSigningKey, generateSigningKey, type SigningKey } from '../oidc/signing-keys.js';
import { listen, type RunningServer } from '../http/server.js';
import { parseQuery } from '../protocol/query.js';
import { toXml, type XmlNode } from '../protocol/xml.js';
import { assumeRoleWithWebIdentity } from './assume-role-with-web-identity.js';
import {
  ACCOUNT,
  createTestPlane,
  credentialsOf,
  xmlValue,
  type TestPlane,
} from '../server/test-support/plane.js';

let plane: TestPlane;
let server: RunningServer;
let registry: ClusterRegistry;
let cluster: Cluster;
let dataDir: string;
const ROLE = 'payments-api';
let verifier: WebIdentityVerifier = () => Promise.reject(new Error('not ready'));
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${ROLE}`;

function trust(hostPath: string, providerArn: string, sub = 'system:serviceaccount:payments:api'): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${hostPath}:sub`]: sub, [`${hostPath}:aud`]: 'sts.amazonaws.com' } },
      },
    ],
  });
}

beforeAll(async () => {
  plane = await createTestPlane({
    webIdentity: (token, accountId) => verifier(token, accountId),
  });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-awrwi-'));
  registry = new ClusterRegistry({ dataDir, masterKey: generateMasterKey(), now: () => plane.clock.now });
  verifier = createWebIdentityVerifier({
    findProvider: storeProviderLookup(plane.store, 'aws'),
    resolveJwks: createHttpJwksResolver(),
    localIssuer: (iss) => registry.findByIssuer(iss) !== undefined,
    now: () => plane.clock.now,
  });
  const issuer = createOidcIssuerHandler(registry);
  server = await listen({ handler: (r) => issuer(r) ?? { status: 404 } }, 0);
  cluster = await createCluster(plane.store, registry, {
    name: 'demo',
    accountId: ACCOUNT,
    region: 'us-east-1',
    partition: 'aws',
    issuerBaseUrl: server.url,
  });
  const hostPath = cluster.issuer.replace(/^http:\/\//, '');
  await plane.store.createRole(ACCOUNT, {
    roleName: ROLE,
    assumeRolePolicyDocument: trust(hostPath, cluster.providerArn),
  });
});

afterAll(async () => {
  await server.close();
  await plane.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const nowSeconds = (): number => Math.floor(plane.clock.now / 1000);

async function podToken(
  options: { sa?: string; audiences?: string[]; now?: number; lifetime?: number; key?: SigningKey } = {},
): Promise<string> {
  const { token } = await mintServiceAccountToken(
    options.key ?? activeSigningKey(registry.signingKeys('demo')),
    {
      issuer: cluster.issuer,
      namespace: 'payments',
      serviceAccount: { name: options.sa ?? 'api', uid: 'sa-uid' },
      pod: { name: 'api-0', uid: 'pod-uid' },
      audiences: options.audiences ?? ['sts.amazonaws.com'],
      expirationSeconds: options.lifetime ?? 3600,
      now: options.now ?? nowSeconds(),
    },
  );
  return token;
}

function assume(token: string, extra: Record<string, string> = {}) {
  return plane.call('sts', undefined, {
    Action: 'AssumeRoleWithWebIdentity',
    Version: '2011-06-15',
    RoleArn: ROLE_ARN,
    RoleSessionName: 'aws-sdk-js-session-1',
    WebIdentityToken: token,
    ...extra,
  });
}

function errorOf(response: { status: number; text: string }) {
  return {
    status: response.status,
    code: xmlValue(response.text, 'Code'),
    message: xmlValue(response.text, 'Message'),
  };
}

describe('AssumeRoleWithWebIdentity', () => {
  it('honours a configured default lifetime when the request names no DurationSeconds (IRSA rotation aid)', async () => {
    const ctx = {
      snapshot: plane.snapshot,
      keyRing: plane.keyRing,
      partition: 'aws',
      requestId: 'r-1',
      now: () => new Date(plane.clock.now),
      verifyWebIdentity: verifier,
      defaultDurationSeconds: 120,
    };
    const params = (extra: Record<string, string> = {}) =>
      parseQuery(
        new URLSearchParams({
          Action: 'AssumeRoleWithWebIdentity',
          RoleArn: ROLE_ARN,
          RoleSessionName: 'irsa-session',
          ...extra,
        }).toString(),
      );
    const expiration = (xml: XmlNode) => Date.parse(/<Expiration>([^<]+)</.exec(toXml(xml))?.[1] ?? '');
    const token = await podToken();
    const short = await assumeRoleWithWebIdentity(ctx, params({ WebIdentityToken: token }));
    expect(expiration(short) - Math.floor(plane.clock.now / 1000) * 1000).toBe(120_000);
    // A request's own DurationSeconds still rules, with STS's bounds.
    const asked = await assumeRoleWithWebIdentity(
      ctx,
      params({ WebIdentityToken: token, DurationSeconds: '900' }),
    );
    expect(expiration(asked) - Math.floor(plane.clock.now / 1000) * 1000).toBe(900_000);
    await expect(
      assumeRoleWithWebIdentity(ctx, params({ WebIdentityToken: token, DurationSeconds: '120' })),
    ).rejects.toMatchObject({ code: 'ValidationError' });
  });

  it('exchanges the pod token for role credentials (unsigned), with the documented response shape', async () => {
    const response = await assume(await podToken());
    expect(response.status).toBe(200);
    expect(response.text).toContain('<AssumeRoleWithWebIdentityResult>');
    expect(xmlValue(response.text, 'SubjectFromWebIdentityToken')).toBe('system:serviceaccount:payments:api');
    expect(xmlValue(response.text, 'Audience')).toBe('sts.amazonaws.com');
    expect(xmlValue(response.text, 'Provider')).toBe(cluster.providerArn);
    expect(xmlValue(response.text, 'Arn')).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE}/aws-sdk-js-session-1`,
    );
    expect(xmlValue(response.text, 'Expiration')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(xmlValue(response.text, 'RequestId')).toMatch(/^[0-9a-f-]{36}$/);

    const who = await plane.call('sts', credentialsOf(response.text), {
      Action: 'GetCallerIdentity',
      Version: '2011-06-15',
    });
    expect(xmlValue(who.text, 'Arn')).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE}/aws-sdk-js-session-1`,
    );
  });

  it('refuses a token for another service account: AccessDenied 403', async () => {
    expect(errorOf(await assume(await podToken({ sa: 'intruder' })))).toEqual({
      status: 403,
      code: 'AccessDenied',
      message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
    });
  });

  it('refuses an expired token: ExpiredTokenException 400', async () => {
    const result = errorOf(await assume(await podToken({ now: nowSeconds() - 7200, lifetime: 3600 })));
    expect(result.status).toBe(400);
    expect(result.code).toBe('ExpiredTokenException');
    expect(result.message).toMatch(
      /^Token expired: current date\/time .*Z must be before the expiration date\/time .*Z$/,
    );
  });

  it('refuses a token signed by a key the issuer does not publish: InvalidIdentityToken', async () => {
    const result = errorOf(await assume(await podToken({ key: generateSigningKey(nowSeconds()) })));
    expect(result).toMatchObject({ status: 400, code: 'InvalidIdentityToken' });
    expect(result.message).toMatch(/kid/);
  });

  it('refuses a forged signature under the published kid: InvalidIdentityToken', async () => {
    const real = activeSigningKey(registry.signingKeys('demo'));
    const forger = { ...generateSigningKey(nowSeconds()), kid: real.kid };
    const result = errorOf(await assume(await podToken({ key: forger })));
    expect(result).toMatchObject({ status: 400, code: 'InvalidIdentityToken' });
    expect(result.message).toMatch(/signature/);
  });

  it('refuses a token with the wrong audience: InvalidIdentityToken "Incorrect token audience"', async () => {
    expect(errorOf(await assume(await podToken({ audiences: ['pods.eks.amazonaws.com'] })))).toEqual({
      status: 400,
      code: 'InvalidIdentityToken',
      message: 'Incorrect token audience',
    });
  });

  it('refuses an issuer that is not a registered provider of the account', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k' })
      .setIssuer('https://token.actions.example.com')
      .setAudience('sts.amazonaws.com')
      .setIssuedAt(nowSeconds())
      .setExpirationTime(nowSeconds() + 600)
      .sign(privateKey);
    expect(errorOf(await assume(token))).toEqual({
      status: 400,
      code: 'InvalidIdentityToken',
      message: 'No OpenIDConnect provider found in your account for https://token.actions.example.com',
    });
  });

  it('refuses alg none, HMAC and garbage: InvalidIdentityToken', async () => {
    const claims = Buffer.from(
      JSON.stringify({ iss: cluster.issuer, sub: 's', aud: 'sts.amazonaws.com', exp: nowSeconds() + 60 }),
    ).toString('base64url');
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${claims}.`;
    const hmac = await new SignJWT({ sub: 'system:serviceaccount:payments:api' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(cluster.issuer)
      .setAudience('sts.amazonaws.com')
      .setExpirationTime(nowSeconds() + 60)
      .sign(new Uint8Array(32));
    for (const token of [none, hmac, 'not-a-jwt', 'a.b.c']) {
      expect(errorOf(await assume(token))).toMatchObject({ status: 400, code: 'InvalidIdentityToken' });
    }
  });

  it('refuses a token not yet valid or issued in the future', async () => {
    const result = errorOf(await assume(await podToken({ now: nowSeconds() + 600 })));
    expect(result).toMatchObject({ status: 400, code: 'InvalidIdentityToken' });
  });

  it('answers IDPCommunicationError when the issuer cannot be reached', async () => {
    const offline = new ClusterRegistry({
      dataDir: path.join(dataDir, 'offline'),
      masterKey: generateMasterKey(),
      now: () => plane.clock.now,
    });
    const lost = await createCluster(plane.store, offline, {
      name: 'offline',
      accountId: ACCOUNT,
      region: 'us-east-1',
      partition: 'aws',
      // An https issuer (not one of credplane's own) that nothing answers.
      issuerBaseUrl: 'https://127.0.0.1:9',
    });
    const hostPath = lost.issuer.replace(/^https:\/\//, '');
    await plane.store.createRole(ACCOUNT, {
      roleName: 'offline-role',
      assumeRolePolicyDocument: trust(hostPath, lost.providerArn),
    });
    const { token } = await mintServiceAccountToken(activeSigningKey(offline.signingKeys('offline')), {
      issuer: lost.issuer,
      namespace: 'payments',
      serviceAccount: { name: 'api', uid: 'u' },
      audiences: ['sts.amazonaws.com'],
      expirationSeconds: 600,
      now: nowSeconds(),
    });
    const response = await assume(token, { RoleArn: `arn:aws:iam::${ACCOUNT}:role/offline-role` });
    expect(errorOf(response)).toMatchObject({ status: 400, code: 'IDPCommunicationError' });
  });

  it('answers AccessDenied (not "no such role") for an unknown role, and checks parameters first', async () => {
    const token = await podToken();
    expect(errorOf(await assume(token, { RoleArn: `arn:aws:iam::${ACCOUNT}:role/nope` }))).toMatchObject({
      status: 403,
      code: 'AccessDenied',
    });
    expect(errorOf(await assume(token, { RoleSessionName: 'x' }))).toMatchObject({ code: 'ValidationError' });
    expect(errorOf(await assume(token, { DurationSeconds: '7200' }))).toMatchObject({
      code: 'ValidationError',
    });
  });

  it('still requires signatures for every other action', async () => {
    const response = await plane.call('sts', undefined, {
      Action: 'GetCallerIdentity',
      Version: '2011-06-15',
    });
    expect(response.status).toBe(403);
  });
});
