/**
 * Property: a `/credplane/` route that hands back a role's working credentials requires what AWS
 * requires to get code running as that role — `iam:PassRole` on the role, for the service that
 * would receive it — besides the route's own action. On AWS, `lambda:InvokeFunction` never yields
 * the execution role's credentials, and `ecs:RunTask` with a task role needs `iam:PassRole`.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PolicyCache } from '../../src/control/policy-cache.js';
import { createLaunchService, type LaunchService } from '../../src/delivery/launcher/service.js';
import { signBodyRequest } from '../../src/sigv4/sign.js';
import {
  ACCOUNT,
  createTestPlane,
  credentialsOf,
  type Credentials,
  type TestPlane,
} from '../../src/server/test-support/plane.js';

let plane: TestPlane;
let launch: LaunchService;

const trustService = (service: string): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });
const FN_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/fn-role`;
const TASK_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/task-role`;
const FN_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:report`;

beforeEach(async () => {
  plane = await createTestPlane();
  await plane.store.createRole(ACCOUNT, {
    roleName: 'fn-role',
    assumeRolePolicyDocument: trustService('lambda.amazonaws.com'),
  });
  await plane.store.createRole(ACCOUNT, {
    roleName: 'task-role',
    assumeRolePolicyDocument: trustService('ecs-tasks.amazonaws.com'),
  });
  await plane.store.createRole(ACCOUNT, {
    roleName: 'caller',
    assumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
      ],
    }),
  });
  await plane.store.putWorkload(ACCOUNT, {
    kind: 'lambda-function',
    name: 'report',
    roleName: 'fn-role',
    settings: { handler: 'index.handler', runtime: 'nodejs20.x', code: { path: './fn' } },
  });
  await plane.store.putWorkload(ACCOUNT, {
    kind: 'ecs-task-definition',
    name: 'orders',
    roleName: 'task-role',
    settings: {
      revision: 1,
      taskDefinitionArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/orders:1`,
      containers: [{ name: 'worker', image: 'node:20' }],
    },
  });
  launch = await createLaunchService({
    store: plane.store,
    snapshot: plane.snapshot,
    policies: new PolicyCache(),
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

/** A session of `caller` whose only policy is `statements`. */
async function callerWith(statements: unknown[]): Promise<Credentials> {
  await plane.store.putRolePolicy(
    ACCOUNT,
    'caller',
    'grants',
    JSON.stringify({ Version: '2012-10-17', Statement: statements }),
  );
  const assumed = await plane.call('sts', plane.admin, {
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: `arn:aws:iam::${ACCOUNT}:role/caller`,
    RoleSessionName: 'attacker',
  });
  expect(assumed.status).toBe(200);
  return credentialsOf(assumed.text);
}

async function call(
  route: string,
  body: unknown,
  credentials: Credentials,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const url = new URL(`http://127.0.0.1:7300${route}`);
  const text = JSON.stringify(body);
  const headers = signBodyRequest(
    { method: 'POST', url, body: text, contentType: 'application/json' },
    credentials,
    'us-east-1',
    route.split('/')[2]!,
    plane.clock.now,
  );
  const response = await launch.admin({
    method: 'POST',
    url: route,
    rawHeaders: Object.entries(headers).flat(),
    headers,
    body: Buffer.from(text),
    remoteAddress: '127.0.0.1',
    requestId: randomUUID(),
    receivedAt: plane.clock.now,
  });
  const raw = String(response.body ?? '');
  return { status: response.status, json: raw.startsWith('{') ? JSON.parse(raw) : {} };
}

const invoke = { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: FN_ARN };
const runTask = { Effect: 'Allow', Action: ['ecs:RunTask'], Resource: '*' };
const passRoleTo = (role: string, service: string) => ({
  Effect: 'Allow',
  Action: 'iam:PassRole',
  Resource: role,
  Condition: { StringEquals: { 'iam:PassedToService': service } },
});

describe('function-environment hands out execution-role credentials only with iam:PassRole', () => {
  it('refuses a caller allowed only lambda:InvokeFunction', async () => {
    const creds = await callerWith([invoke]);
    const answer = await call('/credplane/lambda/function-environment', { function: 'report' }, creds);
    expect(answer.status).toBe(403);
    expect(answer.json.Code).toBe('AccessDenied');
    expect(String(answer.json.Message)).toContain('iam:PassRole');
    expect(answer.json.credentials).toBeUndefined();
  });

  it('refuses iam:PassRole granted for another service', async () => {
    const creds = await callerWith([invoke, passRoleTo(FN_ROLE_ARN, 'ecs-tasks.amazonaws.com')]);
    const answer = await call('/credplane/lambda/function-environment', { function: 'report' }, creds);
    expect(answer.status).toBe(403);
  });

  it('answers a caller allowed lambda:InvokeFunction and iam:PassRole to lambda.amazonaws.com', async () => {
    const creds = await callerWith([invoke, passRoleTo(FN_ROLE_ARN, 'lambda.amazonaws.com')]);
    const answer = await call('/credplane/lambda/function-environment', { function: 'report' }, creds);
    expect(answer.status).toBe(200);
    expect((answer.json.credentials as Record<string, string>).AccessKeyId).toMatch(/^ASIA/);
  });
});

describe('run-task hands out task-role credentials only with iam:PassRole to ECS tasks', () => {
  it('refuses a caller allowed ecs:RunTask alone', async () => {
    const creds = await callerWith([runTask]);
    const answer = await call('/credplane/ecs/run-task', { taskDefinition: 'orders' }, creds);
    expect(answer.status).toBe(403);
    expect(String(answer.json.Message)).toContain('iam:PassRole');
  });

  it('refuses iam:PassRole granted for another service', async () => {
    const creds = await callerWith([runTask, passRoleTo(TASK_ROLE_ARN, 'lambda.amazonaws.com')]);
    const answer = await call('/credplane/ecs/run-task', { taskDefinition: 'orders' }, creds);
    expect(answer.status).toBe(403);
    expect(answer.json.tasks).toBeUndefined();
  });

  it('answers a caller allowed ecs:RunTask and iam:PassRole to ecs-tasks.amazonaws.com', async () => {
    const creds = await callerWith([runTask, passRoleTo(TASK_ROLE_ARN, 'ecs-tasks.amazonaws.com')]);
    const answer = await call('/credplane/ecs/run-task', { taskDefinition: 'orders' }, creds);
    expect(answer.status).toBe(200);
  });
});
