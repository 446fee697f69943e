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
 * Targets (issue 7): p50 under 0.5 ms added; gateway CPU per request under 10% of the backend's.
 * Every run is bounded (`maxRequests`, `maxSeconds`).
 *
 * The floor beside it: a bare `node:http` proxy (`bare-proxy.ts`) that forwards the same requests
 * without any of the gateway's work, measured the same way; what it costs is Node's HTTP and the
 * kernel's TCP (a new connection per request, since moto_server closes every one).
 *
 * `CREDPLANE_BENCH_CPU_PROF=<dir>` writes a V8 CPU profile of the gateway process to `<dir>`.
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
import {
  firstLine,
  freePort,
  isolatedEnv,
  runLoad,
  start,
  waitForPort,
  type LoadResult,
} from './processes.js';
import type { BenchRow, BenchSuite } from './types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, '..', 'dist', 'cli', 'main.js');
const ACCOUNT = '123456789012';
const ADMIN = {
  accessKeyId: 'AKIABENCHGATEWAYBENC',
  secretAccessKey: 'benchgatewaybenchgatewaybenchgateway0000',
};
const MOTO = { accessKeyId: 'test', secretAccessKey: 'test' };
const LATENCY = { concurrency: 1, maxRequests: 4000, maxSeconds: 4 };
const THROUGHPUT = { concurrency: 8, maxRequests: 20_000, maxSeconds: 4 };

const TEMPLATE = `
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

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

interface Call {
  name: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

const CALLS: Call[] = [
  { name: 'S3 GetObject 1 KiB', method: 'GET', path: '/bench/objects/one-kib', headers: {}, body: '' },
  {
    name: 'DynamoDB GetItem',
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem' },
    body: JSON.stringify({ TableName: 'bench', Key: { pk: { S: 'item-1' } } }),
  },
];

async function sign(call: Call, base: string, credentials: Credentials): Promise<Record<string, string>> {
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

/** user + system CPU seconds of a process so far. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5) (utime, stime), counted after the command name's closing paren.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function seed(motoUrl: string): Promise<void> {
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

function okCount(result: LoadResult): string {
  const ok = result.statuses['200'] ?? 0;
  return ok === result.requests && result.errors === 0
    ? ''
    : ` (${result.requests - ok} non-200, ${result.errors} errors!)`;
}

export const run: BenchSuite = async () => {
  const rows: BenchRow[] = [];
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
    // CREDPLANE_BENCH_CPU_PROF=<dir> writes a V8 CPU profile of the gateway process there.
    const profileDir = process.env.CREDPLANE_BENCH_CPU_PROF;
    plane = start(
      process.execPath,
      [
        ...(profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir]),
        cli,
        'up',
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
      isolatedEnv({
        CREDPLANE_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId,
        CREDPLANE_ADMIN_SECRET_ACCESS_KEY: ADMIN.secretAccessKey,
      }),
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
    const proxyPid = proxy.process.pid!;
    const planePid = plane.process.pid!;
    const motoPid = moto.process.pid!;

    for (const call of CALLS) {
      const direct = {
        url: `${motoUrl}${call.path}`,
        method: call.method,
        body: call.body,
        headers: await sign(call, motoUrl, MOTO),
      };
      const viaGateway = {
        url: `${gatewayUrl}${call.path}`,
        method: call.method,
        body: call.body,
        headers: await sign(call, gatewayUrl, session),
      };
      const viaProxy = { ...direct, url: `${proxyUrl}${call.path}` };
      // Warm every path (keep-alive sockets, JIT, policy cache).
      await runLoad({ ...direct, concurrency: 1, maxRequests: 300, maxSeconds: 2 });
      await runLoad({ ...viaGateway, concurrency: 1, maxRequests: 300, maxSeconds: 2 });
      await runLoad({ ...viaProxy, concurrency: 1, maxRequests: 300, maxSeconds: 2 });
      const backendOnly = await runLoad({ ...direct, ...LATENCY });
      const gateway = await runLoad({ ...viaGateway, ...LATENCY });
      const bare = await runLoad({ ...viaProxy, ...LATENCY });
      const addedP50 = gateway.p50Us - backendOnly.p50Us;
      const addedP99 = gateway.p99Us - backendOnly.p99Us;
      rows.push(
        {
          suite: 'gateway',
          case: `${call.name} — moto direct`,
          opsPerSec: backendOnly.rps,
          p50Us: backendOnly.p50Us,
          p99Us: backendOnly.p99Us,
          note: `backend alone, 1 in flight${okCount(backendOnly)}`,
        },
        {
          suite: 'gateway',
          case: `${call.name} — via gateway`,
          opsPerSec: gateway.rps,
          p50Us: gateway.p50Us,
          p99Us: gateway.p99Us,
          note: `added p50 ${Math.round(addedP50)} µs, p99 ${Math.round(addedP99)} µs (target p50 < 500 µs)${okCount(gateway)}`,
        },
        {
          suite: 'gateway',
          case: `${call.name} — via bare node:http proxy`,
          opsPerSec: bare.rps,
          p50Us: bare.p50Us,
          p99Us: bare.p99Us,
          note: `floor: added p50 ${Math.round(bare.p50Us - backendOnly.p50Us)} µs, p99 ${Math.round(bare.p99Us - backendOnly.p99Us)} µs${okCount(bare)}`,
        },
      );

      const plane0 = cpuSeconds(planePid);
      const moto0 = cpuSeconds(motoPid);
      const busy = await runLoad({ ...viaGateway, ...THROUGHPUT });
      const planeCpu = cpuSeconds(planePid) - plane0;
      const motoCpu = cpuSeconds(motoPid) - moto0;
      const perRequestUs = (planeCpu / busy.requests) * 1e6;
      const backendUs = (motoCpu / busy.requests) * 1e6;
      rows.push({
        suite: 'gateway',
        case: `${call.name} — CPU per request`,
        opsPerSec: busy.rps,
        note: `gateway ${Math.round(perRequestUs)} µs, moto ${Math.round(backendUs)} µs: ${((100 * perRequestUs) / backendUs).toFixed(1)}% (target < 10%)${okCount(busy)}`,
      });
      const proxy0 = cpuSeconds(proxyPid);
      const moto1 = cpuSeconds(motoPid);
      const bareBusy = await runLoad({ ...viaProxy, ...THROUGHPUT });
      const proxyUs = ((cpuSeconds(proxyPid) - proxy0) / bareBusy.requests) * 1e6;
      const bareBackendUs = ((cpuSeconds(motoPid) - moto1) / bareBusy.requests) * 1e6;
      rows.push({
        suite: 'gateway',
        case: `${call.name} — bare proxy CPU per request`,
        opsPerSec: bareBusy.rps,
        note: `floor: proxy ${Math.round(proxyUs)} µs, moto ${Math.round(bareBackendUs)} µs: ${((100 * proxyUs) / bareBackendUs).toFixed(1)}%${okCount(bareBusy)}`,
      });
      process.stderr.write(`  gateway ${call.name}: added p50 ${Math.round(addedP50)} µs\n`);
    }
  } finally {
    await proxy?.stop();
    await plane?.stop();
    await moto.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
};
