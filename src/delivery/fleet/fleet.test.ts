/**
 * The fleet's trust boundary in one process: the agent port (mutual TLS with the plane CA), join
 * tokens (once, before expiry), node certificates (honoured only while the store records them),
 * node scope (only the instances placed on the node, refusals logged), and the agent serving an
 * instance's metadata from credentials it fetched ahead of need, through a server outage.
 */
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessEventInput } from '../../store/store.js';
import { ACCOUNT, createTestPlane, type TestPlane } from '../../server/test-support/plane.js';
import { generateMasterKey } from '../../crypto/index.js';
import { openStore } from '../../store/open.js';
import { createIdentitySigner } from '../imds/identity.js';
import { startAgentApi, type AgentApi } from './agent-api.js';
import { startAgent } from './agent/agent.js';
import { NodeIdentity } from './agent/node-identity.js';
import { NodeCa } from './ca.js';
import { NodePods } from './node-pods.js';
import { NodeTasks } from './node-tasks.js';
import { ClusterRegistry, type Cluster } from '../../oidc/cluster-registry.js';
import { createCluster } from '../../oidc/create-cluster.js';
import { mintServiceAccountToken } from '../../oidc/service-account-token.js';
import { activeSigningKey } from '../../oidc/signing-keys.js';
import { NodeWorkloads } from './node-workloads.js';
import { TaskRegistry, type TaskDefinition } from '../container/tasks.js';
import { WorkloadIssuer } from '../workload-issuer.js';
import { NodeRegistry } from './nodes.js';
import { certificateRequestPem, generateKeyPair, privateKeyPem } from './x509.js';

const ec2Trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const ecsTrust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
});
const taskDefinition: TaskDefinition = {
  accountId: ACCOUNT,
  family: 'orders',
  revision: 1,
  taskDefinitionArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/orders:1`,
  roleName: 'orders-task',
  containers: [{ name: 'worker', image: 'node:20', environment: [] }],
};
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

/** A pod's projected token as the kubelet gets it: pod- and node-bound, for EKS Pod Identity. */
async function podToken(node: string | undefined, podName = 'api-0', ttl = 3600): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return (
    await mintServiceAccountToken(activeSigningKey(clusters.signingKeys('demo')), {
      issuer: cluster.issuer,
      namespace: 'payments',
      serviceAccount: { name: 'api', uid: 'sa-uid' },
      pod: { name: podName, uid: `${podName}-uid` },
      ...(node === undefined ? {} : { node: { name: node, uid: `${node}-uid` } }),
      audiences: ['pods.eks.amazonaws.com'],
      expirationSeconds: ttl,
      now,
    })
  ).token;
}
const A = 'i-0aaaaaaaaaaaaaaaa';
const B = 'i-0bbbbbbbbbbbbbbbb';

let plane: TestPlane;
let registry: NodeRegistry;
let taskRegistry: TaskRegistry;
let clusters: ClusterRegistry;
let cluster: Cluster;
let api: AgentApi;
let ca: NodeCa;
const events: AccessEventInput[] = [];
const dirs: string[] = [];
const stateDir = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-agent-'));
  dirs.push(dir);
  return dir;
};

async function startApi(port = 0): Promise<AgentApi> {
  const workloads = new NodeWorkloads({
    store: plane.store,
    snapshot: plane.snapshot,
    keyRing: plane.keyRing,
    identity: createIdentitySigner(),
    accountId: ACCOUNT,
    region: 'us-east-1',
    partition: 'aws',
    credentialSeconds: 3600,
    accessLog: { commit: (e) => (events.push(e), Promise.resolve(true)) },
  });
  const accessLog = { commit: (e: AccessEventInput) => (events.push(e), Promise.resolve(true)) };
  taskRegistry ??= new TaskRegistry({
    issuer: new WorkloadIssuer({ snapshot: plane.snapshot, keyRing: plane.keyRing, accessLog }),
    partition: 'aws',
    region: 'us-east-1',
  });
  const tasks = new NodeTasks({ registry: taskRegistry, region: 'us-east-1', accessLog });
  const pods = new NodePods({
    clusters,
    store: plane.store,
    issuer: new WorkloadIssuer({ snapshot: plane.snapshot, keyRing: plane.keyRing, accessLog }),
    region: 'us-east-1',
    accessLog,
  });
  return startAgentApi({ ca, registry, workloads, tasks, pods, port });
}

beforeAll(async () => {
  plane = await createTestPlane();
  await plane.store.createRole(ACCOUNT, { roleName: 'web', assumeRolePolicyDocument: ec2Trust });
  await plane.store.createInstanceProfile(ACCOUNT, { instanceProfileName: 'web-profile' });
  await plane.store.addRoleToInstanceProfile(ACCOUNT, 'web-profile', 'web');
  await plane.store.createRole(ACCOUNT, { roleName: 'orders-task', assumeRolePolicyDocument: ecsTrust });
  for (const [name, instanceId, node] of [
    ['a', A, 'node-a'],
    ['b', B, 'node-b'],
  ] as const) {
    await plane.store.putWorkload(ACCOUNT, {
      kind: 'ec2-instance',
      name,
      roleName: 'web',
      settings: {
        instanceId,
        instanceProfileName: 'web-profile',
        node,
        metadataOptions: { httpTokens: 'required' },
      },
    });
  }
  clusters = new ClusterRegistry({ dataDir: stateDir(), masterKey: generateMasterKey() });
  cluster = await createCluster(plane.store, clusters, {
    name: 'demo',
    accountId: ACCOUNT,
    region: 'us-east-1',
    partition: 'aws',
    issuerBaseUrl: 'http://127.0.0.1:9',
  });
  await plane.store.createRole(ACCOUNT, { roleName: 'pod-role', assumeRolePolicyDocument: podTrust });
  await plane.store.putWorkload(ACCOUNT, {
    kind: 'eks-pod-identity',
    name: 'demo/payments/api',
    roleName: 'pod-role',
    settings: {
      clusterName: 'demo',
      namespace: 'payments',
      serviceAccount: 'api',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/pod-role`,
    },
  });
  ca = await NodeCa.load(plane.store, generateMasterKey());
  registry = new NodeRegistry({ store: plane.store, ca });
  api = await startApi();
});

afterAll(async () => {
  await api.close();
  await plane.close();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** One request to the agent port with an optional client certificate. */
function call(
  path: string,
  tls: { cert?: string; key?: string },
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${api.url}${path}`,
      { method: body === undefined ? 'GET' : 'POST', ca: ca.certificatePem, ...tls, agent: false },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }),
        );
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function enrolled(node: string): Promise<{ cert: string; key: string }> {
  const token = await registry.add(node);
  const keys = await generateKeyPair();
  const res = await call('/agent/v1/enroll', {}, { token, csr: await certificateRequestPem(keys, node) });
  expect(res.status).toBe(200);
  return { cert: res.json.certificate as string, key: await privateKeyPem(keys.privateKey) };
}

describe('the agent port', () => {
  it('enrolls a node once per join token; a reused, forged or expired token is refused', async () => {
    const token = await registry.add('node-a');
    const keys = await generateKeyPair();
    const csr = await certificateRequestPem(keys, 'node-a');
    const first = await call('/agent/v1/enroll', {}, { token, csr });
    expect(first.status).toBe(200);
    expect(first.json.node).toBe('node-a');
    const again = await call('/agent/v1/enroll', {}, { token, csr });
    expect(again).toMatchObject({ status: 403, json: { code: 'AccessDenied' } });
    const forged = token.replace(/\.[\w-]{43}\./, `.${'A'.repeat(43)}.`);
    expect((await call('/agent/v1/enroll', {}, { token: forged, csr })).status).toBe(403);

    const expired = await registry.add('node-x', -1);
    expect((await call('/agent/v1/enroll', {}, { token: expired, csr })).status).toBe(403);
    // The error never echoes the token.
    expect(JSON.stringify(again.json)).not.toContain(token.split('.')[2]);
  });

  it('refuses clients without a certificate, with a self-made one, or of a removed node', async () => {
    expect((await call('/agent/v1/instances', {})).status).toBe(403);

    // A certificate for the same name from a CA the plane does not know.
    const rogueStore = await openStore(':memory:');
    const rogue = await NodeCa.load(rogueStore, generateMasterKey());
    const keys = await generateKeyPair();
    const rogueCert = await rogue.issueNodeCertificate(
      await certificateRequestPem(keys, 'node-b'),
      'node-b',
      3600,
      Date.now(),
    );
    const forged = await call('/agent/v1/instances', {
      cert: rogueCert.pem,
      key: await privateKeyPem(keys.privateKey),
    });
    expect(forged.status).toBe(403);
    await rogueStore.close();

    const tls = await enrolled('node-r');
    expect((await call('/agent/v1/instances', tls)).status).toBe(200);
    await registry.remove('node-r');
    expect(await call('/agent/v1/instances', tls)).toMatchObject({
      status: 403,
      json: { code: 'AccessDenied' },
    });
  });

  it('gives a node only the instances placed on it, and logs a refusal for any other', async () => {
    const tls = await enrolled('node-b');
    const listed = await call('/agent/v1/instances', tls);
    expect((listed.json.instances as { instanceId: string }[]).map((i) => i.instanceId)).toEqual([B]);

    const mine = await call('/agent/v1/credentials', tls, { instanceId: B, delivery: '2.0' });
    expect(mine.json).toMatchObject({ code: 'Success', roleArn: `arn:aws:iam::${ACCOUNT}:role/web` });
    expect(events.at(-1)).toMatchObject({ eventName: 'AssumeRole', decision: 'allow' });

    const before = events.length;
    const theirs = await call('/agent/v1/credentials', tls, { instanceId: A, delivery: '2.0' });
    expect(theirs).toMatchObject({ status: 403, json: { code: 'AccessDenied' } });
    expect(theirs.json).not.toHaveProperty('sessionToken');
    expect(events.length).toBe(before + 1);
    expect(events.at(-1)).toMatchObject({ errorCode: 'AccessDenied' });
    expect(JSON.stringify(events.at(-1)!.record)).toContain('Node node-b is not allowed');
  });

  it('answers from the store as it is at each request: re-placed, re-roled, deleted, node removed', async () => {
    const C = 'i-0cccccccccccccccc';
    await plane.store.createRole(ACCOUNT, { roleName: 'web-2', assumeRolePolicyDocument: ec2Trust });
    await plane.store.createInstanceProfile(ACCOUNT, { instanceProfileName: 'moving-profile' });
    await plane.store.addRoleToInstanceProfile(ACCOUNT, 'moving-profile', 'web');
    const put = (node: string) =>
      plane.store.putWorkload(ACCOUNT, {
        kind: 'ec2-instance',
        name: 'c',
        roleName: 'web',
        settings: { instanceId: C, instanceProfileName: 'moving-profile', node },
      });
    const ask = (tls: { cert: string; key: string }) =>
      call('/agent/v1/credentials', tls, { instanceId: C, delivery: '2.0' });
    const synced = async (tls: { cert: string; key: string }) =>
      (
        (await call('/agent/v1/instances', tls)).json.instances as { instanceId: string; roleName?: string }[]
      ).map((i) => `${i.instanceId}:${i.roleName ?? ''}`);
    await put('node-c1');
    const one = await enrolled('node-c1');
    const two = await enrolled('node-c2');
    // Each answer below is asked twice, so a cached answer of the previous state would show.
    expect((await ask(one)).json).toMatchObject({
      code: 'Success',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/web`,
    });
    expect(await synced(one)).toEqual([`${C}:web`]);
    expect(await synced(one)).toEqual([`${C}:web`]);

    await put('node-c2');
    expect(await ask(one)).toMatchObject({ status: 403, json: { code: 'AccessDenied' } });
    expect(await synced(one)).toEqual([]);
    expect((await ask(two)).json).toMatchObject({ code: 'Success' });
    expect(await synced(two)).toEqual([`${C}:web`]);

    await plane.store.removeRoleFromInstanceProfile(ACCOUNT, 'moving-profile', 'web');
    await plane.store.addRoleToInstanceProfile(ACCOUNT, 'moving-profile', 'web-2');
    expect((await ask(two)).json).toMatchObject({
      code: 'Success',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/web-2`,
    });
    expect(await synced(two)).toEqual([`${C}:web-2`]);

    await registry.remove('node-c2');
    expect(await ask(two)).toMatchObject({ status: 403, json: { code: 'AccessDenied' } });
    expect((await call('/agent/v1/instances', two)).status).toBe(403);

    await put('node-c1');
    expect((await ask(one)).json).toMatchObject({ code: 'Success' });
    await plane.store.deleteWorkload(ACCOUNT, 'ec2-instance', 'c');
    expect(await ask(one)).toMatchObject({ status: 403, json: { code: 'AccessDenied' } });
    expect(await synced(one)).toEqual([]);
  });

  it("gives a node only the ECS tasks placed on it; another node's task, or a stopped one, is refused and logged", async () => {
    const tls = await enrolled('node-t');
    const mine = taskRegistry.start(taskDefinition, { node: 'node-t' });
    const theirs = taskRegistry.start(taskDefinition, { node: 'node-u' });
    taskRegistry.start(taskDefinition);
    const listed = await call('/agent/v1/tasks', tls);
    expect(listed.json.tasks).toEqual([
      expect.objectContaining({ taskId: mine.taskId, credentialsPath: mine.credentialsPath }),
    ]);
    // The task's token (the full-URI form of the server's own endpoint) is never sent to the node.
    expect(JSON.stringify(listed.json)).not.toContain(mine.authorizationToken);

    const before = events.length;
    const got = await call('/agent/v1/task-credentials', tls, { taskId: mine.taskId });
    expect(got.json).toMatchObject({ code: 'Success', roleArn: `arn:aws:iam::${ACCOUNT}:role/orders-task` });
    expect(events.length).toBe(before + 1);
    expect(events.at(-1)).toMatchObject({ eventName: 'AssumeRole', decision: 'allow' });

    for (const taskId of [theirs.taskId, 'no-such-task']) {
      const refused = await call('/agent/v1/task-credentials', tls, { taskId });
      expect(refused).toMatchObject({ status: 403, json: { code: 'AccessDenied' } });
      expect(refused.json).not.toHaveProperty('secretAccessKey');
      expect(events.at(-1)).toMatchObject({ errorCode: 'AccessDenied' });
      expect(JSON.stringify(events.at(-1)!.record)).toContain(
        `Node node-t is not allowed the credentials of task ${taskId}`,
      );
    }
    taskRegistry.stop(mine.taskId);
    expect((await call('/agent/v1/task-credentials', tls, { taskId: mine.taskId })).status).toBe(403);
    expect((await call('/agent/v1/tasks', tls)).json.tasks).toEqual([]);
  });

  it("gives a node a pod's credentials only for a token bound to that node; others refused and logged", async () => {
    const tls = await enrolled('node-p');
    const before = events.length;
    const mine = await call('/agent/v1/pod-credentials', tls, { token: await podToken('node-p') });
    expect(mine.json).toMatchObject({ code: 'Success', roleArn: `arn:aws:iam::${ACCOUNT}:role/pod-role` });
    expect(events.length).toBe(before + 1);
    expect(events.at(-1)).toMatchObject({ eventName: 'AssumeRole', decision: 'allow' });

    for (const node of ['node-q', undefined]) {
      const refused = await call('/agent/v1/pod-credentials', tls, { token: await podToken(node) });
      expect(refused).toMatchObject({ status: 403, json: { code: 'AccessDenied' } });
      expect(refused.json).not.toHaveProperty('secretAccessKey');
      expect(events.at(-1)).toMatchObject({ errorCode: 'AccessDenied' });
      expect(JSON.stringify(events.at(-1)!.record)).toContain(
        'Node node-p is not allowed the credentials of pod payments/api-0',
      );
    }
    // A token of no credplane cluster: EKS Auth's InvalidTokenException.
    const forged = (await podToken('node-p')).replace(/\.[^.]+$/, '.AAAA');
    expect(await call('/agent/v1/pod-credentials', tls, { token: forged })).toMatchObject({
      status: 400,
      json: { code: 'InvalidTokenException' },
    });
  });

  it('renews its certificate for a new key, and next renews at half-life', async () => {
    const identity = new NodeIdentity(api.url, stateDir());
    await identity.ensure(await registry.add('node-n'));
    const old = identity.tls();
    await identity.renew();
    expect(identity.tls().key).not.toBe(old.key);
    expect(
      (await call('/agent/v1/instances', { cert: identity.tls().cert!, key: identity.tls().key! })).status,
    ).toBe(200);
    expect(identity.renewAt()).toBeGreaterThan(Date.now() + 11 * 3600_000);
  });
});

describe('the agent', () => {
  it("serves its tasks' relative URIs with the container endpoint, no token asked, through a server outage", async () => {
    const agent = await startAgent({
      server: api.url,
      stateDir: stateDir(),
      joinToken: await registry.add('node-e'),
      bind: [],
      containerBind: ['127.0.0.1'],
      containerPort: 0,
      syncMs: 60_000,
    });
    try {
      const base = agent.containerEndpoints[0]!;
      const task = taskRegistry.start(taskDefinition, { node: 'node-e' });
      const other = taskRegistry.start(taskDefinition, { node: 'node-f' });
      expect((await fetch(base + task.credentialsPath)).status).toBe(400);
      await agent.sync();
      const res = await fetch(base + task.credentialsPath);
      expect(res.status).toBe(200);
      const doc = (await res.json()) as Record<string, string>;
      expect(doc).toMatchObject({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/orders-task` });
      expect(doc.Expiration).toMatch(/Z$/);
      // Another node's task is not served here, even by its exact path.
      const foreign = await fetch(base + other.credentialsPath);
      expect(foreign.status).toBe(400);
      expect(await foreign.text()).not.toContain('SecretAccessKey');
      // Task metadata v4 from the same endpoint.
      const meta = await fetch(`${base}/v4/${task.metadataId}/task`);
      expect(((await meta.json()) as { TaskARN: string }).TaskARN).toBe(task.taskArn);

      await api.close();
      await agent.sync().catch(() => undefined);
      const during = (await (await fetch(base + task.credentialsPath)).json()) as Record<string, string>;
      expect(during.AccessKeyId).toBe(doc.AccessKeyId);
      api = await startApi(Number(new URL(api.url).port));
      // A stopped task stops being served once the agent hears of it.
      taskRegistry.stop(task.taskId);
      await agent.sync();
      expect((await fetch(base + task.credentialsPath)).status).toBe(400);
    } finally {
      await agent.stop();
    }
  });

  it('serves EKS Pod Identity to a pod presenting its token, through a server outage', async () => {
    const agent = await startAgent({
      server: api.url,
      stateDir: stateDir(),
      joinToken: await registry.add('node-k'),
      bind: [],
      podIdentityBind: ['127.0.0.1'],
      podIdentityPort: 0,
      syncMs: 60_000,
    });
    try {
      const url = `${agent.podIdentityEndpoints[0]!}/v1/credentials`;
      const token = await podToken('node-k');
      const res = await fetch(url, { headers: { Authorization: token } });
      expect(res.status).toBe(200);
      const doc = (await res.json()) as Record<string, string>;
      expect(doc.AccessKeyId).toMatch(/^ASIA/);
      expect(doc).not.toHaveProperty('RoleArn');
      // The agent's own answers: no token, an expired one.
      expect((await fetch(url)).status).toBe(400);
      const expired = await podToken('node-k', 'api-0', -10);
      expect(await (await fetch(url, { headers: { Authorization: expired } })).text()).toContain(
        'token is expired',
      );
      // Another node's pod token: the server's refusal, as EKS Auth's AccessDeniedException.
      const foreign = await fetch(url, { headers: { Authorization: await podToken('node-z') } });
      expect(foreign.status).toBe(400);
      expect(await foreign.text()).toContain('(AccessDeniedException)');

      await api.close();
      const during = (await (await fetch(url, { headers: { Authorization: token } })).json()) as Record<
        string,
        string
      >;
      expect(during.AccessKeyId).toBe(doc.AccessKeyId);
      api = await startApi(Number(new URL(api.url).port));
    } finally {
      await agent.stop();
    }
  });

  it("listens on the IPv6 metadata address only while the instance's HttpProtocolIpv6 is enabled", async () => {
    const agent = await startAgent({
      server: api.url,
      stateDir: stateDir(),
      joinToken: await registry.add('node-v'),
      bind: [],
      bindV6: ['::1'],
      port: 0,
      syncMs: 60_000,
    });
    const w = await plane.store.getWorkload(ACCOUNT, 'ec2-instance', 'b');
    const place = (ipv6: 'enabled' | 'disabled') =>
      plane.store.putWorkload(ACCOUNT, {
        ...w,
        settings: {
          ...w.settings,
          node: 'node-v',
          metadataOptions: { httpTokens: 'required', httpProtocolIpv6: ipv6 },
        },
      });
    try {
      await place('disabled');
      await agent.sync();
      expect(agent.ipv6Endpoints()).toEqual([]);
      await place('enabled');
      await agent.sync();
      const [endpoint] = agent.ipv6Endpoints();
      expect(endpoint).toMatch(/^http:\/\/\[::1\]:\d+\/$/);
      const token = await (
        await fetch(`${endpoint!}latest/api/token`, {
          method: 'PUT',
          headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' },
        })
      ).text();
      const id = await fetch(`${endpoint!}latest/meta-data/instance-id`, {
        headers: { 'x-aws-ec2-metadata-token': token },
      });
      expect(await id.text()).toBe(B);
      // Disabled again: nothing listens there any more (a refused connection, as on EC2).
      await place('disabled');
      await agent.sync();
      expect(agent.ipv6Endpoints()).toEqual([]);
      await expect(fetch(`${endpoint!}latest/api/token`, { method: 'PUT' })).rejects.toThrow();
    } finally {
      await agent.stop();
      await plane.store.putWorkload(ACCOUNT, w);
    }
  });

  it('restarted while the server is away, serves what it saved, sealed in its state directory', async () => {
    const dir = stateDir();
    const w = await plane.store.getWorkload(ACCOUNT, 'ec2-instance', 'b');
    await plane.store.putWorkload(ACCOUNT, { ...w, settings: { ...w.settings, node: 'node-r' } });
    const task = taskRegistry.start(taskDefinition, { node: 'node-r' });
    const options = {
      server: api.url,
      stateDir: dir,
      bind: ['127.0.0.1'],
      port: 0,
      containerBind: ['127.0.0.1'],
      containerPort: 0,
      syncMs: 60_000,
    };
    const read = async (agent: Awaited<ReturnType<typeof startAgent>>) => {
      const endpoint = agent.endpoints[0]!;
      const token = await (
        await fetch(`${endpoint}latest/api/token`, {
          method: 'PUT',
          headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' },
        })
      ).text();
      const imds = (await (
        await fetch(`${endpoint}latest/meta-data/iam/security-credentials/web`, {
          headers: { 'x-aws-ec2-metadata-token': token },
        })
      ).json()) as Record<string, string>;
      const ecs = (await (await fetch(agent.containerEndpoints[0]! + task.credentialsPath)).json()) as Record<
        string,
        string
      >;
      return { imds: imds.AccessKeyId, ecs: ecs.AccessKeyId, secret: imds.SecretAccessKey! };
    };
    let first: { imds?: string; ecs?: string; secret: string };
    const agent1 = await startAgent({ ...options, joinToken: await registry.add('node-r') });
    try {
      first = await read(agent1);
      expect(first.imds).toMatch(/^ASIA/);
      expect(first.ecs).toMatch(/^ASIA/);
    } finally {
      await agent1.stop();
    }
    const sealed = path.join(dir, 'cache.sealed');
    expect(fs.statSync(sealed).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dir, 'cache.key')).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(sealed).includes(first.secret)).toBe(false);
    expect(fs.readFileSync(sealed).includes(first.imds!)).toBe(false);

    // The server goes away; the agent restarts (no join token: its identity is on disk).
    const port = Number(new URL(api.url).port);
    await api.close();
    const agent2 = await startAgent(options);
    try {
      expect(await read(agent2)).toEqual(first);
    } finally {
      await agent2.stop();
      api = await startApi(port);
      await plane.store.putWorkload(ACCOUNT, w);
      taskRegistry.stop(task.taskId);
    }

    // A sealed file that was tampered with is not used (and not trusted).
    const bytes = fs.readFileSync(sealed);
    bytes[bytes.length - 1]! ^= 1;
    fs.writeFileSync(sealed, bytes);
    await api.close();
    const logs: string[] = [];
    const agent3 = await startAgent({ ...options, log: (m) => logs.push(m) });
    try {
      expect(logs).toContain('the saved state does not open; starting without it');
      expect((await fetch(`${agent3.endpoints[0]!}latest/meta-data/`)).status).toBe(403);
    } finally {
      await agent3.stop();
      api = await startApi(port);
    }
  });

  it('serves its instance at the addresses it binds, from credentials it keeps through a server outage', async () => {
    const dir = stateDir();
    const logs: string[] = [];
    const agent = await startAgent({
      server: api.url,
      stateDir: dir,
      joinToken: await registry.add('node-a'.replace('a', 'c')),
      bind: ['127.0.0.1'],
      port: 0,
      syncMs: 60_000,
      log: (m) => logs.push(m),
    });
    try {
      // node-c has nothing placed on it yet: the endpoint answers 403, as a disabled endpoint does.
      expect(agent.node).toBe('node-c');
      const endpoint = agent.endpoints[0]!;
      expect((await fetch(`${endpoint}latest/meta-data/`)).status).toBe(403);

      const w = await plane.store.getWorkload(ACCOUNT, 'ec2-instance', 'a');
      await plane.store.putWorkload(ACCOUNT, { ...w, settings: { ...w.settings, node: 'node-c' } });
      await agent.sync();
      const token = await (
        await fetch(`${endpoint}latest/api/token`, {
          method: 'PUT',
          headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' },
        })
      ).text();
      const get = (p: string) => fetch(`${endpoint}${p}`, { headers: { 'x-aws-ec2-metadata-token': token } });
      expect((await get('latest/meta-data/')).status).toBe(200);
      expect(await (await get('latest/meta-data/instance-id')).text()).toBe(A);
      expect(await (await get('latest/meta-data/iam/security-credentials/')).text()).toBe('web');
      const first = JSON.parse(
        await (await get('latest/meta-data/iam/security-credentials/web')).text(),
      ) as Record<string, string>;
      expect(first.Code).toBe('Success');
      // IMDSv1 is refused for an instance with HttpTokens=required, on the agent as in `credplane up`.
      expect((await fetch(`${endpoint}latest/meta-data/iam/security-credentials/web`)).status).toBe(401);

      // The server goes away: the agent keeps serving the set it holds and keeps trying.
      await api.close();
      await agent.sync().catch(() => undefined);
      const during = JSON.parse(
        await (await get('latest/meta-data/iam/security-credentials/web')).text(),
      ) as Record<string, string>;
      expect(during.AccessKeyId).toBe(first.AccessKeyId);
      // Back on the same port: the agent reconnects by itself on its next sync.
      api = await startApi(Number(new URL(api.url).port));
      await agent.sync();
      expect(logs.some((l) => l.includes('unreachable') || l.includes('failed'))).toBe(false);
    } finally {
      await agent.stop();
      const w = await plane.store.getWorkload(ACCOUNT, 'ec2-instance', 'a');
      await plane.store.putWorkload(ACCOUNT, { ...w, settings: { ...w.settings, node: 'node-a' } });
    }
    // Its key never left the state directory, and only its owner can read it.
    expect(fs.statSync(path.join(dir, 'key.pem')).mode & 0o777).toBe(0o600);
  });
});
