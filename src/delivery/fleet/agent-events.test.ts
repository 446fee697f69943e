/**
 * What the agent refuses on its own reaches the server's access log exactly once: kept in its
 * outbox while the server is away, sent after it is back (also after the agent's own restart),
 * not counted twice when a first send stored only part of a batch; and a node cannot log events
 * about another node's instance, nor forge the node it speaks for.
 */
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AccessLogSink } from '../../audit/types.js';
import { generateMasterKey } from '../../crypto/index.js';
import { ACCOUNT, createTestPlane, type TestPlane } from '../../server/test-support/plane.js';
import type { AccessEventInput } from '../../store/store.js';
import { createIdentitySigner } from '../imds/identity.js';
import { startAgentApi, type AgentApi } from './agent-api.js';
import { startAgent } from './agent/agent.js';
import { NodeCa } from './ca.js';
import { NodeEvents } from './node-events.js';
import { NodeWorkloads } from './node-workloads.js';
import { NodeRegistry } from './nodes.js';
import { certificateRequestPem, generateKeyPair, privateKeyPem } from './x509.js';

const ec2Trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const A = 'i-0aaaaaaaaaaaaaaaa';
const B = 'i-0bbbbbbbbbbbbbbbb';

let plane: TestPlane;
let ca: NodeCa;
let registry: NodeRegistry;
let api: AgentApi;
const dirs: string[] = [];

/** The store-backed sink; `failAfter` makes it store that many events, then refuse the rest once. */
const sink = {
  failAfter: undefined as number | undefined,
  async commit(event: AccessEventInput): Promise<boolean> {
    if (this.failAfter !== undefined) {
      if (this.failAfter === 0) return false;
      this.failAfter--;
    }
    await plane.store.appendAccessEvents([event]);
    return true;
  },
};

async function startApi(port = 0): Promise<AgentApi> {
  const accessLog: AccessLogSink = { commit: (e) => sink.commit(e) };
  const workloads = new NodeWorkloads({
    store: plane.store,
    snapshot: plane.snapshot,
    keyRing: plane.keyRing,
    identity: createIdentitySigner(),
    accountId: ACCOUNT,
    region: 'us-east-1',
    partition: 'aws',
    accessLog,
  });
  const events = new NodeEvents({
    accountId: ACCOUNT,
    region: 'us-east-1',
    partition: 'aws',
    placedInstances: (node) => workloads.placedInstanceIds(node),
    accessLog,
  });
  return startAgentApi({ ca, registry, workloads, events, port });
}

async function agentEvents(node: string): Promise<AccessEventInput[]> {
  return (await plane.store.listAccessEvents({ accountId: ACCOUNT })).filter(
    (e) =>
      ((e.record as { credplane?: { agent?: { node?: string } } }).credplane?.agent?.node ?? '') === node,
  );
}

beforeAll(async () => {
  plane = await createTestPlane();
  await plane.store.createRole(ACCOUNT, { roleName: 'web', assumeRolePolicyDocument: ec2Trust });
  await plane.store.createInstanceProfile(ACCOUNT, { instanceProfileName: 'web-profile' });
  await plane.store.addRoleToInstanceProfile(ACCOUNT, 'web-profile', 'web');
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
  ca = await NodeCa.load(plane.store, generateMasterKey());
  registry = new NodeRegistry({ store: plane.store, ca });
  api = await startApi();
});

beforeEach(() => {
  sink.failAfter = undefined;
});

afterAll(async () => {
  await api.close();
  await plane.close();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function stateDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-agent-events-'));
  dirs.push(dir);
  return dir;
}

/** `n` IMDSv1 reads, refused (401) because the instance requires tokens. */
async function refuseV1(endpoint: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${endpoint}latest/meta-data/iam/security-credentials/web`);
    expect(res.status).toBe(401);
  }
}

const generous = { perSourceBurst: 1000, globalBurst: 1000 };

describe('refusals the agent makes on its own', () => {
  it('are kept while the server is away and logged exactly once after it is back, through an agent restart', async () => {
    const dir = stateDir();
    const options = { server: api.url, stateDir: dir, bind: ['127.0.0.1'], port: 0, syncMs: 60_000 };
    const agent = await startAgent({
      ...options,
      joinToken: await registry.add('node-a'),
      eventBudget: generous,
    });
    const port = Number(new URL(api.url).port);
    let restarted: Awaited<ReturnType<typeof startAgent>> | undefined;
    try {
      await api.close();
      await refuseV1(agent.endpoints[0]!, 5);
      // A token PUT through an open proxy (X-Forwarded-For): 403, an event too.
      const put = await fetch(`${agent.endpoints[0]!}latest/api/token`, {
        method: 'PUT',
        headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60', 'x-forwarded-for': '203.0.113.9' },
      });
      expect(put.status).toBe(403);
      await agent.sync().catch(() => undefined);
      expect(agent.pendingEvents()).toBe(6);
      await agent.stop();

      // The agent restarts (the server still away), then the server comes back.
      restarted = await startAgent({ ...options, eventBudget: generous });
      expect(restarted.pendingEvents()).toBe(6);
      api = await startApi(port);
      await restarted.sync();
      expect(restarted.pendingEvents()).toBe(0);
      await restarted.sync();

      const logged = await agentEvents('node-a');
      expect(logged).toHaveLength(6);
      expect(logged.filter((e) => e.errorCode === 'Unauthorized')).toHaveLength(5);
      expect(logged[0]).toMatchObject({
        channel: 'imds',
        decision: 'deny',
        eventSource: 'ec2.amazonaws.com',
        eventName: 'GetInstanceMetadata',
        record: {
          sourceIPAddress: '127.0.0.1',
          requestParameters: { node: 'node-a', reason: 'imds-token-required', status: 401, instanceId: A },
          resources: [{ ARN: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/${A}` }],
          userIdentity: { type: 'Unknown' },
        },
      });
      expect(logged.find((e) => e.eventName === 'PutInstanceMetadataToken')).toMatchObject({
        errorCode: 'Forbidden',
        record: { requestParameters: { reason: 'imds-token-forwarded' } },
      });
    } finally {
      await restarted?.stop();
    }
  });

  it('are not counted twice when the first send stored only part of the batch', async () => {
    const agent = await startAgent({
      server: api.url,
      stateDir: stateDir(),
      joinToken: await registry.add('node-p'),
      bind: ['127.0.0.1'],
      port: 0,
      syncMs: 60_000,
      eventBudget: generous,
    });
    try {
      // Nothing placed on node-p: its endpoint answers 403 (disabled), four times.
      for (let i = 0; i < 4; i++)
        expect((await fetch(`${agent.endpoints[0]!}latest/meta-data/`)).status).toBe(403);
      sink.failAfter = 2;
      await agent.sync();
      // Two stored, the rest refused by the log: nothing acknowledged, all kept.
      expect(await agentEvents('node-p')).toHaveLength(2);
      expect(agent.pendingEvents()).toBe(4);
      sink.failAfter = undefined;
      await agent.sync();
      expect(agent.pendingEvents()).toBe(0);
      const logged = await agentEvents('node-p');
      expect(logged).toHaveLength(4);
      expect(new Set(logged.map((e) => e.eventId)).size).toBe(4);
    } finally {
      await agent.stop();
    }
  });

  it('include a guessed container credentials URI and a pod token that fails the agent’s own checks', async () => {
    const agent = await startAgent({
      server: api.url,
      stateDir: stateDir(),
      joinToken: await registry.add('node-k'),
      bind: ['127.0.0.1'],
      port: 0,
      containerBind: ['127.0.0.1'],
      containerPort: 0,
      podIdentityBind: ['127.0.0.1'],
      podIdentityPort: 0,
      syncMs: 60_000,
      eventBudget: generous,
    });
    try {
      const guessed = await fetch(
        `${agent.containerEndpoints[0]!}/v2/credentials/00000000-0000-4000-8000-000000000000`,
      );
      expect(guessed.status).toBe(400);
      const pod = await fetch(`${agent.podIdentityEndpoints[0]!}/v1/credentials`, {
        headers: { authorization: 'not-a-jwt' },
      });
      expect(pod.status).toBe(400);
      // A wrong path is not a refusal of a credential.
      expect((await fetch(`${agent.podIdentityEndpoints[0]!}/v1/other`)).status).toBe(404);
      await agent.sync();
      const logged = await agentEvents('node-k');
      expect(logged.map((e) => [e.channel, e.eventName, e.errorCode]).sort()).toEqual([
        ['container', 'GetContainerCredentials', 'InvalidIdInRequest'],
        ['pod-identity', 'AssumeRoleForPodIdentity', 'InvalidTokenException'],
      ]);
      // The token the pod sent is not in the log.
      expect(JSON.stringify(logged)).not.toContain('not-a-jwt');
    } finally {
      await agent.stop();
    }
  });

  it('a flood is budgeted as up’s unauthenticated events: the summary carries how many were left out', async () => {
    const agent = await startAgent({
      server: api.url,
      stateDir: stateDir(),
      joinToken: await registry.add('node-f'),
      bind: ['127.0.0.1'],
      port: 0,
      syncMs: 60_000,
      eventBudget: { perSourceBurst: 3, perSourcePerSecond: 1000, globalBurst: 3, globalPerSecond: 0.001 },
    });
    try {
      // Nothing placed on node-f: the endpoint is disabled (403), refused 20 times.
      for (let i = 0; i < 20; i++)
        expect((await fetch(`${agent.endpoints[0]!}latest/meta-data/`)).status).toBe(403);
      await agent.sync();
      const logged = await agentEvents('node-f');
      expect(logged).toHaveLength(3);
      expect(logged.every((e) => e.errorCode === 'Forbidden')).toBe(true);
    } finally {
      await agent.stop();
    }
  });
});

/** One call to the agent port as a node. */
function call(
  route: string,
  tls: { cert: string; key: string },
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${api.url}${route}`,
      { method: 'POST', ca: ca.certificatePem, ...tls, agent: false },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const identities = new Map<string, { cert: string; key: string }>();

/** A node identity for `node`, enrolled once (node names are unique). */
async function enrolled(node: string): Promise<{ cert: string; key: string }> {
  const known = identities.get(node);
  if (known !== undefined) return known;
  const token = await registry.add(node);
  const keys = await generateKeyPair();
  const res = await new Promise<{ certificate: string }>((resolve, reject) => {
    const req = https.request(
      `${api.url}/agent/v1/enroll`,
      { method: 'POST', ca: ca.certificatePem, agent: false },
      (r) => {
        let text = '';
        r.on('data', (c: Buffer) => (text += c.toString()));
        r.on('end', () => resolve(JSON.parse(text) as { certificate: string }));
      },
    );
    req.on('error', reject);
    void certificateRequestPem(keys, node).then((csr) => req.end(JSON.stringify({ token, csr })));
  });
  const identity = { cert: res.certificate, key: await privateKeyPem(keys.privateKey) };
  identities.set(node, identity);
  return identity;
}

const refusal = (over: Record<string, unknown> = {}) => ({
  kind: 'refusal',
  eventId: crypto.randomUUID(),
  time: new Date().toISOString(),
  channel: 'imds',
  reason: 'imds-token-required',
  status: 401,
  sourceIp: '10.1.2.3',
  ...over,
});

describe('POST /agent/v1/events', () => {
  it("refuses an event naming another node's instance, and logs nothing as it", async () => {
    const tls = await enrolled('node-b');
    const theirs = refusal({ instanceId: A, sourceIp: '10.9.9.9' });
    const mine = refusal({ instanceId: B, sourceIp: '10.9.9.8' });
    const res = await call('/agent/v1/events', tls, { events: [theirs, mine] });
    expect(res).toMatchObject({ status: 200, json: { accepted: [mine.eventId], refused: [theirs.eventId] } });
    const all = await plane.store.listAccessEvents({ accountId: ACCOUNT });
    expect(all.some((e) => (e.record as { sourceIPAddress?: string }).sourceIPAddress === '10.9.9.9')).toBe(
      false,
    );
    expect(
      all.filter((e) => (e.record as { sourceIPAddress?: string }).sourceIPAddress === '10.9.9.8'),
    ).toHaveLength(1);
  });

  it('stamps the node from the certificate, not the body, and keeps one node off another’s event ids', async () => {
    const b = await enrolled('node-b');
    const c = await enrolled('node-c');
    const event = refusal({ node: 'node-a', sourceIp: '10.7.7.7' });
    expect((await call('/agent/v1/events', c, { events: [event] })).status).toBe(200);
    // The same agent id from another node is a different event (not swallowed as a duplicate).
    expect((await call('/agent/v1/events', b, { events: [event] })).status).toBe(200);
    const logged = (await plane.store.listAccessEvents({ accountId: ACCOUNT })).filter(
      (e) => (e.record as { sourceIPAddress?: string }).sourceIPAddress === '10.7.7.7',
    );
    expect(
      logged.map((e) => (e.record as { credplane: { agent: { node: string } } }).credplane.agent.node).sort(),
    ).toEqual(['node-b', 'node-c']);
  });

  it('refuses malformed events, oversized batches, made-up refusal classes, and unauthenticated senders', async () => {
    const tls = await enrolled('node-b');
    expect((await call('/agent/v1/events', tls, { events: [] })).status).toBe(400);
    expect(
      (await call('/agent/v1/events', tls, { events: Array.from({ length: 101 }, () => refusal()) })).status,
    ).toBe(400);
    expect((await call('/agent/v1/events', tls, { events: [refusal({ reason: 'anything' })] })).status).toBe(
      400,
    );
    expect((await call('/agent/v1/events', tls, { events: [refusal({ status: 200 })] })).status).toBe(400);
    expect((await call('/agent/v1/events', tls, { events: [refusal({ eventId: 'e1' })] })).status).toBe(400);
    const anonymous = await new Promise<number>((resolve, reject) => {
      const req = https.request(
        `${api.url}/agent/v1/events`,
        { method: 'POST', ca: ca.certificatePem, agent: false },
        (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ events: [refusal()] }));
    });
    expect(anonymous).toBe(403);
  });

  it('does not let a node date an event in the future', async () => {
    const tls = await enrolled('node-b');
    const future = refusal({ time: '2099-01-01T00:00:00.000Z', sourceIp: '10.6.6.6' });
    expect((await call('/agent/v1/events', tls, { events: [future] })).status).toBe(200);
    const [stored] = (await plane.store.listAccessEvents({ accountId: ACCOUNT })).filter(
      (e) => (e.record as { sourceIPAddress?: string }).sourceIPAddress === '10.6.6.6',
    );
    expect(stored!.eventTime.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('throttles a node that sends batches faster than its budget', async () => {
    const events = new NodeEvents({
      accountId: ACCOUNT,
      region: 'us-east-1',
      partition: 'aws',
      placedInstances: () => Promise.resolve([]),
      burst: 2,
      perSecond: 0.001,
      now: () => 1000,
    });
    await events.accept('node-x', { events: [refusal()] });
    await events.accept('node-x', { events: [refusal()] });
    await expect(events.accept('node-x', { events: [refusal()] })).rejects.toMatchObject({
      code: 'Throttling',
      status: 429,
    });
    // Another node has its own budget.
    await expect(events.accept('node-y', { events: [refusal()] })).resolves.toMatchObject({ refused: [] });
  });
});
