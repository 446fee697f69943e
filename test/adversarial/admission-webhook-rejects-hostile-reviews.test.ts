/**
 * Property: the admission webhook injects a role only for the service account the API server says
 * the pod runs as, in the namespace the review request names (never the pod's own metadata), and
 * only with a patch of fixed shape: `add` operations at index paths under `/spec`, whatever the
 * pod's names and annotations contain. A review it cannot read is answered 400 (or 413), not
 * served and not a crash, so the API server's `failurePolicy: Fail` applies. See "Dynamic
 * Admission Control" in the Kubernetes documentation.
 */
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMasterKey } from '../../src/crypto/index.js';
import {
  applyServiceAccounts,
  parseServiceAccountManifests,
} from '../../src/delivery/kubernetes/service-accounts.js';
import { reviewPodAdmission, type AdmissionReview } from '../../src/delivery/kubernetes/webhook/admission.js';
import {
  ensureWebhookCertificates,
  type WebhookTls,
} from '../../src/delivery/kubernetes/webhook/certificates.js';
import { startAdmissionWebhook, type RunningWebhook } from '../../src/delivery/kubernetes/webhook/server.js';
import { ClusterRegistry, type Cluster } from '../../src/oidc/cluster-registry.js';
import { createCluster } from '../../src/oidc/create-cluster.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';

const ACCOUNT = '123456789012';
let store: Store;
let cluster: Cluster;
let dir: string;
let tls: WebhookTls;
let webhook: RunningWebhook;

function review(
  namespace: unknown,
  pod: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): unknown {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'u-1',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      namespace,
      operation: 'CREATE',
      object: pod,
      ...extra,
    },
  };
}

function pod(serviceAccountName: string, more: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    metadata: { name: 'p', ...more },
    spec: { serviceAccountName, containers: [{ name: 'app', image: 'busybox' }] },
  };
}

function patchOf(r: AdmissionReview): { op: string; path: string; value: unknown }[] {
  return r.response.patch === undefined
    ? []
    : (JSON.parse(Buffer.from(r.response.patch, 'base64').toString()) as {
        op: string;
        path: string;
        value: unknown;
      }[]);
}

function roleArnsIn(r: AdmissionReview): string[] {
  return JSON.stringify(patchOf(r)).match(/arn:aws:iam::\d+:role\/[\w-]+/g) ?? [];
}

function post(body: string | Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      webhook.url,
      { method: 'POST', ca: tls.caCert, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-adv-webhook-'));
  store = await openStore(':memory:');
  await store.createAccount({ accountId: ACCOUNT });
  const registry = new ClusterRegistry({ dataDir: dir, masterKey: generateMasterKey() });
  cluster = await createCluster(store, registry, {
    name: 'demo',
    accountId: ACCOUNT,
    region: 'us-east-1',
    partition: 'aws',
    issuerBaseUrl: 'http://127.0.0.1:7300',
  });
  const hostPath = cluster.issuer.slice('http://'.length);
  const trust = (sub: string) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: cluster.providerArn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${hostPath}:sub`]: sub } },
        },
      ],
    });
  await store.createRole(ACCOUNT, {
    roleName: 'payments-api',
    assumeRolePolicyDocument: trust('system:serviceaccount:payments:api'),
  });
  await store.createRole(ACCOUNT, {
    roleName: 'batch-worker',
    assumeRolePolicyDocument: trust('system:serviceaccount:batch:worker'),
  });
  const manifest = (ns: string, name: string, role: string) =>
    [
      'apiVersion: v1',
      'kind: ServiceAccount',
      'metadata:',
      `  name: ${name}`,
      `  namespace: ${ns}`,
      '  annotations:',
      `    eks.amazonaws.com/role-arn: arn:aws:iam::${ACCOUNT}:role/${role}`,
    ].join('\n');
  await applyServiceAccounts(
    store,
    ACCOUNT,
    parseServiceAccountManifests(
      [manifest('payments', 'api', 'payments-api'), manifest('batch', 'worker', 'batch-worker')].join(
        '\n---\n',
      ),
      'demo',
    ),
  );
  tls = ensureWebhookCertificates(path.join(dir, 'webhook'));
  webhook = await startAdmissionWebhook({ cluster, store, tls });
});

afterAll(async () => {
  await webhook.close();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('admission webhook against hostile reviews', () => {
  it("positive control: a payments/api pod gets payments-api's role", async () => {
    const r = await reviewPodAdmission(review('payments', pod('api')), { cluster, store });
    expect(r.response.allowed).toBe(true);
    expect(roleArnsIn(r)).toContain(`arn:aws:iam::${ACCOUNT}:role/payments-api`);
  });

  it("never injects another namespace's service-account role", async () => {
    const cases: [unknown, Record<string, unknown>][] = [
      // The pod claims the other namespace in its own metadata: the request's namespace decides.
      ['payments', pod('worker', { namespace: 'batch' })],
      // Names that would join into another workload's key if paths were normalised or split.
      ['payments', pod('../batch/worker')],
      ['payments', pod('worker/../../batch/worker')],
      ['batch/worker', pod('api')],
      [undefined, pod('worker')],
      [['batch'], pod('worker')],
    ];
    for (const [ns, p] of cases) {
      const r = await reviewPodAdmission(review(ns, p), { cluster, store });
      expect(roleArnsIn(r), JSON.stringify([ns, p])).not.toContain(
        `arn:aws:iam::${ACCOUNT}:role/batch-worker`,
      );
    }
  });

  it('keeps the patch to add operations at index paths, whatever the names and annotations say', async () => {
    const hostile = '/spec/containers/0/securityContext~1privileged","op":"replace';
    const r = await reviewPodAdmission(
      review('payments', {
        metadata: {
          name: hostile,
          annotations: {
            'eks.amazonaws.com/skip-containers': hostile,
            'eks.amazonaws.com/token-expiration': '99999999999',
            'credplane.dev/irsa-injection': 'enabled',
          },
        },
        spec: {
          serviceAccountName: 'api',
          containers: [
            { name: hostile, image: 'busybox' },
            { name: '-', image: 'busybox', env: [{ name: 'X', value: hostile }] },
          ],
        },
      }),
      { cluster, store },
    );
    const patch = patchOf(r);
    expect(patch.length).toBeGreaterThan(0);
    for (const op of patch) {
      expect(op.op).toBe('add');
      expect(op.path).toMatch(
        /^\/spec\/(?:(?:initContainers|containers)\/\d+\/(?:env|volumeMounts)(?:\/-)?|volumes(?:\/-)?)$/,
      );
    }
    // The token lifetime stays within the webhook's bounds (the upstream maximum is 1 day).
    const volume = patch.find((p) => p.path.startsWith('/spec/volumes'))!;
    const text = JSON.stringify(volume.value);
    const seconds = Number(/"expirationSeconds":(\d+)/.exec(text)![1]);
    expect(seconds).toBeLessThanOrEqual(86_400);
    expect(seconds).toBeGreaterThanOrEqual(600);
  });

  it('answers 400 to reviews it cannot read, and 200 only to a well-formed one', async () => {
    expect((await post(JSON.stringify(review('payments', pod('api'))))).status).toBe(200);
    for (const body of [
      '',
      'not json',
      '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}',
      '{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"x"}}',
      '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":""}}',
      'null',
      '[]',
      '"AdmissionReview"',
    ]) {
      const res = await post(body);
      expect(res.status, body).toBe(400);
      expect(res.body).not.toContain('patch');
    }
  });

  it('answers a deeply nested body and an oversized one without crashing (400 / 413), and keeps serving', async () => {
    const deep = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"d","object":${'['.repeat(500_000)}${']'.repeat(500_000)}}}`;
    const nested = await post(deep);
    expect([200, 400]).toContain(nested.status);
    if (nested.status === 200) expect(nested.body).not.toContain('"patch"');
    expect((await post(Buffer.alloc(3 * 1024 * 1024, 0x20))).status).toBe(413);
    expect((await post(JSON.stringify(review('payments', pod('api'))))).status).toBe(200);
  });
});
