import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT, createTestPlane, xmlValue, type TestPlane } from '../../server/test-support/plane.js';
import type { ApiHandler, ApiResponse } from '../../http/types.js';
import { WorkloadIssuer } from '../workload-issuer.js';
import { createContainerCredentialsHandler, createContainerCredentialsServer } from './server.js';
import { TaskRegistry, type TaskDefinition } from './tasks.js';
import type { ContainerStats } from './task-stats.js';

let plane: TestPlane;
let registry: TaskRegistry;
let handler: ApiHandler;

const trust = (service: string, condition?: object): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: service },
        Action: 'sts:AssumeRole',
        ...(condition ? { Condition: condition } : {}),
      },
    ],
  });

const definition = (roleName = 'orders-task'): TaskDefinition => ({
  accountId: ACCOUNT,
  family: 'orders',
  revision: 3,
  taskDefinitionArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/orders:3`,
  roleName,
  containers: [{ name: 'worker', image: 'node:20', command: ['node', 'worker.js'], environment: [] }],
});

beforeEach(async () => {
  plane = await createTestPlane();
  await plane.store.createRole(ACCOUNT, {
    roleName: 'orders-task',
    assumeRolePolicyDocument: trust('ecs-tasks.amazonaws.com', {
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
      ArnLike: { 'aws:SourceArn': `arn:aws:ecs:us-east-1:${ACCOUNT}:*` },
    }),
  });
  await plane.store.createRole(ACCOUNT, {
    roleName: 'fn-role',
    assumeRolePolicyDocument: trust('lambda.amazonaws.com'),
  });
  const issuer = new WorkloadIssuer({
    snapshot: plane.snapshot,
    keyRing: plane.keyRing,
    now: () => plane.clock.now,
  });
  registry = new TaskRegistry({ issuer, partition: 'aws', region: 'us-east-1', now: () => plane.clock.now });
  handler = createContainerCredentialsHandler({ registry, region: 'us-east-1' });
});
afterEach(async () => plane.close());

async function get(
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<ApiResponse & { json: Record<string, unknown> }> {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const response = await handler({
    method,
    url: path,
    rawHeaders: Object.entries(headers).flat(),
    headers: lower,
    body: Buffer.alloc(0),
    remoteAddress: '127.0.0.1',
    requestId: randomUUID(),
    receivedAt: plane.clock.now,
  });
  return { ...response, json: JSON.parse(String(response.body)) as Record<string, unknown> };
}

describe('container credentials endpoint', () => {
  it('answers the task role credentials as the SDKs expect, and they are the task session', async () => {
    const task = registry.start(definition());
    const res = await get(task.credentialsPath, { Authorization: task.authorizationToken });
    expect(res.status).toBe(200);
    expect(res.headers?.['content-type']).toBe('application/json');
    expect(Object.keys(res.json).sort()).toEqual(
      ['AccessKeyId', 'AccountId', 'Expiration', 'RoleArn', 'SecretAccessKey', 'Token'].sort(),
    );
    expect(res.json.Expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(res.json.RoleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/orders-task`);
    expect(res.json.AccountId).toBe(ACCOUNT);
    const who = await plane.call(
      'sts',
      {
        accessKeyId: res.json.AccessKeyId as string,
        secretAccessKey: res.json.SecretAccessKey as string,
        sessionToken: res.json.Token as string,
      },
      { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    );
    expect(xmlValue(who.text, 'Arn')).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/orders-task/${task.taskId}`);
  });

  it('memoizes the credentials per task and gives two tasks distinct sessions', async () => {
    const a = registry.start(definition());
    const b = registry.start(definition());
    expect(a.credentialsPath).not.toBe(b.credentialsPath);
    expect(a.authorizationToken).not.toBe(b.authorizationToken);
    const a1 = await get(a.credentialsPath, { Authorization: a.authorizationToken });
    const a2 = await get(a.credentialsPath, { Authorization: a.authorizationToken });
    const b1 = await get(b.credentialsPath, { Authorization: b.authorizationToken });
    expect(a2.json.AccessKeyId).toBe(a1.json.AccessKeyId);
    expect(b1.json.AccessKeyId).not.toBe(a1.json.AccessKeyId);
  });

  it('refuses a missing token with 401', async () => {
    const task = registry.start(definition());
    const res = await get(task.credentialsPath);
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ Code: 'MissingAuthorizationToken', Message: expect.any(String) });
  });

  it('refuses a wrong token and a Bearer-prefixed token with 403', async () => {
    const task = registry.start(definition());
    for (const value of ['nope', `Bearer ${task.authorizationToken}`, `${task.authorizationToken}x`]) {
      const res = await get(task.credentialsPath, { Authorization: value });
      expect(res.status).toBe(403);
      expect(res.json.Code).toBe('AccessDenied');
      expect(JSON.stringify(res.json)).not.toContain(task.authorizationToken);
    }
  });

  it("refuses another task's token with the same 403 as a wrong one", async () => {
    const a = registry.start(definition());
    const b = registry.start(definition());
    const res = await get(a.credentialsPath, { Authorization: b.authorizationToken });
    const wrong = await get(a.credentialsPath, { Authorization: 'wrong' });
    expect(res.status).toBe(403);
    expect(res.json).toEqual(wrong.json);
  });

  it('answers 400 InvalidIdInRequest for an unknown credentials path and NoIdInRequest without an id', async () => {
    const task = registry.start(definition());
    const unknown = await get(`/v2/credentials/${randomUUID()}`, { Authorization: task.authorizationToken });
    expect(unknown.status).toBe(400);
    expect(unknown.json.Code).toBe('InvalidIdInRequest');
    const none = await get('/v2/credentials/', { Authorization: task.authorizationToken });
    expect(none.status).toBe(400);
    expect(none.json.Code).toBe('NoIdInRequest');
  });

  it('answers 404 NotFound for paths it does not serve and 405 for other methods', async () => {
    const task = registry.start(definition());
    expect((await get('/latest/meta-data/', { Authorization: task.authorizationToken })).status).toBe(404);
    expect((await get(`/v4/${randomUUID()}/task`)).status).toBe(404);
    const post = await get(task.credentialsPath, { Authorization: task.authorizationToken }, 'POST');
    expect(post.status).toBe(405);
    expect(post.json.Code).toBe('MethodNotAllowed');
  });

  it('answers 400 for a stopped task, after checking its token', async () => {
    const task = registry.start(definition());
    registry.stop(task.taskId);
    const res = await get(task.credentialsPath, { Authorization: task.authorizationToken });
    expect(res.status).toBe(400);
    expect(res.json.Code).toBe('InvalidIdInRequest');
    expect(res.json.Message).toContain('stopped');
    expect((await get(task.credentialsPath, { Authorization: 'wrong' })).status).toBe(403);
  });

  it('answers 403 AccessDenied when the role does not trust ecs-tasks.amazonaws.com', async () => {
    const task = registry.start(definition('fn-role'));
    const res = await get(task.credentialsPath, { Authorization: task.authorizationToken });
    expect(res.status).toBe(403);
    expect(res.json.Code).toBe('AccessDenied');
    expect(res.json.Message).toContain('ecs-tasks.amazonaws.com');
  });

  it('serves the task metadata v4 documents', async () => {
    const task = registry.start(definition());
    const container = await get(`/v4/${task.metadataId}`);
    expect(container.status).toBe(200);
    expect(container.json.Name).toBe('worker');
    expect((container.json.Labels as Record<string, string>)['com.amazonaws.ecs.task-arn']).toBe(
      task.taskArn,
    );
    const doc = await get(`/v4/${task.metadataId}/task`);
    expect(doc.json).toMatchObject({
      TaskARN: task.taskArn,
      Family: 'orders',
      Revision: '3',
      KnownStatus: 'RUNNING',
    });
    expect(task.taskArn).toMatch(new RegExp(`^arn:aws:ecs:us-east-1:${ACCOUNT}:task/default/[0-9a-f]{32}$`));
    expect((doc.json.Containers as unknown[]).length).toBe(1);
    // AWS's container ARN: container/<cluster>/<task id>/<container id as a UUID>.
    expect(container.json.ContainerARN).toMatch(
      new RegExp(
        `^arn:aws:ecs:us-east-1:${ACCOUNT}:container/default/${task.taskId}/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`,
      ),
    );
    // Version 3 serves the same documents.
    expect((await get(`/v3/${task.metadataId}`)).json).toEqual(container.json);
    expect((await get(`/v3/${task.metadataId}/task`)).json).toEqual(doc.json);
  });

  it("serves /stats and /task/stats in Docker's shape with the task process's real CPU and memory", async () => {
    const task = registry.start(definition());
    // The task's process, as run-task starts it: it carries the task's metadata URIs. It holds
    // about 64 MB and uses 300 ms of CPU time (measured in CPU time, so a loaded machine only slows it).
    const child = spawn(
      process.execPath,
      [
        '-e',
        "const keep = Buffer.alloc(64 * 1024 * 1024, 1); const busy = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }; while (busy() < 300); process.stdout.write('ready\\n'); setInterval(() => keep.length, 1000);",
      ],
      {
        env: {
          PATH: process.env.PATH ?? '',
          ECS_CONTAINER_METADATA_URI_V4: `http://127.0.0.1:1/v4/${task.metadataId}`,
          ECS_CONTAINER_METADATA_URI: `http://127.0.0.1:1/v3/${task.metadataId}`,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      await once(child.stdout!, 'data');
      const first = await get(`/v4/${task.metadataId}/stats`);
      expect(first.status).toBe(200);
      const stats = first.json as unknown as ContainerStats;
      expect(stats).toMatchObject({
        id: (await get(`/v4/${task.metadataId}`)).json.DockerId,
        name: 'worker',
        preread: '0001-01-01T00:00:00Z',
        pids_stats: { current: 1 },
        network_rate_stats: { rx_bytes_per_sec: 0, tx_bytes_per_sec: 0 },
      });
      expect(stats.memory_stats.usage).toBeGreaterThan(64 * 1024 * 1024);
      expect(stats.memory_stats.max_usage).toBeGreaterThanOrEqual(stats.memory_stats.usage);
      expect(stats.cpu_stats.cpu_usage.total_usage).toBeGreaterThanOrEqual(250_000_000); // ≥ 0.25 s of CPU
      expect(stats.cpu_stats.cpu_usage.total_usage).toBe(
        stats.cpu_stats.cpu_usage.usage_in_usermode + stats.cpu_stats.cpu_usage.usage_in_kernelmode,
      );
      expect(stats.cpu_stats.system_cpu_usage).toBeGreaterThan(stats.cpu_stats.cpu_usage.total_usage);
      expect(stats.cpu_stats.online_cpus).toBeGreaterThan(0);
      expect(stats.precpu_stats.cpu_usage.total_usage).toBe(0);
      // A second reading carries the first as its previous one.
      const second = (await get(`/v4/${task.metadataId}/stats`)).json as unknown as ContainerStats;
      expect(second.preread).toBe(stats.read);
      expect(second.precpu_stats).toEqual(stats.cpu_stats);
      const byId = (await get(`/v4/${task.metadataId}/task/stats`)).json as Record<string, ContainerStats>;
      expect(Object.keys(byId)).toEqual([stats.id]);
      expect(byId[stats.id]?.pids_stats.current).toBe(1);
      // Version 3: the same Docker stats without v4's network rates.
      const v3 = (await get(`/v3/${task.metadataId}/stats`)).json as unknown as ContainerStats;
      expect(v3.pids_stats.current).toBe(1);
      expect(v3.network_rate_stats).toBeUndefined();
      // Another task sees none of this task's processes.
      const other = registry.start(definition());
      expect(
        ((await get(`/v4/${other.metadataId}/stats`)).json as unknown as ContainerStats).pids_stats,
      ).toEqual({ current: 0 });
      registry.stop(task.taskId);
      expect((await get(`/v4/${task.metadataId}/stats`)).json).toBeNull();
    } finally {
      child.kill('SIGKILL');
    }
  }, 20_000);

  it('in relative-URI mode (a node agent at 169.254.170.2) asks no token: the unguessable id is the secret', async () => {
    handler = createContainerCredentialsHandler({
      registry,
      region: 'us-east-1',
      authorization: 'relative-uri',
    });
    const task = registry.start(definition());
    expect(task.credentialsPath).toMatch(/^\/v2\/credentials\/[0-9a-f-]{36}$/);
    const res = await get(task.credentialsPath);
    expect(res.status).toBe(200);
    expect(res.json.AccessKeyId).toMatch(/^ASIA/);
    // A token, even a wrong one, changes nothing; an unknown or guessed id gets nothing.
    expect((await get(task.credentialsPath, { Authorization: 'whatever' })).status).toBe(200);
    const guessed = await get(`/v2/credentials/${randomUUID()}`);
    expect(guessed).toMatchObject({ status: 400, json: { Code: 'InvalidIdInRequest' } });
    registry.stop(task.taskId);
    expect((await get(task.credentialsPath)).status).toBe(400);
  });

  it('serves over HTTP on 127.0.0.1', async () => {
    const server = await createContainerCredentialsServer({ registry, region: 'us-east-1' });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const task = registry.start(definition());
      const res = await fetch(server.url + task.credentialsPath, {
        headers: { Authorization: task.authorizationToken },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
    } finally {
      await server.close();
    }
  });
});
