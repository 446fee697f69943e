/**
 * Property: the ECS container credentials endpoint answers a task's credentials only at that
 * task's own relative URI, only to a request whose `Authorization` header is that task's token
 * exactly (compared in constant time, `checkAuthorization` → `constantTimeEqual`), and only while
 * the task runs. A neighbour task holding its own token and path, or a process on the host that
 * learns one of the two, gets nothing. See "Amazon ECS task IAM role" in the Amazon ECS Developer
 * Guide and the `AWS_CONTAINER_AUTHORIZATION_TOKEN` contract of the SDKs' container provider.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContainerCredentialsServer } from '../../src/delivery/container/server.js';
import { TaskRegistry, type Task, type TaskDefinition } from '../../src/delivery/container/tasks.js';
import { WorkloadIssuer } from '../../src/delivery/workload-issuer.js';
import type { RunningServer } from '../../src/http/server.js';
import { ACCOUNT, createTestPlane, type TestPlane } from '../../src/server/test-support/plane.js';

let plane: TestPlane;
let registry: TaskRegistry;
let server: RunningServer;
let mine: Task;
let theirs: Task;

const definition = (roleName: string): TaskDefinition => ({
  accountId: ACCOUNT,
  family: roleName,
  revision: 1,
  taskDefinitionArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/${roleName}:1`,
  roleName,
  containers: [{ name: 'main', image: 'node:20', command: ['node'], environment: [] }],
});

interface Reply {
  status: number;
  json: Record<string, unknown>;
}

function get(path: string, headers: [string, string][] = [], method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method,
        path,
        headers: [['Host', `127.0.0.1:${server.port}`], ...headers].flat(),
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            json: body === '' ? {} : (JSON.parse(body) as Record<string, unknown>),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function expectNoCredentials(reply: Reply, status: number, code: string): void {
  expect(reply.status).toBe(status);
  expect(reply.json.Code).toBe(code);
  expect(reply.json).not.toHaveProperty('AccessKeyId');
  expect(JSON.stringify(reply.json)).not.toContain(mine.authorizationToken);
  expect(JSON.stringify(reply.json)).not.toContain(theirs.authorizationToken);
}

beforeAll(async () => {
  plane = await createTestPlane();
  const trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ],
  });
  await plane.store.createRole(ACCOUNT, { roleName: 'mine', assumeRolePolicyDocument: trust });
  await plane.store.createRole(ACCOUNT, { roleName: 'theirs', assumeRolePolicyDocument: trust });
  const issuer = new WorkloadIssuer({
    snapshot: plane.snapshot,
    keyRing: plane.keyRing,
    now: () => plane.clock.now,
  });
  registry = new TaskRegistry({ issuer, partition: 'aws', region: 'us-east-1', now: () => plane.clock.now });
  server = await createContainerCredentialsServer({ registry, region: 'us-east-1' });
  mine = registry.start(definition('mine'));
  theirs = registry.start(definition('theirs'));
});

afterAll(async () => {
  await server.close();
  await plane.close();
});

describe('ECS container credentials only with the task token', () => {
  it('positive control: the task path with the task token answers the task role', async () => {
    const res = await get(mine.credentialsPath, [['Authorization', mine.authorizationToken]]);
    expect(res.status).toBe(200);
    expect(res.json.RoleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/mine`);
  });

  it('refuses the path without a token (401 MissingAuthorizationToken)', async () => {
    expectNoCredentials(await get(theirs.credentialsPath), 401, 'MissingAuthorizationToken');
  });

  it("refuses another task's path with this task's token (403 AccessDenied)", async () => {
    const res = await get(theirs.credentialsPath, [['Authorization', mine.authorizationToken]]);
    expectNoCredentials(res, 403, 'AccessDenied');
  });

  it('refuses the token in the query string, with a prefix, or changed by case or padding', async () => {
    const t = theirs.authorizationToken;
    expectNoCredentials(
      await get(`${theirs.credentialsPath}?Authorization=${encodeURIComponent(t)}`),
      401,
      'MissingAuthorizationToken',
    );
    for (const value of [`Bearer ${t}`, t.toUpperCase(), t.toLowerCase(), `${t}=`, t.slice(0, -1)]) {
      if (value === t) continue;
      const res = await get(theirs.credentialsPath, [['Authorization', value]]);
      expectNoCredentials(res, 403, 'AccessDenied');
    }
  });

  it('does not let a second Authorization header override a wrong first one', async () => {
    const res = await get(theirs.credentialsPath, [
      ['Authorization', mine.authorizationToken],
      ['Authorization', theirs.authorizationToken],
    ]);
    expectNoCredentials(res, 403, 'AccessDenied');
  });

  it('answers InvalidIdInRequest to paths that only resemble a task path (no normalisation)', async () => {
    const id = theirs.credentialsPath.slice('/v2/credentials/'.length);
    for (const path of [
      `${theirs.credentialsPath}/`,
      `/v2/credentials/${id.toUpperCase()}`,
      `/v2/credentials//${id}`,
      `/v2/credentials/x/../${id}`,
      `/v2/credentials/%2e%2e/credentials/${id}`,
      `${mine.credentialsPath}/../${id}`,
    ]) {
      const res = await get(path, [['Authorization', theirs.authorizationToken]]);
      expectNoCredentials(res, 400, 'InvalidIdInRequest');
    }
  });

  it('refuses every method but GET (405), even with the right token', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await get(mine.credentialsPath, [['Authorization', mine.authorizationToken]], method);
      expectNoCredentials(res, 405, 'MethodNotAllowed');
    }
  });

  it("refuses a stopped task's own token at its own path (400), and keeps serving the other task", async () => {
    const short = registry.start(definition('mine'));
    const headers: [string, string][] = [['Authorization', short.authorizationToken]];
    expect((await get(short.credentialsPath, headers)).status).toBe(200);
    registry.stop(short.taskId);
    const res = await get(short.credentialsPath, headers);
    expectNoCredentials(res, 400, 'InvalidIdInRequest');
    expect(String(res.json.Message)).toContain('stopped');
    expect((await get(mine.credentialsPath, [['Authorization', mine.authorizationToken]])).status).toBe(200);
  });

  it('the task metadata documents carry no credentials or token', async () => {
    for (const path of [`/v4/${mine.metadataId}`, `/v4/${mine.metadataId}/task`]) {
      const res = await get(path);
      expect(res.status).toBe(200);
      const text = JSON.stringify(res.json);
      expect(text).not.toContain(mine.authorizationToken);
      expect(text).not.toContain(mine.credentialsPath);
      expect(text).not.toMatch(/SecretAccessKey|"Token"/);
    }
  });
});
