/**
 * Golden files: `testdata/<case>.review.json` (an AdmissionReview and the webhook options) in,
 * `testdata/<case>.golden.json` (the response with its JSON Patch decoded) out. Goldens are
 * written by hand and reviewed against the behaviour of aws/amazon-eks-pod-identity-webhook
 * (`pkg/handler/handler.go`) as docs/eks.md describes it; the test never writes them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMasterKey } from '../../../crypto/index.js';
import { ClusterRegistry, type Cluster } from '../../../oidc/cluster-registry.js';
import { createCluster } from '../../../oidc/create-cluster.js';
import { openStore } from '../../../store/open.js';
import type { Store } from '../../../store/store.js';
import { applyServiceAccounts, parseServiceAccountManifests } from '../service-accounts.js';
import { BadAdmissionReviewError, reviewPodAdmission, type AdmissionOptions } from './admission.js';

const ACCOUNT = '123456789012';
const TESTDATA = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');

let store: Store;
let cluster: Cluster;
let dataDir: string;

const sa = (ns: string, name: string, role: string, extra = '') =>
  [
    'apiVersion: v1',
    'kind: ServiceAccount',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${ns}`,
    '  annotations:',
    `    eks.amazonaws.com/role-arn: arn:aws:iam::${ACCOUNT}:role/${role}`,
    extra,
  ].join('\n');

beforeAll(async () => {
  store = await openStore(':memory:');
  await store.createAccount({ accountId: ACCOUNT });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-webhook-'));
  const registry = new ClusterRegistry({ dataDir, masterKey: generateMasterKey() });
  cluster = await createCluster(store, registry, {
    name: 'demo',
    accountId: ACCOUNT,
    region: 'us-east-1',
    partition: 'aws',
    issuerBaseUrl: 'http://127.0.0.1:7300',
  });
  const hostPath = cluster.issuer.slice('http://'.length);
  const trust = (condition: object) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: cluster.providerArn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: condition,
        },
      ],
    });
  await store.createRole(ACCOUNT, {
    roleName: 'payments-api',
    assumeRolePolicyDocument: trust({
      StringEquals: { [`${hostPath}:sub`]: 'system:serviceaccount:payments:api' },
    }),
  });
  await store.createRole(ACCOUNT, {
    roleName: 'open-role',
    assumeRolePolicyDocument: trust({ StringEquals: { [`${hostPath}:aud`]: 'sts.amazonaws.com' } }),
  });
  // Its trust policy would admit any audience; STS refuses an audience the provider does not list first.
  await store.createRole(ACCOUNT, {
    roleName: 'vault-reader',
    assumeRolePolicyDocument: trust({
      StringEquals: { [`${hostPath}:sub`]: 'system:serviceaccount:vault:reader' },
    }),
  });
  const manifests = [
    sa(
      'payments',
      'api',
      'payments-api',
      '    eks.amazonaws.com/sts-regional-endpoints: "true"\n    eks.amazonaws.com/token-expiration: "3600"',
    ),
    sa('payments', 'intruder', 'payments-api'),
    sa('batch', 'open', 'open-role'),
    sa('vault', 'reader', 'vault-reader', '    eks.amazonaws.com/audience: vault'),
  ].join('\n---\n');
  await applyServiceAccounts(store, ACCOUNT, parseServiceAccountManifests(manifests, 'demo'));
});

afterAll(async () => {
  await store.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const cases = fs
  .readdirSync(TESTDATA)
  .filter((f) => f.endsWith('.review.json'))
  .map((f) => f.slice(0, -'.review.json'.length))
  .sort();

/** The response with the patch decoded, and the cluster's random issuer id replaced by `<ID>`. */
async function run(name: string): Promise<unknown> {
  const input = JSON.parse(fs.readFileSync(path.join(TESTDATA, `${name}.review.json`), 'utf8')) as {
    options: Omit<AdmissionOptions, 'cluster' | 'store'>;
    review: unknown;
  };
  const { response } = await reviewPodAdmission(input.review, { ...input.options, cluster, store });
  const decoded = {
    ...response,
    ...(response.patch === undefined
      ? {}
      : { patch: JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as unknown }),
  };
  return JSON.parse(JSON.stringify(decoded).replaceAll(cluster.id, '<ID>')) as unknown;
}

describe('admission webhook golden files', () => {
  it('has every case', () => {
    expect(cases).toEqual([
      'audience-not-a-client-id',
      'basic',
      'existing-env',
      'init-and-skip',
      'no-irsa',
      'no-sub-condition',
      'opt-out',
      'untrusted',
      'untrusted-fail-open',
      'update-ignored',
    ]);
  });

  for (const name of cases) {
    it(name, async () => {
      const golden = JSON.parse(
        fs.readFileSync(path.join(TESTDATA, `${name}.golden.json`), 'utf8'),
      ) as unknown;
      expect(await run(name)).toEqual(golden);
    });
  }

  it('refuses what is not a v1 AdmissionReview', async () => {
    for (const bad of [
      null,
      {},
      { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: { uid: 'u' } },
      { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: {} },
    ]) {
      await expect(reviewPodAdmission(bad, { cluster, store })).rejects.toBeInstanceOf(
        BadAdmissionReviewError,
      );
    }
  });
});
