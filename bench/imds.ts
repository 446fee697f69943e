/**
 * IMDS: the instance credential GET (with an IMDSv2 token) from a second process, keep-alive, 64
 * connections, bounded, for credplane's metadata endpoint, a bare node:http server with a fixed
 * body (the ceiling here) and moto_server's metadata endpoint (the usual emulator). Then scale:
 * 1,000 instances (a template holds at most 500 resources, as in CloudFormation, so they are made
 * with `RunInstances`), then a restart of `credplane up` with them — start time, every endpoint
 * answering, resident memory.
 *
 * Targets (issues 4 and 16): >= 60% of bare, >= 30x moto; with one request in flight p99 < 1 ms;
 * 1,000 instances start < 10 s and stay < 400 MB resident. Figures are printed beside them, never
 * asserted. The credential GETs run in interleaved rounds (`--rounds`); the scale run once.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startPlane } from './plane.js';
import {
  firstLine,
  freePort,
  runLoad,
  start,
  tsxScript,
  waitForPort,
  type Child,
  type LoadResult,
  type LoadSpec,
} from './processes.js';
import { CaseRecorder, forEachRound, secondsFor } from './rounds.js';
import type { BenchContext, BenchRow, CaseResult, RoundsSuite } from './types.js';

const SECONDS = 4;
const MAX_REQUESTS = 300_000;
const CONCURRENCY = 64;
/** Requests per one-in-flight latency load (bounded by the seconds too). */
const SERIAL_REQUESTS = 20_000;
const SCALE = 1000;
const ROLE = 'bench-instance';
const ADMIN = {
  accessKeyId: 'AKIABENCHIMDSBENCHXX',
  secretAccessKey: 'benchimdsbenchimdsbenchimdsbenchimds0000',
};

function stack(instances: number): string {
  const lines = [
    "AWSTemplateFormatVersion: '2010-09-09'",
    'Resources:',
    '  Role:',
    '    Type: AWS::IAM::Role',
    '    Properties:',
    `      RoleName: ${ROLE}`,
    '      AssumeRolePolicyDocument:',
    "        Version: '2012-10-17'",
    '        Statement:',
    '          - { Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: sts:AssumeRole }',
    '  Profile:',
    '    Type: AWS::IAM::InstanceProfile',
    `    Properties: { InstanceProfileName: ${ROLE}, Roles: [!Ref Role] }`,
  ];
  for (let i = 0; i < instances; i++) {
    lines.push(
      `  Instance${i}:`,
      '    Type: AWS::EC2::Instance',
      '    Properties: { ImageId: ami-0123456789abcdef0, IamInstanceProfile: !Ref Profile, MetadataOptions: { HttpTokens: required } }',
    );
  }
  return `${lines.join('\n')}\n`;
}

interface Up {
  child: Child;
  dataDir: string;
  startMs: number;
  instances: { instanceId: string; url: string }[];
}

/** `credplane up` with a template of `instances` instances, in `dataDir` (new by default). */
async function startCredplane(
  ctx: BenchContext,
  label: string,
  instances: number,
  expected = instances,
  existing?: string,
): Promise<Up & { url: string }> {
  const dataDir = existing ?? fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-bench-imds-'));
  const template = path.join(dataDir, 'stack.yaml');
  fs.writeFileSync(template, stack(instances));
  const began = Date.now();
  const child = startPlane(
    ctx,
    label,
    ['--port', '0', '--data-dir', dataDir, '--log-level', 'warn', '--template', template],
    ADMIN,
  );
  try {
    const banner = await firstLine(child, 120_000);
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(banner)?.[0] ?? '';
    // The banner is printed after the template is applied and every endpoint reconciled.
    const file = path.join(dataDir, 'endpoints.json');
    for (let i = 0; i < 600; i++) {
      const parsed = fs.existsSync(file)
        ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { instances: Up['instances'] })
        : undefined;
      if (parsed !== undefined && parsed.instances.length === expected) {
        return { child, dataDir, url, startMs: Date.now() - began, instances: parsed.instances };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('endpoints.json never listed every instance');
  } catch (error) {
    await child.stop();
    throw error;
  }
}

async function stopCredplane(up: Up, keep = false): Promise<void> {
  await up.child.stop();
  if (!keep) fs.rmSync(up.dataDir, { recursive: true, force: true });
}

/** `RunInstances` with the admin key, 100 at a time. */
async function runInstances(url: string, count: number): Promise<void> {
  const port = Number(new URL(url).port);
  const signer = new SignatureV4({ credentials: ADMIN, region: 'us-east-1', service: 'ec2', sha256: Sha256 });
  for (let made = 0; made < count; made += 100) {
    const body = new URLSearchParams({
      Action: 'RunInstances',
      Version: '2016-11-15',
      ImageId: 'ami-0123456789abcdef0',
      MinCount: '1',
      MaxCount: String(Math.min(100, count - made)),
      'IamInstanceProfile.Name': ROLE,
      'MetadataOptions.HttpTokens': 'required',
    }).toString();
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port,
      path: '/',
      headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    const res = await fetch(`${url}/`, {
      method: 'POST',
      headers: signed.headers as Record<string, string>,
      body,
    });
    if (res.status !== 200) throw new Error(`RunInstances answered ${res.status}: ${await res.text()}`);
  }
}

async function token(url: string): Promise<string> {
  const res = await fetch(`${url}latest/api/token`, {
    method: 'PUT',
    headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' },
  });
  return res.text();
}

function residentMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

async function everyEndpointAnswers(instances: Up['instances']): Promise<number> {
  let answered = 0;
  const queue = [...instances];
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
        const t = await token(next.url);
        const res = await fetch(`${next.url}latest/meta-data/instance-id`, {
          headers: { 'x-aws-ec2-metadata-token': t },
        });
        if (res.status === 200 && (await res.text()) === next.instanceId) answered++;
      }
    }),
  );
  return answered;
}

const SYSTEMS = ['credplane', 'bare node:http', 'moto_server'] as const;
type System = (typeof SYSTEMS)[number];

function okNote(rec: CaseRecorder, system: string, round: number, result: LoadResult): void {
  const ok = result.statuses['200'] ?? 0;
  if (ok !== result.requests || result.errors > 0)
    rec.note(
      `${system}: ${result.requests - ok} non-200 answers, ${result.errors} errors in round ${round + 1}`,
    );
}

/** moto_server's metadata URL of its one role; it answers on its port before its app is ready. */
async function motoCredentialsUrl(port: number): Promise<string> {
  const base = `http://127.0.0.1:${port}/latest/meta-data/iam/security-credentials/`;
  let role = '';
  for (let i = 0; i < 50 && role === ''; i++) {
    role = await fetch(base).then(
      (r) => (r.status === 200 ? r.text() : ''),
      () => '',
    );
    if (role === '') await new Promise((r) => setTimeout(r, 200));
  }
  if (role === '') throw new Error('moto_server listed no metadata role');
  return `${base}${role}`;
}

/**
 * The three servers side by side; each round loads them in turn (rotated): 64 connections for
 * throughput, then credplane and the bare server with one request in flight for the latency of
 * the path itself (at 64 connections on 2 cores, p99 is mostly queueing).
 */
async function credentialGets(ctx: BenchContext, cases: CaseResult[]): Promise<void> {
  const targets: Partial<Record<System, { url: string; headers: Record<string, string> }>> = {};
  const unavailable: string[] = [];
  const bare = tsxScript('bare-server.ts');
  const motoPort = await freePort();
  const moto = start('moto_server', ['-H', '127.0.0.1', '-p', String(motoPort)]);
  let one: Up | undefined;
  try {
    targets['bare node:http'] = { url: `http://127.0.0.1:${Number(await firstLine(bare))}/`, headers: {} };
    try {
      await waitForPort(motoPort);
      targets.moto_server = {
        url: await motoCredentialsUrl(motoPort),
        headers: { 'x-aws-ec2-metadata-token': 'x' },
      };
    } catch (error) {
      unavailable.push(`moto_server not measured: ${String(error)}`);
    }
    one = await startCredplane(ctx, 'imds', 1);
    const instance = one.instances[0]!;
    targets.credplane = {
      url: `${instance.url}latest/meta-data/iam/security-credentials/${ROLE}`,
      headers: { 'x-aws-ec2-metadata-token': await token(instance.url) },
    };
    const systems = SYSTEMS.filter((s) => targets[s] !== undefined);
    const spec = (
      system: System,
      concurrency: number,
      maxRequests: number,
      maxSeconds: number,
    ): LoadSpec => ({
      ...targets[system]!,
      method: 'GET',
      body: '',
      concurrency,
      maxRequests,
      maxSeconds,
    });
    const seconds = secondsFor(ctx, SECONDS);
    for (const system of systems) await runLoad(spec(system, CONCURRENCY, 5000, Math.min(2, seconds)));
    const rate = new CaseRecorder(
      {
        suite: 'imds',
        case: `credential GET, ${CONCURRENCY} connections`,
        unit: 'req/s',
        better: 'higher',
        systems,
        ratios: [
          { of: 'credplane', to: 'bare node:http', target: '>= 0.6' },
          { of: 'credplane', to: 'moto_server', target: '>= 30' },
        ],
      },
      ctx.rounds,
    );
    for (const text of unavailable) rate.note(text);
    await forEachRound(ctx, systems, async (system, round) => {
      const result = await runLoad(spec(system, CONCURRENCY, MAX_REQUESTS, seconds));
      okNote(rate, system, round, result);
      rate.set(round, system, result.rps);
      process.stderr.write(`  imds ${system} round ${round + 1}: ${Math.round(result.rps)} req/s\n`);
    });
    cases.push(rate.result());

    const serial = (['credplane', 'bare node:http'] as const).filter((s) => targets[s] !== undefined);
    const latency = (name: string): CaseRecorder =>
      new CaseRecorder(
        {
          suite: 'imds',
          case: `credential GET, 1 in flight, ${name}`,
          unit: 'µs',
          better: 'lower',
          systems: [...serial],
          ratios: [{ of: 'credplane', to: 'bare node:http' }],
        },
        ctx.rounds,
      );
    const p50 = latency('p50');
    const p99 = latency('p99');
    await forEachRound(ctx, serial, async (system, round) => {
      const result = await runLoad(spec(system, 1, SERIAL_REQUESTS, seconds));
      okNote(p99, system, round, result);
      p50.set(round, system, result.p50Us);
      p99.set(round, system, result.p99Us);
    });
    p99.note('target: credplane p99 < 1,000 µs');
    cases.push(p50.result(), p99.result());
  } finally {
    if (one) await stopCredplane(one);
    await moto.stop();
    await bare.stop();
  }
}

export const runRounds: RoundsSuite = async (ctx) => {
  const cases: CaseResult[] = [];
  const rows: BenchRow[] = [];
  await credentialGets(ctx, cases);

  // Scale: a template with the role, profile and 100 instances, 900 more with RunInstances, then a
  // restart that must bring all 1,000 endpoints back. Once per run, not in rounds.
  const seed = await startCredplane(ctx, 'imds-scale-seed', 100);
  const began = Date.now();
  try {
    await runInstances(seed.url, SCALE - 100);
    const file = path.join(seed.dataDir, 'endpoints.json');
    while (Date.now() - began < 120_000) {
      const listed = (JSON.parse(fs.readFileSync(file, 'utf8')) as { instances: unknown[] }).instances.length;
      if (listed === SCALE) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await stopCredplane(seed, true);
  }
  const launchMs = Date.now() - began;
  const many = await startCredplane(ctx, 'imds-scale-restart', 100, SCALE, seed.dataDir);
  try {
    const answered = await everyEndpointAnswers(many.instances);
    const rss = residentMb(many.child.process.pid!);
    rows.push({
      suite: 'imds',
      case: `scale — ${SCALE} instances`,
      opsPerSec: NaN,
      note:
        `restart with ${SCALE} instances: all endpoints listening in ${(many.startMs / 1000).toFixed(1)} s (target < 10 s); ` +
        `${answered}/${SCALE} endpoints answered; ${rss.toFixed(0)} MB resident (target < 400 MB); ` +
        `900 RunInstances reconciled in ${(launchMs / 1000).toFixed(1)} s`,
    });
  } finally {
    await stopCredplane(many);
  }
  return { cases, rows };
};
