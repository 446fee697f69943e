import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  createTestPlane,
  credentialsOf,
  type Credentials,
  type TestPlane,
} from '../server/test-support/plane.js';
import { openSessionToken } from '../crypto/index.js';
import type { ApiResponse } from '../http/types.js';
import type { StartedTask } from '../delivery/container/admin-routes.js';
import { createLaunchService, type LaunchService } from '../delivery/launcher/service.js';
import { signBodyRequest } from '../sigv4/sign.js';

let plane: TestPlane;
let launch: LaunchService;

const trust = (service: string): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });

beforeEach(async () => {
  plane = await createTestPlane();
  await plane.store.createRole(ACCOUNT, {
    roleName: 'orders-task',
    assumeRolePolicyDocument: trust('ecs-tasks.amazonaws.com'),
  });
  await plane.store.createRole(ACCOUNT, {
    roleName: 'fn-role',
    assumeRolePolicyDocument: trust('lambda.amazonaws.com'),
  });
  await plane.store.createRole(ACCOUNT, {
    roleName: 'ops',
    assumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
      ],
    }),
  });
  await plane.store.putWorkload(ACCOUNT, {
    kind: 'ecs-task-definition',
    name: 'orders',
    roleName: 'orders-task',
    settings: {
      revision: 2,
      taskDefinitionArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/orders:2`,
      containers: [{ name: 'worker', image: 'node:20', environment: [{ name: 'QUEUE', value: 'q' }] }],
    },
  });
  await plane.store.putWorkload(ACCOUNT, {
    kind: 'ecs-task-definition',
    name: 'wrong-trust',
    roleName: 'fn-role',
    settings: {},
  });
  await plane.store.putWorkload(ACCOUNT, {
    kind: 'lambda-function',
    name: 'report',
    roleName: 'fn-role',
    settings: {
      handler: 'index.handler',
      runtime: 'nodejs20.x',
      code: { path: './fn' },
      timeout: 7,
      environment: { A: 'b' },
    },
  });
  await plane.store.putWorkload(ACCOUNT, {
    kind: 'lambda-function',
    name: 'pid',
    roleName: 'fn-role',
    settings: {
      handler: 'index.pid',
      runtime: 'nodejs20.x',
      code: {
        path: path.join(
          path.dirname(fileURLToPath(import.meta.url)),
          '..',
          'delivery',
          'lambda',
          'testdata',
          'handlers',
        ),
      },
    },
  });
  launch = await createLaunchService({
    store: plane.store,
    snapshot: plane.snapshot,
    policies: new (await import('../control/policy-cache.js')).PolicyCache(),
    keyRing: plane.keyRing,
    partition: 'aws',
    region: 'us-east-1',
    now: () => plane.clock.now,
  });
});
afterEach(async () => {
  await launch.close();
  await plane.close();
});

async function call(
  path: string,
  body: unknown,
  options: { service?: string; credentials?: Credentials | null; raw?: string } = {},
): Promise<ApiResponse & { json: Record<string, unknown> }> {
  const url = new URL(`http://127.0.0.1:7300${path}`);
  const text = options.raw ?? JSON.stringify(body);
  const credentials = options.credentials === undefined ? plane.admin : options.credentials;
  const headers =
    credentials === null
      ? { host: url.host, 'content-type': 'application/json' }
      : signBodyRequest(
          { method: 'POST', url, body: text, contentType: 'application/json' },
          credentials,
          'us-east-1',
          options.service ?? path.split('/')[2]!,
          plane.clock.now,
        );
  const response = await launch.admin({
    method: 'POST',
    url: path,
    rawHeaders: Object.entries(headers).flat(),
    headers,
    body: Buffer.from(text),
    remoteAddress: '127.0.0.1',
    requestId: randomUUID(),
    receivedAt: plane.clock.now,
  });
  const raw = String(response.body ?? '');
  return { ...response, json: raw.startsWith('{') ? (JSON.parse(raw) as Record<string, unknown>) : {} };
}

describe('launch admin routes', () => {
  it('run-task starts N tasks with distinct paths and tokens on the container endpoint', async () => {
    const res = await call('/credplane/ecs/run-task', { taskDefinition: 'orders:2', count: 2 });
    expect(res.status).toBe(200);
    const tasks = res.json.tasks as StartedTask[];
    expect(tasks).toHaveLength(2);
    expect(tasks[0]!.credentialsFullUri).not.toBe(tasks[1]!.credentialsFullUri);
    expect(tasks[0]!.authorizationToken).not.toBe(tasks[1]!.authorizationToken);
    expect(tasks[0]).toMatchObject({
      family: 'orders',
      revision: 2,
      lastStatus: 'RUNNING',
      environment: { QUEUE: 'q' },
    });
    expect(tasks[0]!.credentialsFullUri.startsWith(`${launch.container.url}/v2/credentials/`)).toBe(true);
    const got = await fetch(tasks[1]!.credentialsFullUri, {
      headers: { Authorization: tasks[1]!.authorizationToken },
    });
    expect(got.status).toBe(200);
  });

  it('list-tasks and stop-task follow the task lifecycle', async () => {
    const started = (
      (await call('/credplane/ecs/run-task', { taskDefinition: 'orders' })).json.tasks as StartedTask[]
    )[0]!;
    const stopped = await call('/credplane/ecs/stop-task', { task: started.taskArn });
    expect(stopped.status).toBe(200);
    expect(stopped.json.task).toMatchObject({ taskId: started.taskId, lastStatus: 'STOPPED' });
    const listed = await call('/credplane/ecs/list-tasks', {});
    expect(listed.json.tasks).toEqual([
      expect.objectContaining({ taskId: started.taskId, lastStatus: 'STOPPED' }),
    ]);
    const got = await fetch(started.credentialsFullUri, {
      headers: { Authorization: started.authorizationToken },
    });
    expect(got.status).toBe(400);
    const unknown = await call('/credplane/ecs/stop-task', { task: 'f'.repeat(32) });
    expect(unknown.status).toBe(400);
    expect(unknown.json.Code).toBe('InvalidParameterException');
  });

  it('answers ECS and Lambda error codes for what it cannot find or start', async () => {
    expect((await call('/credplane/ecs/run-task', { taskDefinition: 'orders:1' })).json.Code).toBe(
      'ClientException',
    );
    expect((await call('/credplane/ecs/run-task', { taskDefinition: 'nope' })).json.Code).toBe(
      'ClientException',
    );
    const untrusted = await call('/credplane/ecs/run-task', { taskDefinition: 'wrong-trust' });
    expect(untrusted.status).toBe(403);
    expect(untrusted.json.Code).toBe('AccessDenied');
    expect((await call('/credplane/ecs/list-tasks', {})).json.tasks).toEqual([
      expect.objectContaining({ family: 'wrong-trust', lastStatus: 'STOPPED' }),
    ]);
    const fn = await call('/credplane/lambda/function-environment', { function: 'nope' });
    expect(fn.status).toBe(404);
    expect(fn.json.Code).toBe('ResourceNotFoundException');
  });

  it('validates input: count, JSON body, fields, unknown routes', async () => {
    expect((await call('/credplane/ecs/run-task', { taskDefinition: 'orders', count: 11 })).json.Code).toBe(
      'ValidationError',
    );
    expect((await call('/credplane/ecs/run-task', {}, { raw: '{not json' })).json.Code).toBe(
      'ValidationError',
    );
    expect((await call('/credplane/ecs/run-task', { taskDefinition: 7 })).status).toBe(400);
    const unknown = await call('/credplane/ecs/other', {});
    expect(unknown.status).toBe(404);
    expect(unknown.json.Code).toBe('UnknownOperationException');
  });

  it('requires a valid signature for the route service and an allowed caller', async () => {
    const unsigned = await call(
      '/credplane/ecs/run-task',
      { taskDefinition: 'orders' },
      { credentials: null },
    );
    expect(unsigned.status).toBeGreaterThanOrEqual(400);
    expect(unsigned.json.Code).toBeDefined();
    const badKey = await call(
      '/credplane/ecs/run-task',
      { taskDefinition: 'orders' },
      {
        credentials: { accessKeyId: plane.admin.accessKeyId, secretAccessKey: 'x'.repeat(40) },
      },
    );
    expect(badKey.status).toBe(403);
    expect(badKey.json.Code).toBe('SignatureDoesNotMatch');
    const wrongService = await call(
      '/credplane/ecs/run-task',
      { taskDefinition: 'orders' },
      { service: 'sts' },
    );
    expect(wrongService.status).toBeGreaterThanOrEqual(400);
    // A role session with no permissions is denied by the one authorizer.
    const assumed = await plane.call('sts', plane.admin, {
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/ops`,
      RoleSessionName: 'ci',
    });
    const denied = await call(
      '/credplane/ecs/run-task',
      { taskDefinition: 'orders' },
      { credentials: credentialsOf(assumed.text) },
    );
    expect(denied.status).toBe(403);
    expect(denied.json.Code).toBe('AccessDenied');
    expect(String(denied.json.Message)).toContain('ecs:RunTask');
  });

  it('function-environment answers the configuration and the execution-role session, memoized', async () => {
    const first = await call('/credplane/lambda/function-environment', {
      function: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:report`,
    });
    expect(first.status).toBe(200);
    expect(first.json.configuration).toMatchObject({
      functionName: 'report',
      functionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:report`,
      handler: 'index.handler',
      timeout: 7,
      memorySize: 128,
      environment: { A: 'b' },
      code: { path: './fn' },
    });
    const creds = first.json.credentials as Record<string, string>;
    const who = await plane.call(
      'sts',
      {
        accessKeyId: creds.AccessKeyId!,
        secretAccessKey: creds.SecretAccessKey!,
        sessionToken: creds.Token!,
      },
      { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    );
    expect(who.text).toContain(`arn:aws:sts::${ACCOUNT}:assumed-role/fn-role/report`);
    const opened = openSessionToken(
      creds.Token!,
      creds.AccessKeyId!,
      plane.keyRing(),
      new Date(plane.clock.now),
    );
    expect(opened.claims.deliveryContext).toEqual({
      'lambda:SourceFunctionArn': `arn:aws:lambda:us-east-1:${ACCOUNT}:function:report`,
    });
    expect(opened.claims.sourcePrincipalArn).toBe('lambda.amazonaws.com');
    const second = await call('/credplane/lambda/function-environment', { function: 'report' });
    expect((second.json.credentials as Record<string, string>).AccessKeyId).toBe(creds.AccessKeyId);
  });

  it('invoke runs the handler in a warm environment and validates the payload', async () => {
    const first = await call('/credplane/lambda/invoke', { function: 'pid', payload: '{"a":1}' });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ reused: false, payload: expect.stringMatching(/^\d+$/) });
    expect(first.json.functionError).toBeUndefined();
    const second = await call('/credplane/lambda/invoke', { function: 'pid' });
    expect(second.json).toMatchObject({ reused: true, payload: first.json.payload });
    const bad = await call('/credplane/lambda/invoke', { function: 'pid', payload: '{nope' });
    expect(bad.status).toBe(400);
    expect(bad.json.Code).toBe('InvalidRequestContentException');
  }, 20_000);
});
