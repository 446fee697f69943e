/**
 * Container credentials endpoint: `GET /v2/credentials/<id>` (with the task's token) requests per
 * second from a second process with keep-alive, for a task started by `credplane up` + the task
 * route, beside the bare node:http server measured in the same rounds (target: at least 60% of it).
 *
 * Each load is bounded: at most `MAX_REQUESTS` requests or `SECONDS` seconds (`--seconds`); the two
 * systems run in interleaved rounds (`--rounds`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { adminEndpoint, adminRequest } from '../src/admin-api/client.js';
import type { StartedTask } from '../src/delivery/container/admin-routes.js';
import { startPlane } from './plane.js';
import { firstLine, runLoad, tsxScript, type LoadSpec } from './processes.js';
import { CaseRecorder, forEachRound, secondsFor } from './rounds.js';
import type { RoundsSuite } from './types.js';

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

/**
 * The bare server and the plane side by side; each round loads them in turn (rotated). Target:
 * credplane at least 60% of bare.
 */
export const runRounds: RoundsSuite = async (ctx) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-bench-container-'));
  const template = path.join(dataDir, 'bench-container.yaml');
  fs.writeFileSync(template, TEMPLATE);
  const bare = tsxScript('bare-server.ts');
  const credplane = startPlane(
    ctx,
    'container',
    ['--port', '0', '--data-dir', dataDir, '--log-level', 'warn', '--template', template],
    ADMIN,
  );
  const systems = ['credplane', 'bare node:http'] as const;
  const rate = new CaseRecorder(
    {
      suite: 'container',
      case: `GET credentials, ${CONCURRENCY} connections`,
      unit: 'req/s',
      better: 'higher',
      systems: [...systems],
      ratios: [{ of: 'credplane', to: 'bare node:http', target: '>= 0.6' }],
    },
    ctx.rounds,
  );
  try {
    const barePort = Number(await firstLine(bare));
    await firstLine(credplane, 30_000);
    const answer = (await adminRequest(adminEndpoint(dataDir), 'ecs', 'POST', '/credplane/ecs/run-task', {
      taskDefinition: 'bench',
    })) as { tasks: StartedTask[] };
    const task = answer.tasks[0]!;
    const seconds = secondsFor(ctx, SECONDS);
    const spec = (system: (typeof systems)[number]): LoadSpec => ({
      ...(system === 'credplane'
        ? { url: task.credentialsFullUri, headers: { authorization: task.authorizationToken } }
        : { url: `http://127.0.0.1:${barePort}/v2/credentials/x`, headers: { authorization: 'token' } }),
      method: 'GET',
      body: '',
      concurrency: CONCURRENCY,
      maxRequests: MAX_REQUESTS,
      maxSeconds: seconds,
    });
    for (const system of systems)
      await runLoad({ ...spec(system), maxRequests: 2000, maxSeconds: Math.min(2, seconds) });
    await forEachRound(ctx, systems, async (system, round) => {
      const result = await runLoad(spec(system));
      const ok = result.statuses['200'] ?? 0;
      if (ok !== result.requests || result.errors > 0)
        rate.note(
          `${system}: ${result.requests - ok} non-200 answers, ${result.errors} errors in round ${round + 1}`,
        );
      rate.set(round, system, result.rps);
      process.stderr.write(`  container ${system} round ${round + 1}: ${Math.round(result.rps)} req/s\n`);
    });
  } finally {
    await credplane.stop();
    await bare.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return { cases: [rate.result()], rows: [] };
};
