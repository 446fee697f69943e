/**
 * Two `credplane up --store postgres://...` replicas on one PostgreSQL (docs/fleet.md):
 * - change propagation: a role policy change made through replica A (DeleteRolePolicy /
 *   PutRolePolicy), timed until the role's session gets the other decision on replica B (`GetRole`
 *   polled every 5 ms); p50/p99 over `CHANGES` changes, beside the 1 s periodic check that bounds a
 *   missed notice (a change that waited for it would be in force after U(0, 1 s): p50 500 ms,
 *   p99 990 ms), and beside one unchanged B request alone (the probe's own cost);
 * - STS `GetCallerIdentity` throughput through one replica, through HAProxy in front of it (the
 *   proxy hop's own cost) and through HAProxy in front of both (the HAProxy cases are skipped, with
 *   the reason printed, when `haproxy` is not installed).
 *
 * The store is a schema of its own (`credplane_bench_<pid>_<random>`) in the database
 * `CREDPLANE_BENCH_POSTGRES_URL` (`postgres://postgres@127.0.0.1:5432/test`), dropped at the end.
 * Bounded: `CHANGES` changes of at most `CHANGE_LIMIT_MS` each; each load at most `MAX_REQUESTS`
 * requests or `SECONDS` seconds (`--seconds`).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import {
  CreateRoleCommand,
  DeleteRolePolicyCommand,
  GetRoleCommand,
  IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import pg from 'pg';
import { CLI } from './plane.js';
import { firstLine, freePort, isolatedEnv, runLoad, start, type Child, type LoadSpec } from './processes.js';
import { CaseRecorder, forEachRound, secondsFor } from './rounds.js';
import type { BenchRow, CaseResult, RoundsSuite } from './types.js';
import { haproxyConfig } from '../test/e2e/fleet/haproxy.js';

const PG_URL = process.env.CREDPLANE_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ACCOUNT = '123456789012';
const ADMIN = {
  accessKeyId: 'AKIABENCHBENCHFLEET2',
  secretAccessKey: 'benchbenchbenchbenchbenchbenchbenchfleet',
};
const ROLE = 'bench-fleet';
const CHANGES = 30;
const CHANGE_LIMIT_MS = 3000;
const PERIODIC_CHECK_MS = 1000;
const SECONDS = 4;
const MAX_REQUESTS = 100_000;
const CONCURRENCY = 16;

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
  ],
});
const READ = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' }],
});

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

const iam = (url: string, credentials: Creds) =>
  new IAMClient({ endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 });

/** A replica: `credplane up` on the shared store, its own data directory. */
function startReplica(store: string, dataDir: string, masterKey: string): Child {
  return start(
    process.execPath,
    [
      CLI,
      'up',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--account-id',
      ACCOUNT,
      '--log-level',
      'warn',
      '--store',
      store,
    ],
    isolatedEnv({
      CREDPLANE_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId,
      CREDPLANE_ADMIN_SECRET_ACCESS_KEY: ADMIN.secretAccessKey,
      CREDPLANE_MASTER_KEY: masterKey,
    }),
  );
}

async function replicaUrl(child: Child): Promise<string> {
  const banner = await firstLine(child, 60_000);
  const port = /127\.0\.0\.1:(\d+)/.exec(banner)?.[1];
  if (port === undefined) throw new Error(`no port in the banner: ${banner}`);
  return `http://127.0.0.1:${port}`;
}

/** Whether the session may `GetRole` on `client`'s replica (false: AccessDenied). */
async function canGetRole(client: IAMClient): Promise<boolean> {
  try {
    await client.send(new GetRoleCommand({ RoleName: ROLE }));
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'AccessDenied') return false;
    throw error;
  }
}

/** Milliseconds until `check` holds, polling every 5 ms; `undefined` past the limit. */
async function timeUntil(check: () => Promise<boolean>): Promise<number | undefined> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > CHANGE_LIMIT_MS) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Rows: propagation A -> B, and one B request alone. */
async function propagation(a: string, b: string): Promise<BenchRow[]> {
  const adminA = iam(a, ADMIN);
  await adminA.send(new CreateRoleCommand({ RoleName: ROLE, AssumeRolePolicyDocument: TRUST }));
  await adminA.send(new PutRolePolicyCommand({ RoleName: ROLE, PolicyName: 'read', PolicyDocument: READ }));
  const assumed = await new STSClient({ endpoint: a, region: 'us-east-1', credentials: ADMIN }).send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/${ROLE}`, RoleSessionName: 'probe' }),
  );
  const onB = iam(b, {
    accessKeyId: assumed.Credentials!.AccessKeyId!,
    secretAccessKey: assumed.Credentials!.SecretAccessKey!,
    sessionToken: assumed.Credentials!.SessionToken!,
  });
  if ((await timeUntil(() => canGetRole(onB))) === undefined) throw new Error('B never allowed GetRole');
  const alone: number[] = [];
  for (let i = 0; i < 30; i++) {
    const started = performance.now();
    await canGetRole(onB);
    alone.push(performance.now() - started);
  }
  const samples: number[] = [];
  let missed = 0;
  const started = performance.now();
  for (let i = 0; i < CHANGES; i++) {
    const deny = i % 2 === 0;
    if (deny) await adminA.send(new DeleteRolePolicyCommand({ RoleName: ROLE, PolicyName: 'read' }));
    else
      await adminA.send(
        new PutRolePolicyCommand({ RoleName: ROLE, PolicyName: 'read', PolicyDocument: READ }),
      );
    const ms = await timeUntil(async () => (await canGetRole(onB)) !== deny);
    if (ms === undefined) missed += 1;
    else samples.push(ms);
  }
  const seconds = (performance.now() - started) / 1000;
  samples.sort((x, y) => x - y);
  alone.sort((x, y) => x - y);
  const rows: BenchRow[] = [
    {
      suite: 'fleet',
      case: 'propagation A -> B (role policy change -> decision on B)',
      opsPerSec: samples.length / seconds,
      p50Us: percentile(samples, 50) * 1000,
      p99Us: percentile(samples, 99) * 1000,
      note:
        `${samples.length} changes, max ${samples.at(-1)?.toFixed(1) ?? '-'} ms` +
        (missed > 0 ? `, ${missed} not in force within ${CHANGE_LIMIT_MS} ms` : '') +
        `; reference: the ${PERIODIC_CHECK_MS} ms periodic check alone would give p50 ${PERIODIC_CHECK_MS / 2} ms, p99 ${PERIODIC_CHECK_MS * 0.99} ms`,
    },
    {
      suite: 'fleet',
      case: 'one unchanged GetRole on B (the probe itself)',
      opsPerSec: 1000 / (alone.reduce((s, x) => s + x, 0) / alone.length),
      p50Us: percentile(alone, 50) * 1000,
      p99Us: percentile(alone, 99) * 1000,
      note: `${alone.length} sequential requests; part of every propagation sample`,
    },
  ];
  process.stderr.write(
    `  fleet: propagation p50 ${percentile(samples, 50).toFixed(1)} ms, p99 ${percentile(samples, 99).toFixed(1)} ms\n`,
  );
  return rows;
}

/** The HAProxy binary, or why there is none. */
function haproxyBinary(): string | { reason: string } {
  try {
    return execFileSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).trim();
  } catch {
    return {
      reason: 'haproxy is not installed (apt-get install -y haproxy): the two-replica case is skipped',
    };
  }
}

/** HAProxy in front of the replicas, as docs/fleet.md configures it; resolves once it answers /ready. */
async function startHaproxy(
  binary: string,
  dir: string,
  replicas: string[],
): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  fs.mkdirSync(dir, { recursive: true });
  const config = path.join(dir, 'haproxy.cfg');
  // docs/fleet.md's configuration, with its 1 s health-check interval.
  const backends = replicas.map((url, i) => ({ name: `r${i}`, port: Number(new URL(url).port) }));
  fs.writeFileSync(config, haproxyConfig(port, backends, '1s'));
  const child = spawn(binary, ['-db', '-f', config], { stdio: ['ignore', 'ignore', 'ignore'] });
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}`);
    const ready = await fetch(`${url}/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return { url, process: child };
    if (Date.now() > until) throw new Error('haproxy did not become ready');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function signedGetCallerIdentity(url: string): Promise<Pick<LoadSpec, 'headers' | 'body'>> {
  const { port } = new URL(url);
  const body = 'Action=GetCallerIdentity&Version=2011-06-15';
  const signer = new SignatureV4({ credentials: ADMIN, region: 'us-east-1', service: 'sts', sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: Number(port),
    path: '/',
    headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { headers: signed.headers as Record<string, string>, body };
}

export const runRounds: RoundsSuite = async (ctx) => {
  // The in-process SDK clients: never the real IMDS or ~/.aws (they are given keys and endpoints).
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_CONFIG_FILE = '/dev/null';
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/dev/null';
  const schema = `credplane_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  const store = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  try {
    await admin.connect();
  } catch (error) {
    // `npm run bench` runs every suite: one without its database says so and measures nothing.
    const reason = `fleet: not measured, PostgreSQL at ${PG_URL} is unreachable (${(error as Error).message}; set CREDPLANE_BENCH_POSTGRES_URL)`;
    console.log(reason);
    return { cases: [], rows: [] };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-bench-fleet-'));
  const masterKey = randomBytes(32).toString('base64');
  const children: Child[] = [];
  const proxies: ChildProcess[] = [];
  const cases: CaseResult[] = [];
  const rows: BenchRow[] = [];
  try {
    // One after the other: the first start creates the account, the admin key and the key ring.
    const urls: string[] = [];
    for (const name of ['a', 'b']) {
      const dataDir = path.join(dir, name);
      fs.mkdirSync(dataDir, { mode: 0o700 });
      const replica = startReplica(store, dataDir, masterKey);
      children.push(replica);
      urls.push(await replicaUrl(replica));
    }
    const [a, b] = urls as [string, string];
    rows.push(...(await propagation(a, b)));

    const binary = haproxyBinary();
    const targets: Record<string, string> = { 'one replica': a };
    let skipped: string | undefined;
    if (typeof binary === 'string') {
      // HAProxy in front of one replica too: what the proxy hop costs by itself.
      const one = await startHaproxy(binary, path.join(dir, 'one'), [a]);
      proxies.push(one.process);
      targets['HAProxy -> one replica'] = one.url;
      const two = await startHaproxy(binary, path.join(dir, 'two'), urls);
      proxies.push(two.process);
      targets['HAProxy -> two replicas'] = two.url;
    } else {
      skipped = binary.reason;
      process.stderr.write(`  fleet: ${skipped}\n`);
      console.log(`fleet: ${skipped}`);
    }
    const systems = Object.keys(targets);
    const seconds = secondsFor(ctx, SECONDS);
    const spec = async (system: string): Promise<LoadSpec> => ({
      url: `${targets[system]!}/`,
      method: 'POST',
      ...(await signedGetCallerIdentity(targets[system]!)),
      concurrency: CONCURRENCY,
      maxRequests: MAX_REQUESTS,
      maxSeconds: seconds,
    });
    for (const system of systems)
      await runLoad({ ...(await spec(system)), maxRequests: 2000, maxSeconds: Math.min(2, seconds) });
    const rate = new CaseRecorder(
      {
        suite: 'fleet',
        case: 'STS GetCallerIdentity on PostgreSQL',
        unit: 'req/s',
        better: 'higher',
        systems,
        ratios:
          systems.length > 1
            ? [
                { of: 'HAProxy -> two replicas', to: 'one replica' },
                { of: 'HAProxy -> two replicas', to: 'HAProxy -> one replica' },
              ]
            : [],
      },
      ctx.rounds,
    );
    if (skipped !== undefined) rate.note(skipped);
    await forEachRound(ctx, systems, async (system, round) => {
      const result = await runLoad(await spec(system));
      const ok = result.statuses['200'] ?? 0;
      if (ok !== result.requests || result.errors > 0)
        rate.note(
          `${system}: ${result.requests - ok} non-200 answers, ${result.errors} errors in round ${round + 1}`,
        );
      rate.set(round, system, result.rps);
      process.stderr.write(`  fleet ${system} round ${round + 1}: ${Math.round(result.rps)} req/s\n`);
    });
    cases.push(rate.result());
  } finally {
    for (const proxy of proxies) {
      if (proxy.exitCode !== null) continue;
      const exited = new Promise((resolve) => proxy.once('exit', resolve));
      proxy.kill('SIGTERM');
      await exited;
    }
    for (const child of children.reverse()) await child.stop();
    await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.end();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { cases, rows };
};
