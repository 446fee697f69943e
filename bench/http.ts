/**
 * STS over HTTP: `GetCallerIdentity` and `AssumeRole` requests/second with keep-alive from a second
 * process, for credplane (`credplane up`), moto_server (the usual AWS emulator, on this machine) and
 * a bare node:http server answering a fixed body (the ceiling for any node:http service here).
 *
 * Each load is bounded: at most `MAX_REQUESTS` requests or `SECONDS` seconds (`--seconds`),
 * whichever comes first; the three systems are loaded in interleaved rounds (`--rounds`).
 * Requests are signed once and replayed (valid for the 5-minute signature window): the client
 * spends its CPU on HTTP, not on signing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { startPlane } from './plane.js';
import {
  cpuSeconds,
  firstLine,
  freePort,
  runLoad,
  start,
  waitForPort,
  type Child,
  type LoadSpec,
} from './processes.js';
import { CaseRecorder, forEachRound, secondsFor } from './rounds.js';
import type { BenchContext, CaseResult, RatioSpec, RoundsSuite } from './types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = 4;
const MAX_REQUESTS = 200_000;
const CONCURRENCY = 16;
export const ACCOUNT = '123456789012';
export const ADMIN = {
  accessKeyId: 'AKIABENCHBENCHBENCH2',
  secretAccessKey: 'benchbenchbenchbenchbenchbenchbenchbench',
};

export async function signedBody(
  port: number,
  body: string,
): Promise<{ headers: Record<string, string>; body: string }> {
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
  return { headers: signed.headers as Record<string, string>, body };
}

export const CALLS = {
  GetCallerIdentity: 'Action=GetCallerIdentity&Version=2011-06-15',
  AssumeRole: `Action=AssumeRole&Version=2011-06-15&RoleArn=${encodeURIComponent(`arn:aws:iam::${ACCOUNT}:role/bench`)}&RoleSessionName=bench`,
};

const SYSTEMS = ['credplane', 'bare node:http', 'moto_server'] as const;
type System = (typeof SYSTEMS)[number];

const RATIOS: Record<keyof typeof CALLS, RatioSpec[]> = {
  GetCallerIdentity: [
    { of: 'credplane', to: 'bare node:http', target: '>= 0.6' },
    { of: 'credplane', to: 'moto_server' },
  ],
  AssumeRole: [
    { of: 'credplane', to: 'moto_server', target: '>= 30' },
    { of: 'credplane', to: 'bare node:http' },
  ],
};

function startCredplane(ctx: BenchContext, dataDir: string): Child {
  return startPlane(
    ctx,
    'sts-http',
    [
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--account-id',
      ACCOUNT,
      '--log-level',
      'warn',
      '--template',
      path.join(here, 'fixtures', 'bench-stack.yaml'),
    ],
    ADMIN,
  );
}

/**
 * The three servers run side by side for the whole suite; per call, each round loads them one
 * after another (rotated), so that a ratio compares loads made within seconds of each other.
 */
export const runRounds: RoundsSuite = async (ctx) => {
  const cases: CaseResult[] = [];
  const ports: Partial<Record<System, number>> = {};
  const children: Child[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-bench-'));
  const unavailable: string[] = [];
  try {
    // node itself (not the tsx launcher, which runs the script in a child): its CPU time is read.
    const bare = start(process.execPath, ['--import', 'tsx', path.join(here, 'bare-server.ts')]);
    children.push(bare);
    ports['bare node:http'] = Number(await firstLine(bare));

    const motoPort = await freePort();
    const moto = start('moto_server', ['-H', '127.0.0.1', '-p', String(motoPort)]);
    children.push(moto);
    try {
      await waitForPort(motoPort);
      ports.moto_server = motoPort;
    } catch (error) {
      unavailable.push(`moto_server not measured: ${String(error)}`);
    }

    const credplane = startCredplane(ctx, dataDir);
    children.push(credplane);
    const banner = await firstLine(credplane, 30_000);
    ports.credplane = Number(/127\.0\.0\.1:(\d+)/.exec(banner)?.[1]);

    const systems = SYSTEMS.filter((s) => ports[s] !== undefined);
    const pids: Partial<Record<System, number>> = {
      credplane: credplane.process.pid,
      'bare node:http': bare.process.pid,
      moto_server: moto.process.pid,
    };
    const seconds = secondsFor(ctx, SECONDS);
    for (const [call, body] of Object.entries(CALLS) as [keyof typeof CALLS, string][]) {
      // Signed afresh for every load: a replayed signature is valid for 5 minutes only.
      const spec = async (system: System): Promise<LoadSpec> => {
        const port = ports[system]!;
        return {
          url: `http://127.0.0.1:${port}/`,
          method: 'POST',
          ...(await signedBody(port, body)),
          concurrency: CONCURRENCY,
          maxRequests: MAX_REQUESTS,
          maxSeconds: seconds,
        };
      };
      // Warm-up: JIT, connection pool, caches.
      for (const system of systems)
        await runLoad({ ...(await spec(system)), maxRequests: 2000, maxSeconds: Math.min(2, seconds) });
      const rate = new CaseRecorder(
        { suite: 'sts-http', case: call, unit: 'req/s', better: 'higher', systems, ratios: RATIOS[call] },
        ctx.rounds,
      );
      // CPU time per request of each server process (all threads, user + kernel) during its own
      // load: on a shared machine the scheduler hands out CPU time, not requests, so this ratio
      // holds where the rate's does not (docs/benchmarks.md, "Where the time goes").
      const cpu = new CaseRecorder(
        {
          suite: 'sts-http',
          case: `${call}, server CPU per request`,
          unit: 'µs',
          better: 'lower',
          systems,
          ratios: [
            { of: 'credplane', to: 'bare node:http' },
            { of: 'credplane', to: 'moto_server' },
          ],
        },
        ctx.rounds,
      );
      for (const text of unavailable) rate.note(text);
      await forEachRound(ctx, systems, async (system, round) => {
        const pid = pids[system];
        const cpu0 = pid === undefined ? undefined : cpuSeconds(pid);
        const result = await runLoad(await spec(system));
        if (pid !== undefined && cpu0 !== undefined && result.requests > 0)
          cpu.set(round, system, ((cpuSeconds(pid) - cpu0) / result.requests) * 1e6);
        const ok = result.statuses['200'] ?? 0;
        if (ok !== result.requests || result.errors > 0)
          rate.note(
            `${system}: ${result.requests - ok} non-200 answers, ${result.errors} errors in round ${round + 1}`,
          );
        rate.set(round, system, result.rps);
        process.stderr.write(`  ${call} ${system} round ${round + 1}: ${Math.round(result.rps)} req/s\n`);
      });
      cases.push(rate.result(), cpu.result());
    }
  } finally {
    for (const child of children.reverse()) await child.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return { cases, rows: [] };
};
