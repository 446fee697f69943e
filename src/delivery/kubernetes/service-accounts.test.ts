import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMasterKey } from '../../crypto/index.js';
import { ClusterRegistry, type Cluster } from '../../oidc/cluster-registry.js';
import { createCluster } from '../../oidc/create-cluster.js';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/store.js';
import { podEnvironment, podIdentityEnvironment } from './pod-environment.js';
import { irsaTrustWarnings } from './posture.js';
import { parsePodTarget, preparePod } from './run-as-pod.js';
import { applyServiceAccounts, parseServiceAccountManifests, serviceAccountOf } from './service-accounts.js';
import { checkServiceAccountTrust } from './trust-check.js';

const ACCOUNT = '123456789012';
const MANIFESTS = `
apiVersion: v1
kind: ServiceAccount
metadata:
  name: api
  namespace: payments
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::${ACCOUNT}:role/payments-api
    eks.amazonaws.com/token-expiration: "300"
    eks.amazonaws.com/sts-regional-endpoints: "true"
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: worker
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::${ACCOUNT}:role/open-role
    eks.amazonaws.com/audience: custom-aud
`;

describe('parseServiceAccountManifests', () => {
  it('reads IRSA annotations with the webhook defaults and bounds', () => {
    expect(parseServiceAccountManifests(MANIFESTS, 'demo')).toEqual([
      {
        cluster: 'demo',
        namespace: 'payments',
        name: 'api',
        roleArn: `arn:aws:iam::${ACCOUNT}:role/payments-api`,
        audience: 'sts.amazonaws.com',
        tokenExpirationSeconds: 600,
        stsRegionalEndpoints: true,
      },
      {
        cluster: 'demo',
        namespace: 'default',
        name: 'worker',
        roleArn: `arn:aws:iam::${ACCOUNT}:role/open-role`,
        audience: 'custom-aud',
        stsRegionalEndpoints: false,
      },
    ]);
  });

  it('refuses manifests it cannot honour, saying why', () => {
    const sa = (extra: string) => `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n${extra}`;
    expect(() => parseServiceAccountManifests(sa(''), 'c')).toThrow(/role-arn annotation is required/);
    expect(() =>
      parseServiceAccountManifests(sa('  annotations:\n    eks.amazonaws.com/role-arn: nope\n'), 'c'),
    ).toThrow(/not a role ARN/);
    expect(() => parseServiceAccountManifests('apiVersion: v1\nkind: Pod\n', 'c')).toThrow(
      /kind ServiceAccount/,
    );
    expect(() =>
      parseServiceAccountManifests(
        'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: Bad_Name\n',
        'c',
      ),
    ).toThrow(/DNS-1123/);
    expect(() => parseServiceAccountManifests('a: [', 'c')).toThrow();
  });
});

describe('service accounts in the store, trust checks and preparing a pod', () => {
  let store: Store;
  let registry: ClusterRegistry;
  let cluster: Cluster;
  let dataDir: string;

  beforeAll(async () => {
    store = await openStore(':memory:');
    await store.createAccount({ accountId: ACCOUNT });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-sa-'));
    registry = new ClusterRegistry({ dataDir, masterKey: generateMasterKey() });
    cluster = await createCluster(store, registry, {
      name: 'demo',
      accountId: ACCOUNT,
      region: 'us-east-1',
      partition: 'aws',
      issuerBaseUrl: 'http://127.0.0.1:7300',
    });
    const hostPath = cluster.issuer.slice('http://'.length);
    const statement = (condition: object) =>
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
      assumeRolePolicyDocument: statement({
        StringEquals: {
          [`${hostPath}:sub`]: 'system:serviceaccount:payments:api',
          [`${hostPath}:aud`]: 'sts.amazonaws.com',
        },
      }),
    });
    await store.createRole(ACCOUNT, {
      roleName: 'open-role',
      assumeRolePolicyDocument: statement({ StringEquals: { [`${hostPath}:aud`]: 'custom-aud' } }),
    });
  });

  afterAll(async () => {
    await store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores each as an eks-service-account workload and keeps its uid across re-applies', async () => {
    const specs = parseServiceAccountManifests(MANIFESTS, 'demo');
    const first = await applyServiceAccounts(store, ACCOUNT, specs);
    const second = await applyServiceAccounts(store, ACCOUNT, specs);
    expect(second.map((s) => s.uid)).toEqual(first.map((s) => s.uid));
    const workload = await store.getWorkload(ACCOUNT, 'eks-service-account', 'demo/payments/api');
    expect(workload.roleName).toBe('payments-api');
    expect(serviceAccountOf(workload)).toEqual(first[0]);
  });

  it('refuses a role that does not exist or is in another account', async () => {
    const [spec] = parseServiceAccountManifests(MANIFESTS, 'demo');
    await expect(
      applyServiceAccounts(store, ACCOUNT, [{ ...spec!, roleArn: `arn:aws:iam::${ACCOUNT}:role/missing` }]),
    ).rejects.toMatchObject({ code: 'NoSuchEntity' });
    await expect(
      applyServiceAccounts(store, ACCOUNT, [{ ...spec!, roleArn: 'arn:aws:iam::999999999999:role/x' }]),
    ).rejects.toThrow(/another|not 123456789012|is in account/);
  });

  it('evaluates trust as STS will: allowed, not allowed, and allowed for any subject (no :sub)', async () => {
    const [api] = parseServiceAccountManifests(MANIFESTS, 'demo');
    expect(await checkServiceAccountTrust(store, cluster, api!)).toEqual({ ok: true, anySubject: false });
    const other = await checkServiceAccountTrust(store, cluster, { ...api!, name: 'intruder' });
    expect(other.ok).toBe(false);
    expect(!other.ok && other.reason).toMatch(
      /does not allow sts:AssumeRoleWithWebIdentity for system:serviceaccount:payments:intruder/,
    );
  });

  it("refuses an audience that is not one of the provider's client ids, as STS would (Incorrect token audience)", async () => {
    const [, worker] = parseServiceAccountManifests(MANIFESTS, 'demo');
    // The trust policy admits aud custom-aud, but STS refuses the token before evaluating it.
    const refused = await checkServiceAccountTrust(store, cluster, worker!);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.reason).toMatch(
      /Incorrect token audience.*custom-aud is not a client id of arn:aws:iam::123456789012:oidc-provider\/.*\(sts\.amazonaws\.com\)/,
    );
    await store.updateOidcProvider(cluster.providerArn, { clientIds: ['sts.amazonaws.com', 'custom-aud'] });
    expect(await checkServiceAccountTrust(store, cluster, worker!)).toEqual({ ok: true, anySubject: true });
  });

  it('refuses when the cluster has no IAM OIDC provider (deleted)', async () => {
    const [api] = parseServiceAccountManifests(MANIFESTS, 'demo');
    const other = await createCluster(store, registry, {
      name: 'gone',
      accountId: ACCOUNT,
      region: 'us-east-1',
      partition: 'aws',
      issuerBaseUrl: 'http://127.0.0.1:7300',
    });
    await store.deleteOidcProvider(other.providerArn);
    const verdict = await checkServiceAccountTrust(store, other, { ...api!, cluster: 'gone' });
    expect(!verdict.ok && verdict.reason).toMatch(/no IAM OIDC provider .* is registered/);
  });

  it('preparePod refuses an undeclared service account and one its role does not trust; warns on no :sub', async () => {
    await expect(
      preparePod(store, registry, ACCOUNT, parsePodTarget('demo/payments/nobody')),
    ).rejects.toThrow(/not declared/);
    await store.putWorkload(ACCOUNT, {
      kind: 'eks-service-account',
      name: 'demo/payments/intruder',
      roleName: 'payments-api',
      settings: { roleArn: `arn:aws:iam::${ACCOUNT}:role/payments-api`, uid: 'u' },
    });
    await expect(
      preparePod(store, registry, ACCOUNT, parsePodTarget('demo/payments/intruder')),
    ).rejects.toMatchObject({
      code: 'AccessDenied',
    });
    const open = await preparePod(store, registry, ACCOUNT, parsePodTarget('demo/default/worker'));
    expect(open.notes.join('\n')).toMatch(/no .*:sub condition/);
    const pod = await preparePod(store, registry, ACCOUNT, parsePodTarget('demo/payments/api'));
    expect(pod.podName).toMatch(/^api-[0-9a-f]{5}$/);
    expect(pod.notes).toEqual([]);
    expect(() => parsePodTarget('demo/api')).toThrow(/<cluster>\/<namespace>\/<serviceaccount>/);
  });
});

describe('podEnvironment', () => {
  it('sets the IRSA variables and removes credentials that would outrank web identity', () => {
    const env = podEnvironment(
      {
        PATH: '/bin',
        AWS_ACCESS_KEY_ID: 'AKIA',
        AWS_SECRET_ACCESS_KEY: 's',
        AWS_PROFILE: 'admin',
        AWS_CONTAINER_CREDENTIALS_FULL_URI: 'x',
        HOME: '/home/operator',
        AWS_ENDPOINT_URL: 'https://elsewhere.example',
        AWS_ENDPOINT_URL_S3: 'https://s3.elsewhere.example',
      },
      {
        roleArn: 'arn:aws:iam::123456789012:role/r',
        tokenFile: '/t/token',
        stsEndpoint: 'http://127.0.0.1:7300',
        region: 'eu-west-1',
        stsRegionalEndpoints: true,
        emptyAwsConfigFile: '/t/empty',
        home: '/t/home',
      },
    );
    expect(env).toEqual({
      PATH: '/bin',
      HOME: '/t/home',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:7300',
      AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/r',
      AWS_WEB_IDENTITY_TOKEN_FILE: '/t/token',
      AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:7300',
      AWS_CONFIG_FILE: '/t/empty',
      AWS_SHARED_CREDENTIALS_FILE: '/t/empty',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_STS_REGIONAL_ENDPOINTS: 'regional',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    const keep = podEnvironment(
      { AWS_REGION: 'us-west-2' },
      {
        roleArn: 'r',
        tokenFile: 't',
        stsEndpoint: 'e',
        region: 'eu-west-1',
        stsRegionalEndpoints: false,
        emptyAwsConfigFile: 'f',
        home: 'h',
      },
    );
    expect(keep.AWS_REGION).toBe('us-west-2');
    expect(keep.AWS_DEFAULT_REGION).toBeUndefined();
    expect(keep.AWS_STS_REGIONAL_ENDPOINTS).toBeUndefined();
  });
});

describe('podIdentityEnvironment', () => {
  it('sets the container-credentials variables the Pod Identity webhook injects, and no web identity', () => {
    const env = podIdentityEnvironment(
      {
        AWS_ROLE_ARN: 'r',
        AWS_WEB_IDENTITY_TOKEN_FILE: 't',
        AWS_ACCESS_KEY_ID: 'AKIA',
        HOME: '/home/operator',
        AWS_ENDPOINT_URL_STS: 'https://sts.elsewhere.example',
      },
      {
        credentialsUri: 'http://127.0.0.1:4000/v1/credentials',
        tokenFile: '/t/eks-pod-identity-token',
        stsEndpoint: 'http://127.0.0.1:7300',
        region: 'us-east-1',
        emptyAwsConfigFile: '/t/empty',
        home: '/t/home',
      },
    );
    expect(env).toEqual({
      HOME: '/t/home',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:7300',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:4000/v1/credentials',
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: '/t/eks-pod-identity-token',
      AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:7300',
      AWS_CONFIG_FILE: '/t/empty',
      AWS_SHARED_CREDENTIALS_FILE: '/t/empty',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
  });
});

describe('irsaTrustWarnings', () => {
  it('flags roles whose trust admits any service account of a cluster, and only those', async () => {
    const store = await openStore(':memory:');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-posture-'));
    try {
      await store.createAccount({ accountId: ACCOUNT });
      const registry = new ClusterRegistry({ dataDir: dir, masterKey: generateMasterKey() });
      const cluster = await createCluster(store, registry, {
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
        roleName: 'scoped',
        assumeRolePolicyDocument: trust({
          StringEquals: { [`${hostPath}:sub`]: 'system:serviceaccount:a:b' },
        }),
      });
      await store.createRole(ACCOUNT, {
        roleName: 'wide',
        assumeRolePolicyDocument: trust({ StringEquals: { [`${hostPath}:aud`]: 'sts.amazonaws.com' } }),
      });
      await store.createRole(ACCOUNT, {
        roleName: 'wildcard',
        assumeRolePolicyDocument: trust({ StringLike: { [`${hostPath}:sub`]: 'system:serviceaccount:*' } }),
      });
      expect(await irsaTrustWarnings(store, registry, ACCOUNT)).toEqual([
        `role wide trusts every service account of cluster demo (no ${hostPath}:sub condition narrows it)`,
        `role wildcard trusts every service account of cluster demo (no ${hostPath}:sub condition narrows it)`,
      ]);
    } finally {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
