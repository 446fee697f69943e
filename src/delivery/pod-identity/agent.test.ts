import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMasterKey } from '../../crypto/index.js';
import { ClusterRegistry, type Cluster } from '../../oidc/cluster-registry.js';
import { createCluster } from '../../oidc/create-cluster.js';
import { mintServiceAccountToken } from '../../oidc/service-account-token.js';
import { activeSigningKey, generateSigningKey } from '../../oidc/signing-keys.js';
import type { ApiHandler, ApiRequest } from '../../http/types.js';
import type { AccessEventInput } from '../../store/store.js';
import { ACCOUNT, createTestPlane, xmlValue, type TestPlane } from '../../server/test-support/plane.js';
import { WorkloadIssuer } from '../workload-issuer.js';
import { createPodIdentityAgentHandler, podSessionName } from './agent.js';

let plane: TestPlane;
let registry: ClusterRegistry;
let cluster: Cluster;
let agent: ApiHandler;
let dataDir: string;
const logged: AccessEventInput[] = [];

const podTrust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: 'pods.eks.amazonaws.com' },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
    },
  ],
});

beforeAll(async () => {
  plane = await createTestPlane();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-podid-'));
  registry = new ClusterRegistry({ dataDir, masterKey: generateMasterKey(), now: () => plane.clock.now });
  cluster = await createCluster(plane.store, registry, {
    name: 'demo',
    accountId: ACCOUNT,
    region: 'us-east-1',
    partition: 'aws',
    issuerBaseUrl: 'http://127.0.0.1:9',
  });
  await plane.store.createRole(ACCOUNT, { roleName: 'pod-role', assumeRolePolicyDocument: podTrust });
  // ABAC: the role may read roles only from pods of namespace "payments".
  await plane.store.putRolePolicy(
    ACCOUNT,
    'pod-role',
    'abac',
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'iam:GetRole',
          Resource: '*',
          Condition: { StringEquals: { 'aws:PrincipalTag/kubernetes-namespace': 'payments' } },
        },
      ],
    }),
  );
  await plane.store.createRole(ACCOUNT, {
    roleName: 'ec2-only',
    assumeRolePolicyDocument: podTrust.replace('pods.eks.amazonaws.com', 'ec2.amazonaws.com'),
  });
  for (const [ns, role] of [
    ['payments', 'pod-role'],
    ['batch', 'pod-role'],
    ['legacy', 'ec2-only'],
  ] as const) {
    await plane.store.putWorkload(ACCOUNT, {
      kind: 'eks-pod-identity',
      name: `demo/${ns}/api`,
      roleName: role,
      settings: {
        clusterName: 'demo',
        namespace: ns,
        serviceAccount: 'api',
        roleArn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
      },
    });
  }
  agent = createPodIdentityAgentHandler({
    registry,
    store: plane.store,
    issuer: new WorkloadIssuer({
      snapshot: plane.snapshot,
      keyRing: plane.keyRing,
      now: () => plane.clock.now,
      accessLog: {
        commit: (event) => {
          logged.push(event);
          return Promise.resolve(true);
        },
      },
    }),
    now: () => plane.clock.now,
  });
});

afterAll(async () => {
  await plane.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const now = () => Math.floor(plane.clock.now / 1000);

async function token(
  options: {
    ns?: string;
    audience?: string;
    key?: ReturnType<typeof generateSigningKey>;
    at?: number;
    pod?: string;
  } = {},
) {
  return (
    await mintServiceAccountToken(options.key ?? activeSigningKey(registry.signingKeys('demo')), {
      issuer: cluster.issuer,
      namespace: options.ns ?? 'payments',
      serviceAccount: { name: 'api', uid: 'sa-uid' },
      pod: { name: options.pod ?? 'api-0', uid: `pod-uid-${options.pod ?? '0'}` },
      audiences: [options.audience ?? 'pods.eks.amazonaws.com'],
      expirationSeconds: 3600,
      now: options.at ?? now(),
    })
  ).token;
}

async function get(authorization: string | undefined, url = '/v1/credentials') {
  const request: ApiRequest = {
    method: 'GET',
    url,
    rawHeaders: [],
    headers: authorization === undefined ? {} : { authorization },
    body: Buffer.alloc(0),
    remoteAddress: '127.0.0.1',
    requestId: randomUUID(),
    receivedAt: plane.clock.now,
  };
  const response = await agent(request);
  return { status: response.status, type: response.headers?.['content-type'], body: String(response.body) };
}

describe('EKS Pod Identity agent', () => {
  it('answers the container-credentials document; the session carries the EKS session tags (ABAC works)', async () => {
    const response = await get(await token());
    expect(response.status).toBe(200);
    expect(response.type).toBe('application/json');
    const doc = JSON.parse(response.body) as Record<string, string>;
    expect(Object.keys(doc).sort()).toEqual([
      'AccessKeyId',
      'AccountId',
      'Expiration',
      'SecretAccessKey',
      'Token',
    ]);
    expect(doc.AccountId).toBe(ACCOUNT);
    expect(doc.Expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const creds = {
      accessKeyId: doc.AccessKeyId!,
      secretAccessKey: doc.SecretAccessKey!,
      sessionToken: doc.Token!,
    };
    const who = await plane.call('sts', creds, { Action: 'GetCallerIdentity', Version: '2011-06-15' });
    expect(xmlValue(who.text, 'Arn')).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/pod-role/${podSessionName('demo', 'api-0')}`,
    );
    const allowed = await plane.call('iam', creds, {
      Action: 'GetRole',
      Version: '2010-05-08',
      RoleName: 'pod-role',
    });
    expect(allowed.status).toBe(200);

    const other = JSON.parse((await get(await token({ ns: 'batch' }))).body) as Record<string, string>;
    const denied = await plane.call(
      'iam',
      {
        accessKeyId: other.AccessKeyId!,
        secretAccessKey: other.SecretAccessKey!,
        sessionToken: other.Token!,
      },
      { Action: 'GetRole', Version: '2010-05-08', RoleName: 'pod-role' },
    );
    expect(denied.status).toBe(403);
  });

  it('records the session tags in the delivery event, as an AssumeRole event records its Tags', async () => {
    logged.length = 0;
    const response = await get(await token({ ns: 'payments', pod: 'api-7' }));
    expect(response.status).toBe(200);
    const record = logged.at(-1)?.record as {
      eventName: string;
      requestParameters: { tags?: { key: string; value: string }[] };
    };
    expect(record.eventName).toBe('AssumeRole');
    expect(record.requestParameters.tags).toEqual([
      { key: 'eks-cluster-arn', value: `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/demo` },
      { key: 'eks-cluster-name', value: 'demo' },
      { key: 'kubernetes-namespace', value: 'payments' },
      { key: 'kubernetes-service-account', value: 'api' },
      { key: 'kubernetes-pod-name', value: 'api-7' },
      { key: 'kubernetes-pod-uid', value: 'pod-uid-api-7' },
    ]);
  });

  it('serves the same credentials to the same pod until refresh (memoized)', async () => {
    const a = JSON.parse((await get(await token())).body) as Record<string, string>;
    const b = JSON.parse((await get(await token())).body) as Record<string, string>;
    expect(b.AccessKeyId).toBe(a.AccessKeyId);
  });

  it('issues sessions of the configured lifetime and rotates them past the refresh point', async () => {
    const short = createPodIdentityAgentHandler({
      registry,
      store: plane.store,
      issuer: new WorkloadIssuer({
        snapshot: plane.snapshot,
        keyRing: plane.keyRing,
        now: () => plane.clock.now,
      }),
      now: () => plane.clock.now,
      lifetime: { credentialSeconds: 120, refreshBeforeSeconds: 100 },
    });
    const ask = async () => {
      const response = await short({
        method: 'GET',
        url: '/v1/credentials',
        rawHeaders: [],
        headers: { authorization: await token() },
        body: Buffer.alloc(0),
        remoteAddress: '127.0.0.1',
        requestId: randomUUID(),
        receivedAt: plane.clock.now,
      });
      return JSON.parse(String(response.body)) as Record<string, string>;
    };
    const start = plane.clock.now;
    const first = await ask();
    // The document's Expiration has whole seconds.
    expect(Date.parse(first.Expiration!) - start).toBeGreaterThan(118_000);
    expect(Date.parse(first.Expiration!) - start).toBeLessThanOrEqual(120_000);
    expect((await ask()).AccessKeyId).toBe(first.AccessKeyId);
    plane.clock.now = start + 21_000;
    try {
      expect((await ask()).AccessKeyId).not.toBe(first.AccessKeyId);
    } finally {
      plane.clock.now = start;
    }
  });

  it('answers as the agent does for empty, unparsable and expired tokens', async () => {
    expect(await get(undefined)).toMatchObject({
      status: 400,
      body: 'Service account token cannot be empty\n',
    });
    expect((await get('garbage')).body).toMatch(/^Service account token cannot be parsed/);
    const expired = await get(await token({ at: now() - 7200 }));
    expect(expired.status).toBe(400);
    expect(expired.body).toMatch(/^Service account token failed basic claim validations/);
    expect(expired.type).toBe('text/plain; charset=utf-8');
    expect((await get(await token(), '/v2/credentials')).status).toBe(404);
  });

  it('refuses tokens with the wrong audience or an unknown key (InvalidTokenException)', async () => {
    const wrongAud = await get(await token({ audience: 'sts.amazonaws.com' }));
    expect(wrongAud.status).toBe(400);
    expect(wrongAud.body).toMatch(
      /\(InvalidTokenException\): the token audience is not pods\.eks\.amazonaws\.com, fault: client/,
    );
    const forged = await get(await token({ key: generateSigningKey(now()) }));
    expect(forged.status).toBe(400);
    expect(forged.body).toMatch(/\(InvalidTokenException\)/);
  });

  it('refuses a service account without association (404) and a role that does not trust the service (400)', async () => {
    const none = await get(await token({ ns: 'nowhere' }));
    expect(none.status).toBe(404);
    expect(none.body).toMatch(/\(ResourceNotFoundException\): No Pod Identity association/);
    const untrusted = await get(await token({ ns: 'legacy' }));
    expect(untrusted.status).toBe(400);
    expect(untrusted.body).toMatch(
      /\(AccessDeniedException\): pods\.eks\.amazonaws\.com is not authorized to perform: sts:AssumeRole/,
    );
  });
});
