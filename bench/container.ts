/**
 * Container credentials endpoint: `GET /v2/credentials/<id>` (with the task's token) requests per
 * second from a second process with keep-alive, for a task started by `credplane up` + the task
 * route, beside the bare node:http server measured in the same run (target: at least 60% of it).
 *
 * Each load is bounded: at most `MAX_REQUESTS` requests or `SECONDS` seconds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminEndpoint, adminRequest } from '../src/admin-api/client.js';
import type { StartedTask } from '../src/delivery/container/admin-routes.js';
import { firstLine, isolatedEnv, runLoad, start, tsxScript, withChild } from './processes.js';
import type { BenchRow, BenchSuite } from './types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = 4;
const MAX_REQUESTS = 200_000;
const CONCURRENCY = 16;
const ADMIN = {
  accessKeyId: 'AKIABENCHBENCHBENCH2',
  secretAccessKey: 'benchbenchbenchbenchbenchbenchbenchbench',
};

const TEMPLATE = `
Resources:
  BenchTaskRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: bench-task
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - { Effect: Allow, Principal: { Service: ecs-tasks.amazonaws.com }, Action: sts:AssumeRole }
  BenchTask:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: bench
      TaskRoleArn: !GetAtt BenchTaskRole.Arn
      ContainerDefinitions:
        - { Name: main, Image: bench }
`;

async function load(
  url: string,
  headers: Record<string, string>,
): Promise<Awaited<ReturnType<typeof runLoad>>> {
  const spec = { url, method: 'GET', headers, body: '', concurrency: CONCURRENCY };
  await runLoad({ ...spec, maxRequests: 2000, maxSeconds: 2 });
  return runLoad({ ...spec, maxRequests: MAX_REQUESTS, maxSeconds: SECONDS });
}

function row(caseName: string, result: Awaited<ReturnType<typeof runLoad>>, note: string): BenchRow {
  const ok = result.statuses['200'] ?? 0;
  return {
    suite: 'container',
    case: caseName,
    opsPerSec: result.rps,
    p50Us: result.p50Us,
    p99Us: result.p99Us,
    note:
      ok === result.requests
        ? note
        : `${result.requests - ok} non-200 answers! ${JSON.stringify(result.statuses)}`,
  };
}

export const run: BenchSuite = async () => {
  const rows: BenchRow[] = [];

  const bare = tsxScript('bare-server.ts');
  let bareRate = NaN;
  await withChild(bare, async () => {
    const port = Number(await firstLine(bare));
    const result = await load(`http://127.0.0.1:${port}/v2/credentials/x`, { authorization: 'token' });
    bareRate = result.rps;
    rows.push(row('GET credentials — bare node:http', result, 'reference ceiling'));
  });

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-bench-container-'));
  const template = path.join(dataDir, 'bench-container.yaml');
  fs.writeFileSync(template, TEMPLATE);
  const cli = path.join(here, '..', 'dist', 'cli', 'main.js');
  const credplane = start(
    process.execPath,
    [cli, 'up', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn', '--template', template],
    isolatedEnv({
      CREDPLANE_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId,
      CREDPLANE_ADMIN_SECRET_ACCESS_KEY: ADMIN.secretAccessKey,
    }),
  );
  await withChild(credplane, async () => {
    await firstLine(credplane, 30_000);
    const answer = (await adminRequest(adminEndpoint(dataDir), 'ecs', 'POST', '/credplane/ecs/run-task', {
      taskDefinition: 'bench',
    })) as { tasks: StartedTask[] };
    const task = answer.tasks[0]!;
    const result = await load(task.credentialsFullUri, { authorization: task.authorizationToken });
    const share = (100 * result.rps) / bareRate;
    rows.push(
      row(
        'GET credentials — credplane container endpoint',
        result,
        `token checked, memoized credentials; ${share.toFixed(0)}% of bare (target >= 60%)`,
      ),
    );
  });
  fs.rmSync(dataDir, { recursive: true, force: true });
  return rows;
};
