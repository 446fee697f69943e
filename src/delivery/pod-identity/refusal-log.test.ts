/**
 * The Pod Identity agent logs the tokens it refuses (missing, unparsable, expired, not signed by
 * a cluster issuer, for a service account without an association) under the unauthenticated
 * budget, as `credplane up`'s metadata endpoints do (`audit/refusal-record.ts`); answers unchanged.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRefusalLog } from '../../audit/refusal-log.js';
import { UnauthenticatedBudget } from '../../audit/unauthenticated.js';
import { generateMasterKey } from '../../crypto/index.js';
import type { RunningServer } from '../../http/server.js';
import { ClusterRegistry, type Cluster } from '../../oidc/cluster-registry.js';
import { createCluster } from '../../oidc/create-cluster.js';
import { mintServiceAccountToken } from '../../oidc/service-account-token.js';
import { activeSigningKey, generateSigningKey } from '../../oidc/signing-keys.js';
import { ACCOUNT, createTestPlane, type TestPlane } from '../../server/test-support/plane.js';
import type { AccessEventInput } from '../../store/store.js';
import { WorkloadIssuer } from '../workload-issuer.js';
import { createPodIdentityAgentServer } from './agent.js';
import { podRefusalReporter } from './refusals.js';

let plane: TestPlane;
let registry: ClusterRegistry;
let cluster: Cluster;
let server: RunningServer;
let dataDir: string;
const events: AccessEventInput[] = [];
let offset = 0;

beforeAll(async () => {
  plane = await createTestPlane();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-podrefusal-'));
  registry = new ClusterRegistry({ dataDir, masterKey: generateMasterKey(), now: () => plane.clock.now });
  cluster = await createCluster(plane.store, registry, {
    name: 'demo',
    accountId: ACCOUNT,
    region: 'us-east-1',
    partition: 'aws',
    issuerBaseUrl: 'http://127.0.0.1:9',
  });
  server = await createPodIdentityAgentServer({
    registry,
    store: plane.store,
    issuer: new WorkloadIssuer({
      snapshot: plane.snapshot,
      keyRing: plane.keyRing,
      now: () => plane.clock.now,
    }),
    now: () => plane.clock.now,
    onRefused: podRefusalReporter(
      createRefusalLog({
        accessLog: { commit: (e) => (events.push(e), Promise.resolve(true)) },
        accountId: ACCOUNT,
        region: 'us-east-1',
        partition: 'aws',
        now: () => plane.clock.now + offset,
        budget: new UnauthenticatedBudget({ perSourceBurst: 4, globalBurst: 4, globalPerSecond: 0.001 }),
      }),
    ),
  });
});

afterAll(async () => {
  await server.close();
  await plane.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function token(options: { key?: ReturnType<typeof generateSigningKey>; at?: number } = {}) {
  return (
    await mintServiceAccountToken(options.key ?? activeSigningKey(registry.signingKeys('demo')), {
      issuer: cluster.issuer,
      namespace: 'payments',
      serviceAccount: { name: 'api', uid: 'sa-uid' },
      pod: { name: 'api-0', uid: 'pod-uid-0' },
      audiences: ['pods.eks.amazonaws.com'],
      expirationSeconds: 3600,
      now: options.at ?? Math.floor(plane.clock.now / 1000),
    })
  ).token;
}

const get = async (authorization: string | undefined, url = '/v1/credentials') =>
  (await fetch(server.url + url, authorization === undefined ? {} : { headers: { authorization } })).status;

describe("the Pod Identity agent's refusals", () => {
  it('are access-log events naming a verified pod only by cluster ARN and UID, budgeted', async () => {
    const expired = await token({ at: Math.floor(plane.clock.now / 1000) - 7200 });
    const forged = await token({ key: generateSigningKey(Math.floor(plane.clock.now / 1000)) });
    const valid = await token();
    expect(await get(undefined)).toBe(400);
    expect(await get(expired)).toBe(400);
    expect(await get(forged)).toBe(400);
    // Signed by the cluster, but its service account has no association.
    expect(await get(valid)).toBe(404);
    // A wrong path or method is no token refused.
    expect(await get(valid, '/v1/other')).toBe(404);
    for (let i = 0; i < 5; i++) expect(await get('not-a-jwt')).toBe(400);
    await new Promise((r) => setTimeout(r, 50));
    expect(
      events.map((e) => (e.record as { requestParameters: { reason: string } }).requestParameters.reason),
    ).toEqual(['pod-token-refused', 'pod-token-refused', 'pod-token-refused', 'pod-unknown-service-account']);
    expect(events[3]).toMatchObject({
      channel: 'pod-identity',
      decision: 'deny',
      errorCode: 'ResourceNotFoundException',
      record: {
        eventSource: 'eks-auth.amazonaws.com',
        sourceIPAddress: '127.0.0.1',
        userIdentity: { type: 'Unknown', accountId: ACCOUNT },
        requestParameters: { status: 404, podUid: 'pod-uid-0' },
        resources: [{ ARN: `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/demo`, type: 'AWS::EKS::Cluster' }],
      },
    });
    expect(events[2]!.record).not.toHaveProperty('resources');
    const text = JSON.stringify(events);
    for (const secret of [expired, forged, valid, valid.split('.')[1]!, 'not-a-jwt'])
      expect(text).not.toContain(secret);
    // Later, the budget has refilled: the next refusal carries the five left out.
    offset = 3_600_000;
    expect(await get('')).toBe(400);
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toHaveLength(5);
    expect(events[4]!.record).toMatchObject({ credplane: { suppressedUnauthenticated: 5 } });
  });
});
