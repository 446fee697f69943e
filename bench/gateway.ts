/**
 * Gateway: the latency the gateway adds over calling the backend (moto_server) directly, for S3
 * `GetObject` of a 1 KiB object and DynamoDB `GetItem`, p50 and p99 from a second process with one
 * request at a time (so that latency, not queueing, is measured); then the CPU the gateway spends
 * per request beside the backend's, read from `/proc/<pid>/stat` of both processes over a
 * concurrent run.
 *
 * The caller is a role session whose policy allows exactly these two calls, so every request is
 * signature-verified, mapped, authorized, logged to the access log and re-signed. The load client
 * replays one signed request (valid for minutes, as SigV4 allows).
 *
 * Targets (issue 16): added p50 at most 1.25x the bare proxy's, CPU per request at most 1.5x the
 * bare proxy's. The three paths run in interleaved rounds (`--rounds`); every load is bounded
 * (`maxRequests`, `maxSeconds`, `--seconds`).
 *
 * The floor beside it: a bare `node:http` proxy (`bare-proxy.ts`) that forwards the same requests
 * without any of the gateway's work, measured the same way; what it costs is Node's HTTP and the
 * kernel's TCP (a new connection per request, since moto_server closes every one).
 *
 * `--profile <dir>` (or `CREDPLANE_BENCH_CPU_PROF=<dir>`) writes a V8 CPU profile of the gateway
 * process to `<dir>`.
 */
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodeSha256 } from '../src/sigv4/test-support/smithy.js';
import { startPlane } from './plane.js';
import {
  cpuSeconds,
  firstLine,
  freePort,
  isolatedEnv,
  runLoad,
  start,
  waitForPort,
  type LoadResult,
  type LoadSpec,
} from './processes.js';
import { CaseRecorder, forEachRound, secondsFor } from './rounds.js';
import type { BenchContext, CaseResult, RoundsSuite } from './types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ACCOUNT = '123456789012';
export const ADMIN = {
  accessKeyId: 'AKIABENCHGATEWAYBENC',
  secretAccessKey: 'benchgatewaybenchgatewaybenchgateway0000',
};
export const MOTO = { accessKeyId: 'test', secretAccessKey: 'test' };
const LATENCY = { concurrency: 1, maxRequests: 4000, maxSeconds: 4 };
const THROUGHPUT = { concurrency: 8, maxRequests: 20_000, maxSeconds: 4 };

export const TEMPLATE = `
Resources:
  BenchRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: bench-gateway
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - { Effect: Allow, Principal: { AWS: 'arn:aws:iam::${ACCOUNT}:root' }, Action: sts:AssumeRole }
      Policies:
        - PolicyName: read
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - { Effect: Allow, Action: s3:GetObject, Resource: 'arn:aws:s3:::bench/objects/*' }
              - { Effect: Allow, Action: dynamodb:GetItem, Resource: 'arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/bench' }
`;

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface Call {
  name: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export const CALLS: Call[] = [
  { name: 'S3 GetObject 1 KiB', method: 'GET', path: '/bench/objects/one-kib', headers: {}, body: '' },
  {
    name: 'DynamoDB GetItem',
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem' },
    body: JSON.stringify({ TableName: 'bench', Key: { pk: { S: 'item-1' } } }),
  },
];

export async function sign(
  call: Call,
  base: string,
  credentials: Credentials,
): Promise<Record<string, string>> {
  const url = new URL(base);
  const service = call.name.startsWith('S3') ? 's3' : 'dynamodb';
  const signer = new SignatureV4({
    credentials,
    region: 'us-east-1',
    service,
    sha256: NodeSha256,
    uriEscapePath: service !== 's3',
    applyChecksum: service === 's3',
  });
  const signed = await signer.sign({
    method: call.method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: call.path,
    headers: { host: url.host, ...call.headers },
    body: call.body,
  });
  return signed.headers as Record<string, string>;
}

export async function seed(motoUrl: string): Promise<void> {
  const direct = { endpoint: motoUrl, region: 'us-east-1', credentials: MOTO };
  const s3 = new S3Client({ ...direct, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
  await s3.send(new PutObjectCommand({ Bucket: 'bench', Key: 'objects/one-kib', Body: 'x'.repeat(1024) }));
  const ddb = new DynamoDBClient(direct);
  await ddb.send(
    new CreateTableCommand({
      TableName: 'bench',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await ddb.send(
    new PutItemCommand({ TableName: 'bench', Item: { pk: { S: 'item-1' }, v: { S: 'x'.repeat(100) } } }),
  );
}

/** What went wrong in a load (non-200 answers, errors), to print with the case; none if nothing. */
export function problem(system: string, round: number, result: LoadResult): string | undefined {
  const ok = result.statuses['200'] ?? 0;
  return ok === result.requests && result.errors === 0
    ? undefined
    : `${system}: ${result.requests - ok} non-200 answers, ${result.errors} errors in round ${round + 1}`;
}

type LatencySystem = 'gateway' | 'bare proxy' | 'moto direct';

/**
 * Per call, each round measures the three paths one after another (rotated) with one request in
 * flight, then the CPU per request of the gateway and of the bare proxy under 8 in flight. Added
 * latency is taken against moto alone in the same round.
 */
async function measureCall(
  ctx: BenchContext,
  call: Call,
  urls: Record<LatencySystem, string>,
  session: Credentials,
  pids: { plane: number; proxy: number; moto: number },
): Promise<CaseResult[]> {
  const seconds = secondsFor(ctx, LATENCY.maxSeconds);
  const spec = async (
    system: LatencySystem,
  ): Promise<Omit<LoadSpec, 'concurrency' | 'maxRequests' | 'maxSeconds'>> => {
    // The bare proxy forwards the request as signed for moto; signed afresh for each load
    // (a replayed signature is accepted for 5 minutes only).
    const base = system === 'gateway' ? urls.gateway : urls['moto direct'];
    const headers = await sign(call, base, system === 'gateway' ? session : MOTO);
    return { url: `${urls[system]}${call.path}`, method: call.method, body: call.body, headers };
  };
  const systems: LatencySystem[] = ['gateway', 'bare proxy', 'moto direct'];
  // Warm every path (keep-alive sockets, JIT, policy cache).
  for (const system of systems)
    await runLoad({ ...(await spec(system)), concurrency: 1, maxRequests: 300, maxSeconds: 2 });

  const raw = Array.from({ length: ctx.rounds }, () => ({}) as Partial<Record<LatencySystem, LoadResult>>);
  const problems: string[] = [];
  await forEachRound(ctx, systems, async (system, round) => {
    const result = await runLoad({ ...(await spec(system)), ...LATENCY, maxSeconds: seconds });
    const wrong = problem(system, round, result);
    if (wrong) problems.push(wrong);
    raw[round]![system] = result;
  });
  const added = (pct: 'p50Us' | 'p99Us', target?: string): CaseResult => {
    const rec = new CaseRecorder(
      {
        suite: 'gateway',
        case: `${call.name}, added ${pct.slice(0, 3)}, 1 in flight`,
        unit: 'µs',
        better: 'lower',
        systems: ['gateway', 'bare proxy'],
        // A ratio of p99s would divide two differences of noisy tails (near 0, even negative).
        ratios: pct === 'p50Us' ? [{ of: 'gateway', to: 'bare proxy', ...(target ? { target } : {}) }] : [],
      },
      ctx.rounds,
    );
    raw.forEach((r, round) => {
      const direct = r['moto direct']?.[pct];
      if (direct === undefined) return;
      for (const system of ['gateway', 'bare proxy'] as const) {
        const via = r[system]?.[pct];
        if (via !== undefined) rec.set(round, system, via - direct);
      }
    });
    const motoAlone = raw.map((r) => r['moto direct']?.[pct]).filter((v): v is number => v !== undefined);
    rec.note(`moto alone ${pct.slice(0, 3)}: ${motoAlone.map((v) => Math.round(v)).join(', ')} µs`);
    for (const wrong of problems) rec.note(wrong);
    return rec.result();
  };

  const cpu = new CaseRecorder(
    {
      suite: 'gateway',
      case: `${call.name}, CPU per request, ${THROUGHPUT.concurrency} in flight`,
      unit: 'µs',
      better: 'lower',
      systems: ['gateway', 'bare proxy', 'moto behind gateway', 'moto behind bare proxy'],
      ratios: [
        { of: 'gateway', to: 'bare proxy', target: '<= 1.5' },
        { of: 'gateway', to: 'moto behind gateway' },
      ],
    },
    ctx.rounds,
  );
  await forEachRound(ctx, ['gateway', 'bare proxy'] as const, async (system, round) => {
    const pid = system === 'gateway' ? pids.plane : pids.proxy;
    const own0 = cpuSeconds(pid);
    const moto0 = cpuSeconds(pids.moto);
    const busy = await runLoad({
      ...(await spec(system)),
      ...THROUGHPUT,
      maxSeconds: secondsFor(ctx, THROUGHPUT.maxSeconds),
    });
    const ownUs = ((cpuSeconds(pid) - own0) / busy.requests) * 1e6;
    const motoUs = ((cpuSeconds(pids.moto) - moto0) / busy.requests) * 1e6;
    const wrong = problem(system, round, busy);
    if (wrong) cpu.note(wrong);
    cpu.set(round, system, ownUs);
    cpu.set(round, system === 'gateway' ? 'moto behind gateway' : 'moto behind bare proxy', motoUs);
  });
  process.stderr.write(`  gateway ${call.name}: done\n`);
  return [added('p50Us', '<= 1.25'), added('p99Us'), cpu.result()];
}

export const runRounds: RoundsSuite = async (ctx) => {
  const cases: CaseResult[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-bench-gateway-'));
  const motoPort = await freePort();
  const moto = start('moto_server', ['-H', '127.0.0.1', '-p', String(motoPort)]);
  const motoUrl = `http://127.0.0.1:${motoPort}`;
  let plane: ReturnType<typeof start> | undefined;
  let proxy: ReturnType<typeof start> | undefined;
  try {
    await waitForPort(motoPort);
    for (let i = 0; i < 50; i++) {
      if (
        (await fetch(motoUrl).then(
          (r) => r.status,
          () => 0,
        )) === 200
      )
        break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await seed(motoUrl);
    const template = path.join(dir, 'stack.yaml');
    fs.writeFileSync(template, TEMPLATE);
    // `--profile <dir>`, or the older CREDPLANE_BENCH_CPU_PROF=<dir>, profiles the gateway process.
    const profileDir = ctx.profileDir ?? process.env.CREDPLANE_BENCH_CPU_PROF;
    plane = startPlane(
      { ...ctx, ...(profileDir === undefined ? {} : { profileDir }) },
      'gateway',
      [
        '--port',
        '0',
        '--data-dir',
        dir,
        '--log-level',
        'warn',
        '--template',
        template,
        '--backend',
        `*=${motoUrl}`,
      ],
      ADMIN,
    );
    const banner = await firstLine(plane, 60_000);
    const gatewayUrl = /http:\/\/127\.0\.0\.1:\d+/.exec(banner)?.[0] ?? '';
    const sts = new STSClient({ endpoint: gatewayUrl, region: 'us-east-1', credentials: ADMIN });
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
    proxy = start(
      process.execPath,
      ['--import', 'tsx', path.join(here, 'bare-proxy.ts'), motoUrl],
      isolatedEnv(),
    );
    const proxyUrl = `http://127.0.0.1:${Number(await firstLine(proxy))}`;
    const pids = { plane: plane.process.pid!, proxy: proxy.process.pid!, moto: moto.process.pid! };
    const urls = { gateway: gatewayUrl, 'bare proxy': proxyUrl, 'moto direct': motoUrl };
    for (const call of CALLS) cases.push(...(await measureCall(ctx, call, urls, session, pids)));
  } finally {
    await proxy?.stop();
    await plane?.stop();
    await moto.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { cases, rows: [] };
};
