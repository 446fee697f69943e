/**
 * The STS ladder: CPU time per request of servers composed from credplane's real modules, one
 * stage more on each rung (`sts-stages-server.ts`: bare node:http → credplane's HTTP layer and
 * Query protocol → + SigV4 verification → + authentication through the snapshot, STS dispatch and
 * authorization → + the access record and its journal append → + the store drain into SQLite),
 * then `credplane up` itself, for `GetCallerIdentity` and `AssumeRole`. The difference between two
 * rungs is what that stage costs per request (docs/benchmarks.md, "The STS ladder").
 *
 * Each rung is its own process, all of them running side by side for the whole suite; each round
 * loads them one after another (rotated), bounded in requests and time, 16 connections, loopback
 * only. The figure is the server process's CPU time (all threads, user + kernel,
 * `/proc/<pid>/stat`) over its load divided by the requests answered: on a shared machine the
 * scheduler hands out CPU time, not requests, so this holds where a rate does not.
 *
 * `CREDPLANE_BENCH_BASELINE=<tree>` adds `credplane up` from another checkout's `dist/` (built
 * there), loaded in the same rounds: a before/after comparison interleaved in one run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ACCOUNT, ADMIN, CALLS, signedBody } from './http.js';
import { startPlane } from './plane.js';
import { PROFILE_STOP_GRACE_MS } from './profile.js';
import {
  cpuSeconds,
  firstLine,
  isolatedEnv,
  runLoad,
  start,
  type Child,
  type LoadSpec,
} from './processes.js';
import { CaseRecorder, forEachRound, secondsFor } from './rounds.js';
import { STAGES } from './sts-stages-server.js';
import type { BenchContext, CaseResult, RatioSpec, RoundsSuite } from './types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = 3;
const MAX_REQUESTS = 100_000;
const CONCURRENCY = 16;
const BASELINE = 'credplane up (baseline)';

function upArgs(dataDir: string): string[] {
  return [
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
  ];
}

function startBaseline(tree: string, dataDir: string): Child {
  return start(
    process.execPath,
    [path.join(tree, 'dist', 'cli', 'main.js'), 'up', ...upArgs(dataDir)],
    isolatedEnv({
      CREDPLANE_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId,
      CREDPLANE_ADMIN_SECRET_ACCESS_KEY: ADMIN.secretAccessKey,
    }),
  );
}

export const runRounds: RoundsSuite = async (ctx: BenchContext) => {
  const cases: CaseResult[] = [];
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-stages-'));
  const children: Child[] = [];
  const ports: Record<string, number> = {};
  const pids: Record<string, number> = {};
  const baselineTree = process.env.CREDPLANE_BENCH_BASELINE;
  try {
    for (const stage of STAGES) {
      // node itself (not the tsx launcher): its CPU time is read.
      const child = start(
        process.execPath,
        [
          // `--profile <dir>`: each rung writes its CPU profiles into `<dir>/sts-stages-<rung>/`
          // when it stops, one per thread (tsx's loader runs in a worker thread: a fixed
          // `--cpu-prof-name` would have the worker's profile overwrite the main thread's).
          ...(ctx.profileDir === undefined
            ? []
            : ['--cpu-prof', '--cpu-prof-dir', path.join(ctx.profileDir, `sts-stages-${stage}`)]),
          '--import',
          'tsx',
          path.join(here, 'sts-stages-server.ts'),
          stage,
          path.join(root, stage),
        ],
        isolatedEnv({
          CREDPLANE_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId,
          CREDPLANE_ADMIN_SECRET_ACCESS_KEY: ADMIN.secretAccessKey,
        }),
        ctx.profileDir === undefined ? {} : { stopGraceMs: PROFILE_STOP_GRACE_MS },
      );
      children.push(child);
      ports[stage] = Number(await firstLine(child, 30_000));
      pids[stage] = child.process.pid!;
    }
    const up = startPlane(ctx, 'sts-stages', upArgs(path.join(root, 'up')), ADMIN);
    children.push(up);
    ports['credplane up'] = Number(/127\.0\.0\.1:(\d+)/.exec(await firstLine(up, 30_000))?.[1]);
    pids['credplane up'] = up.process.pid!;
    if (baselineTree !== undefined) {
      const base = startBaseline(baselineTree, path.join(root, 'baseline'));
      children.push(base);
      ports[BASELINE] = Number(/127\.0\.0\.1:(\d+)/.exec(await firstLine(base, 30_000))?.[1]);
      pids[BASELINE] = base.process.pid!;
    }
    const systems = Object.keys(ports);
    const ratios: RatioSpec[] = systems
      .filter((s) => s !== 'bare')
      .map((s) => ({
        of: s,
        to: 'bare',
        ...(s === 'credplane up' ? { target: '<= 1.67 (0.6x bare req/s)' } : {}),
      }));
    if (baselineTree !== undefined) ratios.push({ of: 'credplane up', to: BASELINE });
    const seconds = secondsFor(ctx, SECONDS);

    for (const [call, body] of Object.entries(CALLS) as [keyof typeof CALLS, string][]) {
      const spec = async (system: string): Promise<LoadSpec> => {
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
      for (const system of systems) {
        await runLoad({ ...(await spec(system)), maxRequests: 2000, maxSeconds: Math.min(2, seconds) });
      }
      const cpu = new CaseRecorder(
        {
          suite: 'sts-stages',
          case: `${call}, server CPU per request`,
          unit: 'µs',
          better: 'lower',
          systems,
          ratios,
        },
        ctx.rounds,
      );
      const rate = new CaseRecorder(
        { suite: 'sts-stages', case: call, unit: 'req/s', better: 'higher', systems, ratios: [] },
        ctx.rounds,
      );
      await forEachRound(ctx, systems, async (system, round) => {
        const pid = pids[system]!;
        const cpu0 = cpuSeconds(pid);
        const result = await runLoad(await spec(system));
        if (result.requests > 0) cpu.set(round, system, ((cpuSeconds(pid) - cpu0) / result.requests) * 1e6);
        rate.set(round, system, result.rps);
        const ok = result.statuses['200'] ?? 0;
        if (ok !== result.requests || result.errors > 0) {
          cpu.note(
            `${system}: ${result.requests - ok} non-200 answers, ${result.errors} errors in round ${round + 1}`,
          );
        }
        process.stderr.write(
          `  ${call} ${system} round ${round + 1}: ${Math.round(result.rps)} req/s, ` +
            `${Math.round(((cpuSeconds(pid) - cpu0) / Math.max(1, result.requests)) * 1e6)} µs CPU/request\n`,
        );
      });
      cases.push(cpu.result(), rate.result());
    }
  } finally {
    for (const child of children.reverse()) await child.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
  return { cases, rows: [] };
};
