/**
 * `credplane up`'s container credentials endpoint logs the refusals an attacker causes (no token,
 * a wrong token, a guessed credentials id, a stopped task's path) under the unauthenticated
 * budget, as its metadata endpoints do (`audit/refusal-record.ts`); the answers are unchanged.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnauthenticatedBudget } from '../../audit/unauthenticated.js';
import { ACCOUNT, createTestPlane, type TestPlane } from '../../server/test-support/plane.js';
import type { AccessEventInput } from '../../store/store.js';
import { createContainerService, type ContainerService } from './service.js';

const ecsTrust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
});

let plane: TestPlane;
let ecs: ContainerService;
const events: AccessEventInput[] = [];
let offset = 0;

beforeAll(async () => {
  plane = await createTestPlane();
  await plane.store.createRole(ACCOUNT, { roleName: 'orders-task', assumeRolePolicyDocument: ecsTrust });
  ecs = await createContainerService({
    store: plane.store,
    snapshot: plane.snapshot,
    keyRing: plane.keyRing,
    partition: 'aws',
    region: 'us-east-1',
    accountId: ACCOUNT,
    now: () => Date.now() + offset,
    accessLog: { commit: (e) => (events.push(e), Promise.resolve(true)) },
    unauthenticatedBudget: new UnauthenticatedBudget({
      perSourceBurst: 4,
      globalBurst: 4,
      globalPerSecond: 0.001,
    }),
  });
});

afterAll(async () => {
  await ecs.close();
  await plane.close();
});

const refusals = (): AccessEventInput[] =>
  events.filter((e) => (e.record as { requestParameters?: { reason?: string } }).requestParameters?.reason);

describe("credplane up's container credentials refusals", () => {
  it('are access-log events naming the task only by its ARN, budgeted, the count left out on the next', async () => {
    const task = ecs.registry.start({
      accountId: ACCOUNT,
      family: 'orders',
      revision: 1,
      taskDefinitionArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/orders:1`,
      roleName: 'orders-task',
      containers: [{ name: 'worker', image: 'node:20', command: ['node'], environment: [] }],
    });
    const url = ecs.url + task.credentialsPath;
    const guessedId = randomUUID();
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'forged-token' } })).status).toBe(403);
    const guessed = await fetch(`${ecs.url}/v2/credentials/${guessedId}`, {
      headers: { authorization: 'forged-token' },
    });
    expect(guessed.status).toBe(400);
    expect(((await guessed.json()) as { Code: string }).Code).toBe('InvalidIdInRequest');
    // The task's own token is served; no refusal.
    expect((await fetch(url, { headers: { authorization: task.authorizationToken } })).status).toBe(200);
    ecs.registry.stop(task.taskId);
    expect((await fetch(url, { headers: { authorization: task.authorizationToken } })).status).toBe(400);
    for (let i = 0; i < 5; i++) expect((await fetch(url)).status).toBe(401);
    await new Promise((r) => setTimeout(r, 50));
    const logged = refusals();
    expect(
      logged.map((e) => (e.record as { requestParameters: { reason: string } }).requestParameters.reason),
    ).toEqual([
      'container-token-missing',
      'container-token-invalid',
      'container-unknown-id',
      'container-task-stopped',
    ]);
    expect(logged.map((e) => e.errorCode)).toEqual([
      'MissingAuthorizationToken',
      'AccessDenied',
      'InvalidIdInRequest',
      'InvalidIdInRequest',
    ]);
    expect(logged[1]).toMatchObject({
      channel: 'container',
      decision: 'deny',
      record: {
        eventSource: 'ecs-tasks.amazonaws.com',
        sourceIPAddress: '127.0.0.1',
        userIdentity: { type: 'Unknown', accountId: ACCOUNT },
        requestParameters: { reason: 'container-token-invalid', status: 403 },
        resources: [{ ARN: task.taskArn, type: 'AWS::ECS::Task' }],
      },
    });
    expect(logged[2]!.record).not.toHaveProperty('resources');
    const text = JSON.stringify(logged);
    for (const secret of ['forged-token', guessedId, task.authorizationToken, task.credentialsPath])
      expect(text).not.toContain(secret);
    // Later, the budget has refilled: the next refusal carries the five left out.
    offset = 3_600_000;
    expect((await fetch(url)).status).toBe(401);
    await new Promise((r) => setTimeout(r, 50));
    expect(refusals()).toHaveLength(5);
    expect(refusals()[4]!.record).toMatchObject({ credplane: { suppressedUnauthenticated: 5 } });
  });
});
