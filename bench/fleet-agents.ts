/**
 * The agent port under a fleet's load (docs/benchmarks.md, "Fleet"):
 *
 * - the server is `fleet-agent-server.ts` in a child process (the plane and agent port `credplane
 *   up --agent-port` builds, SQLite store), so its CPU is read from `/proc/<pid>/stat` and is not
 *   mixed with the agents';
 * - `AGENTS` agents are simulated in this process, sharing one event loop: each is a real mTLS
 *   client with its own key and node certificate, obtained through a real one-time join token
 *   (`NodeIdentity.ensure`), and holds the credentials of `WORKLOADS / AGENTS` instances in the
 *   agent's own `CredentialCache` (fetch ahead of need, again at half the remaining life), each
 *   fetch a `POST /agent/v1/credentials` through the agent's `AgentClient`;
 * - the schedule is the agent's, compressed: credential sets live `lifetime` seconds instead of the
 *   repo's 6 h (scale factor 21600 / lifetime), and each workload's first fetch is placed
 *   uniformly within the first refresh period (a fleet whose workloads started at different
 *   times), so the server sees the steady rate `workloads / (lifetime / 2)` from the start. The
 *   run is 60 s (`--seconds`) and stops by itself, reported in two halves. The lifetime is 3600 s
 *   (6x, 5.6 fetches/s asked for 10,000 workloads) by default, chosen when a fetch cost ~87 ms of
 *   server CPU (before the placement index; docs/benchmarks.md). `CREDPLANE_BENCH_FLEET_LIFETIME`
 *   changes it (60 s: the first half is every first fetch and the second every refresh);
 * - the agent's memory per 1,000 workloads: heap and RSS growth of this process while
 *   `CredentialCache`s hold N credential sets (N = 1,000 and 10,000) shaped like the server's
 *   (same field lengths, distinct values), after a full GC.
 *
 * `--seconds S` sets the run to S seconds.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { CredentialCache } from '../src/delivery/fleet/agent/credential-cache.js';
import { NodeIdentity } from '../src/delivery/fleet/agent/node-identity.js';
import type { NodeCredentials, NodeInstance } from '../src/delivery/fleet/node-workloads.js';
import {
  REAL_CREDENTIAL_SECONDS,
  coresAtRealLifetime,
  demandedRefreshRate,
  procCpuSeconds,
  refreshPeriodSeconds,
  windowFigures,
  type WindowSample,
} from './fleet-agents-stats.js';
import { firstLine, isolatedEnv, start, type Child } from './processes.js';
import { quantile } from './stats.js';
import type { BenchRow, RoundsSuite } from './types.js';

const WORKLOADS = Number(process.env.CREDPLANE_BENCH_FLEET_WORKLOADS ?? 10_000);
const AGENTS = Number(process.env.CREDPLANE_BENCH_FLEET_AGENTS ?? 100);
const RUN_SECONDS = 60;
/**
 * Credential lifetime in the run: 3600 s (the repo's 6 h compressed 6x) unless
 * `CREDPLANE_BENCH_FLEET_LIFETIME` says otherwise.
 */
const LIFETIME_SECONDS = Number(process.env.CREDPLANE_BENCH_FLEET_LIFETIME ?? 3600);
const MEMORY_SIZES = [1_000, 10_000];
const SYNCS = 5;
/** The agent asks what is placed on its node this often (`AgentOptions.syncMs`). */
const SYNC_SECONDS = 5;
const ENROLL_CONCURRENCY = 10;
const TICKS = 100; // USER_HZ: `getconf CLK_TCK` on Linux

const here = path.dirname(new URL(import.meta.url).pathname);
const serverCpu = (pid: number): number =>
  procCpuSeconds(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'), TICKS);

interface Traffic {
  bytesRead: number;
  bytesWritten: number;
  connections: number;
}

let asked = 0;
/**
 * The server's socket byte counters, asked for with SIGUSR2 (`fleet-agent-server.ts` numbers its
 * answers); NaN counters when a saturated server does not answer within 10 s.
 */
async function trafficOf(child: Child): Promise<Traffic> {
  const seq = ++asked;
  child.process.kill('SIGUSR2');
  const until = Date.now() + 10_000;
  for (;;) {
    const line = child
      .output()
      .split('\n')
      .find((l) => l.startsWith(`{"seq":${seq},`));
    if (line !== undefined) return JSON.parse(line) as Traffic;
    if (Date.now() > until) return { bytesRead: NaN, bytesWritten: NaN, connections: NaN };
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A full collection, for memory figures (`--expose-gc` at run time). */
function fullGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

const randomText = (length: number, prefix = ''): string =>
  prefix +
  randomBytes(length)
    .toString('base64url')
    .slice(0, Math.max(0, length - prefix.length));

/** Heap and RSS growth (bytes) while `n` caches hold one credential set each, shaped like `sample`. */
async function cacheMemory(n: number, sample: NodeCredentials & { code: 'Success' }) {
  const gc = fullGc();
  const expiration = new Date(Date.now() + REAL_CREDENTIAL_SECONDS * 1000).toISOString();
  gc();
  const before = process.memoryUsage();
  const caches: CredentialCache[] = [];
  for (let i = 0; i < n; i++) {
    const cache = new CredentialCache({
      fetch: () =>
        Promise.resolve({
          ...sample,
          accessKeyId: randomText(sample.accessKeyId.length, 'ASIA'),
          secretAccessKey: randomText(sample.secretAccessKey.length),
          sessionToken: randomText(sample.sessionToken.length),
          expiration,
          issuedAt: new Date().toISOString(),
        }),
    });
    caches.push(cache);
    await cache.get();
  }
  gc();
  const after = process.memoryUsage();
  for (const cache of caches) cache.stop();
  return { heap: after.heapUsed - before.heapUsed, rss: after.rss - before.rss, caches: caches.length };
}

interface Agent {
  node: string;
  identity: NodeIdentity;
}

/** Enroll every node with its join token, `ENROLL_CONCURRENCY` at a time. */
async function enrollAll(url: string, tokens: string[], dir: string): Promise<Agent[]> {
  const agents: Agent[] = new Array<Agent>(tokens.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: ENROLL_CONCURRENCY }, async () => {
      for (let i = next++; i < tokens.length; i = next++) {
        const identity = new NodeIdentity(url, path.join(dir, 'agents', String(i)));
        const { node } = await identity.ensure(tokens[i]);
        agents[i] = { node, identity };
      }
    }),
  );
  return agents;
}

interface LoadCounters {
  refreshes: number;
  /** Of `refreshes`, a workload's first set. */
  firsts: number;
  failures: number;
  inFlight: number;
  latencies: number[];
  /** Expiration (epoch ms) of the set each workload holds; undefined before its first success. */
  expires: (number | undefined)[];
}

/** The compressed schedule: one `CredentialCache` per workload, first fetches spread over a period. */
function startLoad(agents: Agent[], workloads: number, period: number, counters: LoadCounters) {
  const caches: CredentialCache[] = [];
  const timers: NodeJS.Timeout[] = [];
  for (let k = 0; k < workloads; k++) {
    const agent = agents[k % agents.length]!;
    const instanceId = `i-${k.toString(16).padStart(17, '0')}`;
    const cache = new CredentialCache({
      fetch: async () => {
        counters.inFlight += 1;
        const started = performance.now();
        try {
          const c = await agent.identity.client.post<NodeCredentials>('/agent/v1/credentials', {
            instanceId,
            delivery: '2.0',
          });
          counters.refreshes += 1;
          if (counters.expires[k] === undefined) counters.firsts += 1;
          counters.latencies.push(performance.now() - started);
          if (c.code === 'Success') counters.expires[k] = Date.parse(c.expiration);
          return c;
        } catch (error) {
          counters.failures += 1;
          throw error;
        } finally {
          counters.inFlight -= 1;
        }
      },
    });
    caches.push(cache);
    timers.push(setTimeout(() => cache.start(), (k / workloads) * period * 1000));
  }
  return {
    stop(): void {
      for (const t of timers) clearTimeout(t);
      for (const c of caches) c.stop();
    },
  };
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;

export const runRounds: RoundsSuite = async (ctx) => {
  const runSeconds = ctx.seconds ?? RUN_SECONDS;
  const lifetime = LIFETIME_SECONDS;
  const period = refreshPeriodSeconds(lifetime);
  const scale = REAL_CREDENTIAL_SECONDS / lifetime;
  const perAgent = Math.ceil(WORKLOADS / AGENTS);
  const header =
    `fleet agents: ${AGENTS} agents simulated in this process (each its own mTLS client and node ` +
    `certificate from a real join token; one event loop), ${WORKLOADS} workloads (${perAgent} per agent); ` +
    `credential lifetime ${lifetime} s = the repo's 6 h compressed ${scale.toFixed(0)}x, refresh every ` +
    `${period} s; server in a child process, CPU from /proc/<pid>/stat`;
  console.log(header);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-bench-agents-'));
  const rows: BenchRow[] = [];
  const server = start(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(here, 'fleet-agent-server.ts'),
      dir,
      String(WORKLOADS),
      String(AGENTS),
      String(lifetime),
    ],
    isolatedEnv(),
  );
  let load: { stop(): void } | undefined;
  const counters: LoadCounters = {
    refreshes: 0,
    firsts: 0,
    failures: 0,
    inFlight: 0,
    latencies: [],
    expires: [],
  };
  try {
    const hello = JSON.parse(await firstLine(server, 300_000)) as {
      pid: number;
      url: string;
      tokens: string[];
    };
    const pid = hello.pid;
    process.stderr.write(`  fleet agents: server ready at ${hello.url}; enrolling ${AGENTS} agents\n`);

    // (a) enrollment: the server's CPU per agent joining.
    let cpu0 = serverCpu(pid);
    let t0 = performance.now();
    const agents = await enrollAll(hello.url, hello.tokens, dir);
    let seconds = (performance.now() - t0) / 1000;
    const enrollCpuMs = ((serverCpu(pid) - cpu0) * 1000) / AGENTS;
    rows.push({
      suite: 'fleet',
      case: 'agents: enrollment (join token + CSR -> node certificate, mTLS)',
      opsPerSec: AGENTS / seconds,
      note: `${AGENTS} agents, ${ENROLL_CONCURRENCY} at a time; server CPU ${enrollCpuMs.toFixed(1)} ms per agent`,
    });

    // One real set: the shape of what the agent's cache holds. The first request at a store
    // generation builds the placement index (every instance of the store listed once).
    const first = agents[0]!;
    cpu0 = serverCpu(pid);
    const sample = await first.identity.client.post<NodeCredentials>('/agent/v1/credentials', {
      instanceId: `i-${(0).toString(16).padStart(17, '0')}`,
      delivery: '2.0',
    });
    if (sample.code !== 'Success') throw new Error(`the server refused the instance's role: ${sample.code}`);
    rows.push({
      suite: 'fleet',
      case: `agents: first credential fetch at a store generation (${WORKLOADS} workloads indexed)`,
      opsPerSec: NaN,
      note: `server CPU ${((serverCpu(pid) - cpu0) * 1000).toFixed(1)} ms, once per store write (placement index rebuilt)`,
    });

    // The node's first sync at this generation signs its instances' identity documents.
    cpu0 = serverCpu(pid);
    const firstSync = await first.identity.client.get<{ instances: NodeInstance[] }>('/agent/v1/instances');
    rows.push({
      suite: 'fleet',
      case: `agents: first GET /agent/v1/instances at a store generation (${firstSync.instances.length} instances on the node)`,
      opsPerSec: NaN,
      note: `server CPU ${((serverCpu(pid) - cpu0) * 1000).toFixed(1)} ms, once per node and store write (documents signed)`,
    });

    // What one sync costs: the agent asks what is placed on its node every 5 s (the store unchanged).
    cpu0 = serverCpu(pid);
    t0 = performance.now();
    let placed = 0;
    for (let i = 0; i < SYNCS; i++) {
      const r = await first.identity.client.get<{ instances: NodeInstance[] }>('/agent/v1/instances');
      placed = r.instances.length;
    }
    seconds = (performance.now() - t0) / 1000;
    const syncCpuMs = ((serverCpu(pid) - cpu0) * 1000) / SYNCS;
    rows.push({
      suite: 'fleet',
      case: `agents: GET /agent/v1/instances (${placed} instances on the node)`,
      opsPerSec: SYNCS / seconds,
      note:
        `server CPU ${syncCpuMs.toFixed(1)} ms per sync; ${AGENTS} agents syncing every ${SYNC_SECONDS} s ` +
        `would keep ${(((AGENTS / SYNC_SECONDS) * syncCpuMs) / 1000).toFixed(2)} cores busy (not part of the load below)`,
    });

    // (c) the agent's memory per 1,000 workloads.
    for (const n of MEMORY_SIZES) {
      const m = await cacheMemory(n, sample);
      rows.push({
        suite: 'fleet',
        case: `agent cache memory, ${n} workloads' credential sets`,
        opsPerSec: NaN,
        note:
          `heap +${kb(m.heap)} (${kb((m.heap / n) * 1000)} per 1,000), RSS +${kb(m.rss)} (${kb((m.rss / n) * 1000)} per 1,000); ` +
          `session token ${sample.sessionToken.length} chars; CredentialCache only, not the metadata tree`,
      });
      process.stderr.write(`  fleet agents: ${n} cached sets: heap +${kb(m.heap)}, RSS +${kb(m.rss)}\n`);
    }

    // (b) the refresh load, in two halves (with the default lifetime: first fetches, then refreshes).
    process.stderr.write(`  fleet agents: load for ${runSeconds} s\n`);
    const demanded = demandedRefreshRate(WORKLOADS, lifetime);
    const snapshot = async () => ({
      t: performance.now(),
      cpu: serverCpu(pid),
      traffic: await trafficOf(server),
      refreshes: counters.refreshes,
      firsts: counters.firsts,
      failures: counters.failures,
      latencies: counters.latencies.length,
    });
    const marks = [await snapshot()];
    load = startLoad(agents, WORKLOADS, period, counters);
    for (let p = 1; p <= 2; p++) {
      await new Promise((resolve) =>
        setTimeout(resolve, marks[0]!.t + (p * runSeconds * 1000) / 2 - performance.now()),
      );
      marks.push(await snapshot());
    }
    load.stop();
    const now = Date.now();
    const served = counters.expires.filter((e) => e !== undefined).length;
    const expired = counters.expires.filter((e) => e !== undefined && e <= now).length;
    const half = runSeconds / 2;
    const labels = [`load seconds 0-${half}`, `load seconds ${half}-${runSeconds}`];
    for (const [i, label] of labels.entries()) {
      const a = marks[i]!;
      const b = marks[i + 1]!;
      const w: WindowSample = {
        seconds: (b.t - a.t) / 1000,
        refreshes: b.refreshes - a.refreshes,
        failures: b.failures - a.failures,
        serverCpuSeconds: b.cpu - a.cpu,
        bytesIn: b.traffic.bytesRead - a.traffic.bytesRead,
        bytesOut: b.traffic.bytesWritten - a.traffic.bytesWritten,
        connections: b.traffic.connections - a.traffic.connections,
      };
      const f = windowFigures(w, AGENTS);
      const lat = counters.latencies.slice(a.latencies, b.latencies);
      rows.push({
        suite: 'fleet',
        case: `agents: credential refresh, ${label}`,
        opsPerSec: f.refreshesPerSecond,
        p50Us: quantile(lat, 0.5) * 1000,
        p99Us: quantile(lat, 0.99) * 1000,
        note:
          `${w.refreshes - (b.firsts - a.firsts)} refreshes + ${b.firsts - a.firsts} first fetches; ` +
          `asked ${demanded.toFixed(1)}/s; server CPU ${f.serverCpuMsPerRefresh.toFixed(2)} ms per refresh, ` +
          `${f.serverCores.toFixed(2)} cores, ${f.serverCpuMsPerAgentPerSecond.toFixed(2)} ms/s per agent; ` +
          `in ${kb(f.bytesInPerSecond)}/s, out ${kb(f.bytesOutPerSecond)}/s, ${f.bytesPerRefresh.toFixed(0)} B and ` +
          `${f.connectionsPerRefresh.toFixed(2)} TLS connections per refresh; ${w.failures} failed; ` +
          `at the real 6 h lifetime (${demandedRefreshRate(WORKLOADS, REAL_CREDENTIAL_SECONDS).toFixed(2)}/s): ` +
          `${(coresAtRealLifetime(f.serverCpuMsPerRefresh, WORKLOADS) * 100).toFixed(2)}% of a core`,
      });
      process.stderr.write(
        `  fleet agents ${label}: ${f.refreshesPerSecond.toFixed(0)}/s of ${demanded.toFixed(0)}/s asked, ` +
          `${f.serverCpuMsPerRefresh.toFixed(2)} ms server CPU per refresh\n`,
      );
    }
    rows.push({
      suite: 'fleet',
      case: 'agents: workloads holding credentials at the end',
      opsPerSec: NaN,
      note: `${served} of ${WORKLOADS} got a set; ${expired} held an expired one when the run stopped${expired > 0 ? ' (the server fell behind the schedule)' : ''}`,
    });
  } finally {
    load?.stop();
    // Requests under way finish (or time out, 10 s) before the server goes.
    const until = Date.now() + 15_000;
    while (counters.inFlight > 0 && Date.now() < until)
      await new Promise((resolve) => setTimeout(resolve, 50));
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { cases: [], rows };
};
