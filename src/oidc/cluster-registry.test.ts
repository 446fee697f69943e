import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { generateMasterKey } from '../crypto/index.js';
import type { ApiRequest } from '../http/types.js';
import { openStore } from '../store/open.js';
import { ClusterRegistry } from './cluster-registry.js';
import { createCluster, STS_CLIENT_ID } from './create-cluster.js';
import { createOidcIssuerHandler } from './issuer-handler.js';
import { mintServiceAccountToken } from './service-account-token.js';
import { createOidcService } from './service.js';
import { activeSigningKey } from './signing-keys.js';

const ACCOUNT = '111122223333';
const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-clusters-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const input = {
  name: 'demo',
  accountId: ACCOUNT,
  region: 'us-east-1',
  partition: 'aws',
  issuerBaseUrl: 'http://127.0.0.1:7300',
};

function get(url: string): ApiRequest {
  return {
    method: 'GET',
    url,
    rawHeaders: [],
    headers: {},
    body: Buffer.alloc(0),
    remoteAddress: '127.0.0.1',
    requestId: randomUUID(),
    receivedAt: Date.now(),
  };
}

describe('ClusterRegistry', () => {
  it('creates an EKS-shaped issuer and keeps its keys across restarts, sealed under the master key', () => {
    const dataDir = tempDir();
    const masterKey = generateMasterKey();
    const cluster = new ClusterRegistry({ dataDir, masterKey }).create(input);
    expect(cluster.issuer).toMatch(/^http:\/\/127\.0\.0\.1:7300\/oidc\/id\/[0-9A-F]{32}$/);
    expect(cluster.providerArn).toBe(`arn:aws:iam::${ACCOUNT}:oidc-provider/${cluster.issuer.slice(7)}`);

    const file = fs.readFileSync(path.join(dataDir, 'oidc', 'clusters', 'demo.json'), 'utf8');
    expect(file).not.toMatch(/"d"|privateJwk/);
    const before = new ClusterRegistry({ dataDir, masterKey }).signingKeys('demo');
    const after = new ClusterRegistry({ dataDir, masterKey }).signingKeys('demo');
    expect(after.keys[0]!.kid).toBe(before.keys[0]!.kid);
    expect(() => new ClusterRegistry({ dataDir, masterKey: generateMasterKey() }).get('demo')).toThrow(
      /cannot be opened with this master key/,
    );
  });

  it('refuses a second cluster of one name and names that are not EKS cluster names', () => {
    const registry = new ClusterRegistry({ dataDir: tempDir(), masterKey: generateMasterKey() });
    registry.create(input);
    expect(() => registry.create(input)).toThrow(/already exists/);
    expect(() => registry.create({ ...input, name: '../etc' })).toThrow(/Cluster name/);
  });

  it('rotation publishes the new key and still the old one; another process sees the rotation', () => {
    const dataDir = tempDir();
    const masterKey = generateMasterKey();
    const a = new ClusterRegistry({ dataDir, masterKey });
    const b = new ClusterRegistry({ dataDir, masterKey });
    a.create(input);
    const oldKid = b.jwks('demo').keys[0]!.kid;
    const rotated = a.rotateKeys('demo');
    expect(b.jwks('demo').keys.map((k) => k.kid)).toEqual([rotated.keys[0]!.kid, oldKid]);
    expect(activeSigningKey(b.signingKeys('demo')).kid).not.toBe(oldKid);
  });

  it('serves discovery and JWKS at the issuer path, and 404 elsewhere', () => {
    const registry = new ClusterRegistry({ dataDir: tempDir(), masterKey: generateMasterKey() });
    const cluster = registry.create(input);
    const handler = createOidcIssuerHandler(registry);
    const issuerPath = new URL(cluster.issuer).pathname;
    const discovery = handler(get(`${issuerPath}/.well-known/openid-configuration`))!;
    expect(discovery.status).toBe(200);
    expect(JSON.parse(String(discovery.body))).toEqual({
      issuer: cluster.issuer,
      jwks_uri: `${cluster.issuer}/openid/v1/jwks`,
      authorization_endpoint: 'urn:kubernetes:programmatic_authorization',
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      claims_supported: ['sub', 'iss'],
    });
    const jwks = JSON.parse(String(handler(get(`${issuerPath}/openid/v1/jwks`))!.body)) as {
      keys: unknown[];
    };
    expect(jwks.keys).toHaveLength(1);
    expect(handler(get('/oidc/id/FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF/openid/v1/jwks'))!.status).toBe(404);
    expect(handler(get('/'))).toBeUndefined();
  });
});

describe('createOidcService', () => {
  it("verifies tokens of credplane's own issuers in process, without HTTP (the issuer port is closed)", async () => {
    const store = await openStore(':memory:');
    try {
      await store.createAccount({ accountId: ACCOUNT });
      const oidc = createOidcService({
        dataDir: tempDir(),
        masterKey: generateMasterKey(),
        store,
        partition: 'aws',
      });
      const cluster = await createCluster(store, oidc.registry, {
        ...input,
        issuerBaseUrl: 'http://127.0.0.1:9',
      });
      const provider = await store.getOidcProvider(cluster.providerArn);
      expect(provider.clientIds).toEqual([STS_CLIENT_ID]);
      const { token } = await mintServiceAccountToken(activeSigningKey(oidc.registry.signingKeys('demo')), {
        issuer: cluster.issuer,
        namespace: 'ns',
        serviceAccount: { name: 'sa', uid: 'u' },
        audiences: [STS_CLIENT_ID],
        expirationSeconds: 600,
        now: Math.floor(Date.now() / 1000),
      });
      const verified = await oidc.verifyWebIdentity(token, ACCOUNT);
      expect(verified).toMatchObject({ subject: 'system:serviceaccount:ns:sa', audience: STS_CLIENT_ID });
      expect(verified.provider.arn).toBe(cluster.providerArn);
      await expect(oidc.verifyWebIdentity(token, '999999999999')).rejects.toMatchObject({
        code: 'InvalidIdentityToken',
      });
    } finally {
      await store.close();
    }
  });
});
