/**
 * Memory and start-up with a large store: 10,000 roles (each with a trust policy and an inline
 * policy) and 10,000 workloads (ECS task definitions, one per role: a kind that opens no endpoint
 * of its own, so the figures are the store's and the plane's, not 10,000 listening sockets; the
 * `imds` suite measures 1,000 instance endpoints). Beside it, the same plane with one of each.
 *
 * Each round starts `credplane up` on both data directories in turn (rotated): the start-up time
 * (spawn until the banner, which is printed once every listener is up), the resident memory then,
 * and again after 200 `AssumeRole` calls to the last role written and 200 `GetCallerIdentity` (so that the
 * request path has touched the store). Bounded: two plane starts and 400 requests per round.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../src/store/open.js';
import { startPlane } from './plane.js';
import { firstLine } from './processes.js';
import { CaseRecorder, forEachRound } from './rounds.js';
import type { BenchContext, RoundsSuite } from './types.js';

const ACCOUNT = '123456789012';
const COUNT = 10_000;
const CALLS = 200;
const ADMIN = {
  accessKeyId: 'AKIABENCHMEMORYBENCH',
  secretAccessKey: 'benchmemorybenchmemorybenchmemory0000000',
};
const EMPTY = '1 role + 1 workload';
const LARGE = `${COUNT / 1000}k roles + ${COUNT / 1000}k workloads`;
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
  ],
});

function policy(i: number): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: `arn:aws:s3:::team-${i}/*` },
      {
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/t-${i}`,
      },
    ],
  });
}

const upArgs = (dataDir: string): string[] => [
  '--port',
  '0',
  '--data-dir',
  dataDir,
  '--account-id',
  ACCOUNT,
  '--log-level',
  'warn',
];

/** Starts the plane once (creating the store), stops it; then fills the store directly. */
async function prepare(ctx: BenchContext, dataDir: string, count: number): Promise<void> {
  const plane = startPlane({ ...ctx, profileDir: undefined }, 'memory-prepare', upArgs(dataDir), ADMIN);
  try {
    await firstLine(plane, 60_000);
  } finally {
    await plane.stop();
  }
  const began = Date.now();
  const store = await openStore(path.join(dataDir, 'credplane.db'));
  try {
    await store.transaction(async (tx) => {
      for (let i = 0; i < count; i++) {
        const roleName = `role-${i}`;
        await tx.createRole(ACCOUNT, { roleName, assumeRolePolicyDocument: TRUST });
        await tx.putRolePolicy(ACCOUNT, roleName, 'access', policy(i));
        await tx.putWorkload(ACCOUNT, {
          kind: 'ecs-task-definition',
          name: `family-${i}`,
          roleName,
          settings: { taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/${roleName}` },
        });
      }
    });
  } finally {
    await store.close();
  }
  process.stderr.write(`  memory: ${count} roles + ${count} workloads written in ${Date.now() - began} ms\n`);
}

function residentMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

async function call(port: number, body: string): Promise<number> {
  const signer = new SignatureV4({ credentials: ADMIN, region: 'us-east-1', service: 'sts', sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port,
    path: '/',
    headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const res = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    headers: signed.headers as Record<string, string>,
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

export const runRounds: RoundsSuite = async (ctx) => {
  const dirs: Record<string, string> = {
    [EMPTY]: fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-bench-mem-empty-')),
    [LARGE]: fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-bench-mem-large-')),
  };
  const systems = [LARGE, EMPTY];
  const spec = { suite: 'memory', systems, ratios: [{ of: LARGE, to: EMPTY }] };
  const startup = new CaseRecorder(
    { ...spec, case: 'start-up of credplane up', unit: 'ms', better: 'lower' },
    ctx.rounds,
  );
  const rssStart = new CaseRecorder(
    { ...spec, case: 'resident memory after start-up', unit: 'MB', better: 'lower' },
    ctx.rounds,
  );
  const rssServed = new CaseRecorder(
    { ...spec, case: `resident memory after ${2 * CALLS} STS calls`, unit: 'MB', better: 'lower' },
    ctx.rounds,
  );
  try {
    await prepare(ctx, dirs[EMPTY]!, 1);
    await prepare(ctx, dirs[LARGE]!, COUNT);
    await forEachRound(ctx, systems, async (system, round) => {
      const began = performance.now();
      const plane = startPlane(ctx, `memory-${system}`, upArgs(dirs[system]!), ADMIN);
      try {
        const banner = await firstLine(plane, 120_000);
        const upMs = performance.now() - began;
        startup.set(round, system, upMs);
        const pid = plane.process.pid!;
        rssStart.set(round, system, residentMb(pid));
        const port = Number(/127\.0\.0\.1:(\d+)/.exec(banner)?.[1]);
        const last = system === EMPTY ? 0 : COUNT - 1;
        const assume =
          'Action=AssumeRole&Version=2011-06-15&RoleSessionName=bench&RoleArn=' +
          encodeURIComponent(`arn:aws:iam::${ACCOUNT}:role/role-${last}`);
        let failed = 0;
        for (let i = 0; i < CALLS; i++) {
          if ((await call(port, 'Action=GetCallerIdentity&Version=2011-06-15')) !== 200) failed++;
          if ((await call(port, assume)) !== 200) failed++;
        }
        if (failed > 0) rssServed.note(`${system}: ${failed} unexpected answers in round ${round + 1}`);
        rssServed.set(round, system, residentMb(pid));
        process.stderr.write(
          `  memory ${system} round ${round + 1}: up in ${Math.round(upMs)} ms, ${residentMb(pid).toFixed(0)} MB\n`,
        );
      } finally {
        await plane.stop();
      }
    });
  } finally {
    for (const dir of Object.values(dirs)) fs.rmSync(dir, { recursive: true, force: true });
  }
  return { cases: [startup.result(), rssStart.result(), rssServed.result()], rows: [] };
};
