/**
 * The gateway ladder (issue 16's decomposition): the CPU per forwarded call of each stage of the
 * gateway's work, composed from credplane's real modules in one process
 * (`gateway-ladder-server.ts`: bare proxy → + SigV4 verification → + re-signing and the gateway's
 * forwarding → + mapping and authorization → + the access record and its journal → + the store →
 * the full `credplane up` port), beside the standalone bare proxy (`bare-proxy.ts`), the gateway
 * suite's reference.
 *
 * Each stage is loaded alone, 8 requests in flight, in interleaved rounds (rotated order); its CPU
 * per request is the ladder process's CPU time (`/proc/<pid>/stat`, all threads) over the load
 * divided by the requests answered. Two backends: `moto_server` (what the gateway suite uses; it
 * closes every connection, so each call pays a TCP connect) and a keep-alive `node:http` server
 * (`bare-server.ts`, a fixed 200 answer; S3 `GetObject` only), which shows the stages without
 * that connect.
 *
 * Bounded: loopback only, 20,000 requests or 4 s (`--seconds`) per load, one load at a time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import {
  ACCOUNT,
  ADMIN,
  CALLS,
  MOTO,
  problem,
  seed,
  sign,
  TEMPLATE,
  type Call,
  type Credentials,
} from './gateway.js';
import {
  cpuSeconds,
  firstLine,
  freePort,
  isolatedEnv,
  runLoad,
  start,
  waitForPort,
  type Child,
} from './processes.js';
import { CaseRecorder, forEachRound, secondsFor } from './rounds.js';
import type { BenchContext, CaseResult, RoundsSuite } from './types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** `node --import tsx`, not the `tsx` launcher: the launcher runs the script in a child process, and the pid read must be the server's. */
const NODE_TSX = ['--import', 'tsx'];
const LOAD = { concurrency: 8, maxRequests: 20_000, maxSeconds: 4 };
export const STAGES = ['bare', 'sigv4', 'resign', 'authorize', 'journal', 'store', 'full'] as const;
const ALONE = 'bare proxy alone';

/** The line the ladder server prints once every stage listens. */
function ladderLine(child: Child, ms = 90_000): Promise<{ ports: Record<string, number> }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the ladder server did not report in time')), ms);
    const check = (): void => {
      const line = child
        .output()
        .split('\n')
        .find((l) => l.startsWith('{"ports"'));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as { ports: Record<string, number> });
    };
    child.process.stdout?.on('data', check);
    child.process.once('exit', (code) => reject(new Error(`the ladder server exited (${code})`)));
    check();
  });
}

async function ladderFor(
  ctx: BenchContext,
  backendName: string,
  backendUrl: string,
  dir: string,
  calls: readonly Call[],
): Promise<CaseResult[]> {
  const dataDir = fs.mkdtempSync(path.join(dir, 'ladder-'));
  const template = path.join(dataDir, 'stack.yaml');
  fs.writeFileSync(template, TEMPLATE);
  const ladder = start(
    process.execPath,
    [
      ...NODE_TSX,
      path.join(here, 'gateway-ladder-server.ts'),
      backendUrl,
      path.join(dataDir, 'plane'),
      template,
    ],
    isolatedEnv({
      CREDPLANE_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId,
      CREDPLANE_ADMIN_SECRET_ACCESS_KEY: ADMIN.secretAccessKey,
    }),
  );
  const alone = start(process.execPath, [...NODE_TSX, path.join(here, 'bare-proxy.ts'), backendUrl]);
  const cases: CaseResult[] = [];
  try {
    const { ports } = await ladderLine(ladder);
    const urls: Record<string, string> = {};
    for (const stage of STAGES) urls[stage] = `http://127.0.0.1:${ports[stage]}`;
    urls[ALONE] = `http://127.0.0.1:${Number(await firstLine(alone))}`;
    const sts = new STSClient({ endpoint: urls.full, region: 'us-east-1', credentials: ADMIN });
    const assumed = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/bench-gateway`,
        RoleSessionName: 'bench',
      }),
    );
    const session: Credentials = {
      accessKeyId: assumed.Credentials!.AccessKeyId!,
      secretAccessKey: assumed.Credentials!.SecretAccessKey!,
      sessionToken: assumed.Credentials!.SessionToken!,
    };
    const pids: Record<string, number> = { [ALONE]: alone.process.pid! };
    for (const stage of STAGES) pids[stage] = ladder.process.pid!;
    const systems = [ALONE, ...STAGES];
    for (const call of calls) {
      const spec = async (system: string) => ({
        url: `${urls[system]}${call.path}`,
        method: call.method,
        body: call.body,
        // The bare proxies forward the request as signed; signed for the backend's host (moto
        // does not check signatures, and the keep-alive backend answers anything).
        headers: await sign(
          call,
          system === ALONE ? backendUrl : urls[system]!,
          system === ALONE ? MOTO : session,
        ),
      });
      for (const system of systems)
        await runLoad({ ...(await spec(system)), concurrency: 2, maxRequests: 200, maxSeconds: 2 });
      const rec = new CaseRecorder(
        {
          suite: 'gateway-ladder',
          case: `${call.name} via ${backendName}, CPU per request, ${LOAD.concurrency} in flight`,
          unit: 'µs',
          better: 'lower',
          systems,
          ratios: STAGES.map((stage) => ({
            of: stage,
            to: ALONE,
            ...(stage === 'full' ? { target: '<= 1.5' } : {}),
          })),
        },
        ctx.rounds,
      );
      await forEachRound(ctx, systems, async (system, round) => {
        const pid = pids[system]!;
        const before = cpuSeconds(pid);
        const result = await runLoad({
          ...(await spec(system)),
          ...LOAD,
          maxSeconds: secondsFor(ctx, LOAD.maxSeconds),
        });
        const wrong = problem(system, round, result);
        if (wrong) rec.note(wrong);
        rec.set(round, system, ((cpuSeconds(pid) - before) / result.requests) * 1e6);
      });
      process.stderr.write(`  gateway-ladder ${call.name} via ${backendName}: done\n`);
      cases.push(rec.result());
    }
  } finally {
    await alone.stop();
    await ladder.stop();
  }
  return cases;
}

export const runRounds: RoundsSuite = async (ctx) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-bench-ladder-'));
  const motoPort = await freePort();
  const moto = start('moto_server', ['-H', '127.0.0.1', '-p', String(motoPort)]);
  const motoUrl = `http://127.0.0.1:${motoPort}`;
  const keepAlive = start(process.execPath, [...NODE_TSX, path.join(here, 'bare-server.ts')]);
  const cases: CaseResult[] = [];
  try {
    await waitForPort(motoPort);
    for (let i = 0; i < 50; i++) {
      const status = await fetch(motoUrl).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await seed(motoUrl);
    const backends = (process.env.CREDPLANE_BENCH_LADDER_BACKENDS ?? 'moto,keep-alive').split(',');
    if (backends.includes('moto')) cases.push(...(await ladderFor(ctx, 'moto_server', motoUrl, dir, CALLS)));
    if (backends.includes('keep-alive')) {
      const port = Number(await firstLine(keepAlive));
      // S3 only: DynamoDB's mapper asks the backend for the table's key schema (DescribeTable),
      // which the fixed answer of this backend is not.
      const s3 = CALLS.filter((call) => call.name.startsWith('S3'));
      cases.push(...(await ladderFor(ctx, 'keep-alive node:http', `http://127.0.0.1:${port}`, dir, s3)));
    }
  } finally {
    await keepAlive.stop();
    await moto.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { cases, rows: [] };
};
