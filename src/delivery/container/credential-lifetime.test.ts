/**
 * The task credential lifetime setting (`CREDPLANE_ECS_CREDENTIAL_SECONDS` /
 * `CREDPLANE_ECS_REFRESH_BEFORE_SECONDS` on `credplane up`), seen by the real clients: the JS SDK's
 * `fromContainerMetadata` and botocore's `ContainerProvider` read the short expiration and get new
 * credentials once the refresh point has passed.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../http/server.js';
import { ACCOUNT, createTestPlane, type TestPlane } from '../../server/test-support/plane.js';
import { WorkloadIssuer } from '../workload-issuer.js';
import { createContainerCredentialsServer } from './server.js';
import { TaskRegistry } from './tasks.js';

const run = promisify(execFile);
let plane: TestPlane;
let server: RunningServer;
let registry: TaskRegistry;

beforeEach(async () => {
  plane = await createTestPlane();
  plane.clock.now = Date.now();
  await plane.store.createRole(ACCOUNT, {
    roleName: 'orders-task',
    assumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    }),
  });
  const issuer = new WorkloadIssuer({
    snapshot: plane.snapshot,
    keyRing: plane.keyRing,
    now: () => plane.clock.now,
  });
  registry = new TaskRegistry({
    issuer,
    partition: 'aws',
    region: 'us-east-1',
    now: () => plane.clock.now,
    lifetime: { credentialSeconds: 120, refreshBeforeSeconds: 100 },
  });
  server = await createContainerCredentialsServer({ registry, region: 'us-east-1' });
});
afterEach(async () => {
  await server.close();
  await plane.close();
});

/** A client process's environment: only the container variables, no AWS files, no IMDS. */
function clientEnv(task: { credentialsPath: string; authorizationToken: string }): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: server.url + task.credentialsPath,
    AWS_CONTAINER_AUTHORIZATION_TOKEN: task.authorizationToken,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
}

const JS = `
const { fromContainerMetadata } = require('@smithy/credential-provider-imds');
fromContainerMetadata({ maxRetries: 0, timeout: 5000 })().then((c) =>
  console.log(JSON.stringify({ key: c.accessKeyId, expiration: c.expiration.toISOString() })));
`;

const PY = `
import json
from botocore.credentials import ContainerProvider
creds = ContainerProvider().load()
frozen = creds.get_frozen_credentials()
print(json.dumps({"key": frozen.access_key, "expiration": creds._expiry_time.isoformat()}))
`;

async function viaJs(task: { credentialsPath: string; authorizationToken: string }) {
  const { stdout } = await run(process.execPath, ['-e', JS], { env: clientEnv(task), cwd: process.cwd() });
  return JSON.parse(stdout) as { key: string; expiration: string };
}

async function viaBotocore(task: { credentialsPath: string; authorizationToken: string }) {
  const { stdout } = await run('python3', ['-c', PY], { env: clientEnv(task) });
  return JSON.parse(stdout) as { key: string; expiration: string };
}

describe('task credential lifetime', () => {
  it('the JS SDK and botocore see the configured lifetime, and new credentials past the refresh point', async () => {
    const task = registry.start({
      accountId: ACCOUNT,
      family: 'orders',
      revision: 1,
      taskDefinitionArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/orders:1`,
      roleName: 'orders-task',
      containers: [{ name: 'worker', image: 'node:20', environment: [] }],
    });
    const issuedAt = plane.clock.now;
    const js = await viaJs(task);
    const lifetime = Date.parse(js.expiration) - issuedAt;
    expect(lifetime).toBeGreaterThan(118_000);
    expect(lifetime).toBeLessThanOrEqual(120_000);
    // Before the refresh point both clients get the same credentials (the task's cached set).
    const py = await viaBotocore(task);
    expect(py.key).toBe(js.key);
    expect(Date.parse(py.expiration)).toBe(Date.parse(js.expiration));
    // 20 s later fewer than 100 s are left: the endpoint rotates them.
    plane.clock.now = issuedAt + 21_000;
    const rotated = await viaBotocore(task);
    expect(rotated.key).not.toBe(js.key);
    expect(Date.parse(rotated.expiration) - plane.clock.now).toBeGreaterThan(118_000);
    expect((await viaJs(task)).key).toBe(rotated.key);
  }, 60_000);
});
