/**
 * Property: the EKS Pod Identity agent answers a role's credentials only to a current, pod-bound
 * service-account token signed by the key of the credplane cluster that issued it, for the
 * `pods.eks.amazonaws.com` audience, and only while an association maps that token's service
 * account to the role. A forged, re-signed, unsigned, expired, mis-audienced or cross-cluster
 * token gets nothing. See "Learn how EKS Pod Identity grants pods access to AWS services" in the
 * Amazon EKS User Guide.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importJWK, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMasterKey } from '../../src/crypto/index.js';
import { createPodIdentityAgentHandler } from '../../src/delivery/pod-identity/agent.js';
import { WorkloadIssuer } from '../../src/delivery/workload-issuer.js';
import { ClusterRegistry, type Cluster } from '../../src/oidc/cluster-registry.js';
import { createCluster } from '../../src/oidc/create-cluster.js';
import { mintServiceAccountToken } from '../../src/oidc/service-account-token.js';
import { activeSigningKey } from '../../src/oidc/signing-keys.js';
import type { ApiHandler } from '../../src/http/types.js';
import { ACCOUNT, createTestPlane, type TestPlane } from '../../src/server/test-support/plane.js';

const AUD = 'pods.eks.amazonaws.com';
let plane: TestPlane;
let registry: ClusterRegistry;
let demo: Cluster;
let other: Cluster;
let agent: ApiHandler;
let dataDir: string;

const now = () => Math.floor(plane.clock.now / 1000);

async function token(
  options: {
    cluster?: Cluster;
    signWith?: Cluster;
    ns?: string;
    sa?: string;
    audience?: string;
    at?: number;
  } = {},
): Promise<string> {
  const cluster = options.cluster ?? demo;
  const key = activeSigningKey(registry.signingKeys((options.signWith ?? cluster).name));
  return (
    await mintServiceAccountToken(key, {
      issuer: cluster.issuer,
      namespace: options.ns ?? 'payments',
      serviceAccount: { name: options.sa ?? 'api', uid: 'sa-uid' },
      pod: { name: 'api-0', uid: 'pod-uid-0' },
      audiences: [options.audience ?? AUD],
      expirationSeconds: 3600,
      now: options.at ?? now(),
    })
  ).token;
}

async function get(authorization: string): Promise<{ status: number; body: string }> {
  const res = await agent({
    method: 'GET',
    url: '/v1/credentials',
    rawHeaders: ['Authorization', authorization],
    headers: { authorization },
    body: Buffer.alloc(0),
    remoteAddress: '127.0.0.1',
    requestId: randomUUID(),
    receivedAt: plane.clock.now,
  });
  return { status: res.status, body: String(res.body) };
}

function expectNothing(res: { status: number; body: string }, status: number, pattern: RegExp): void {
  expect(res.status).toBe(status);
  expect(res.body).toMatch(pattern);
  expect(res.body).not.toContain('AccessKeyId');
}

/** The claims of a genuine token, re-signed or re-encoded by `sign`. */
async function reissue(
  sign: (claims: Record<string, unknown>, header: Record<string, unknown>) => Promise<string> | string,
  edit: (claims: Record<string, unknown>) => void = () => {},
): Promise<string> {
  const genuine = await token();
  const [h, p] = genuine.split('.') as [string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  edit(claims);
  return sign(claims, header);
}

beforeAll(async () => {
  plane = await createTestPlane();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-adv-podid-'));
  registry = new ClusterRegistry({ dataDir, masterKey: generateMasterKey(), now: () => plane.clock.now });
  const base = {
    accountId: ACCOUNT,
    region: 'us-east-1',
    partition: 'aws',
    issuerBaseUrl: 'http://127.0.0.1:9',
  };
  demo = await createCluster(plane.store, registry, { name: 'demo', ...base });
  other = await createCluster(plane.store, registry, { name: 'other', ...base });
  const trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: AUD }, Action: ['sts:AssumeRole', 'sts:TagSession'] },
    ],
  });
  await plane.store.createRole(ACCOUNT, { roleName: 'payments-role', assumeRolePolicyDocument: trust });
  await plane.store.putWorkload(ACCOUNT, {
    kind: 'eks-pod-identity',
    name: 'demo/payments/api',
    roleName: 'payments-role',
    settings: { clusterName: 'demo', namespace: 'payments', serviceAccount: 'api' },
  });
  agent = createPodIdentityAgentHandler({
    registry,
    store: plane.store,
    issuer: new WorkloadIssuer({
      snapshot: plane.snapshot,
      keyRing: plane.keyRing,
      now: () => plane.clock.now,
    }),
    now: () => plane.clock.now,
  });
});

afterAll(async () => {
  await plane.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('Pod Identity credentials only for the associated service account', () => {
  it('positive control: a genuine token of the associated service account gets credentials', async () => {
    const res = await get(await token());
    expect(res.status).toBe(200);
    expect(res.body).toContain('AccessKeyId');
  });

  it('refuses a token of a service account with no association, in the same or another cluster (404)', async () => {
    expectNothing(await get(await token({ sa: 'other-sa' })), 404, /\(ResourceNotFoundException\)/);
    expectNothing(await get(await token({ ns: 'batch' })), 404, /\(ResourceNotFoundException\)/);
    expectNothing(await get(await token({ cluster: other })), 404, /\(ResourceNotFoundException\)/);
  });

  it("refuses a token naming one cluster's issuer but signed with another cluster's key", async () => {
    expectNothing(await get(await token({ signWith: other })), 400, /\(InvalidTokenException\)/);
  });

  it('refuses a token with the wrong audience (IRSA tokens are not Pod Identity tokens)', async () => {
    expectNothing(
      await get(await token({ audience: 'sts.amazonaws.com' })),
      400,
      /the token audience is not pods\.eks\.amazonaws\.com/,
    );
  });

  it('refuses an expired token and one issued in the future', async () => {
    expectNothing(await get(await token({ at: now() - 3601 })), 400, /token is expired/);
    expectNothing(await get(await token({ at: now() + 3600 })), 400, /not valid yet|used before issued/);
  });

  it('refuses an unsigned (alg none) token and one HMAC-signed with the public key', async () => {
    const unsigned = await reissue((claims) => new UnsecuredJWT(claims).encode());
    expectNothing(await get(unsigned), 400, /\(InvalidTokenException\)/);
    const publicJwk = registry.jwks('demo').keys[0]!;
    const hmacKey = Buffer.from(JSON.stringify(publicJwk));
    const confused = await reissue((claims, header) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: header.kid as string }).sign(hmacKey),
    );
    expectNothing(await get(confused), 400, /\(InvalidTokenException\)/);
  });

  it('refuses a genuine signature over edited claims (another namespace), and unbound claims', async () => {
    const genuine = await token();
    const [h, , s] = genuine.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(genuine.split('.')[1]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    claims.sub = 'system:serviceaccount:payments:api';
    const edited = `${h}.${Buffer.from(JSON.stringify({ ...claims, aud: [AUD, 'x'] })).toString('base64url')}.${s}`;
    expectNothing(await get(edited), 400, /\(InvalidTokenException\)/);

    // Signed with the cluster's own key but with a subject that does not match its kubernetes.io claim.
    const key = activeSigningKey(registry.signingKeys('demo'));
    const privateKey = await importJWK(key.privateJwk as Parameters<typeof importJWK>[0], 'RS256');
    const mismatched = await reissue(
      (c, header) =>
        new SignJWT(c).setProtectedHeader({ alg: 'RS256', kid: header.kid as string }).sign(privateKey),
      (c) => (c.sub = 'system:serviceaccount:batch:api'),
    );
    expectNothing(await get(mismatched), 400, /not a pod-bound service-account token/);
    const podless = await reissue(
      (c, header) =>
        new SignJWT(c).setProtectedHeader({ alg: 'RS256', kid: header.kid as string }).sign(privateKey),
      (c) => delete (c['kubernetes.io'] as Record<string, unknown>).pod,
    );
    expectNothing(await get(podless), 400, /not a pod-bound service-account token/);
  });

  it('stops serving as soon as the association is deleted, even to a pod served before', async () => {
    const t = await token();
    expect((await get(t)).status).toBe(200);
    await plane.store.deleteWorkload(ACCOUNT, 'eks-pod-identity', 'demo/payments/api');
    try {
      expectNothing(await get(t), 404, /\(ResourceNotFoundException\)/);
    } finally {
      await plane.store.putWorkload(ACCOUNT, {
        kind: 'eks-pod-identity',
        name: 'demo/payments/api',
        roleName: 'payments-role',
        settings: { clusterName: 'demo', namespace: 'payments', serviceAccount: 'api' },
      });
    }
  });
});
