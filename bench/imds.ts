/**
 * IMDS: the instance credential GET (with an IMDSv2 token) from a second process, keep-alive, 64
 * connections, bounded, for credplane's metadata endpoint, a bare node:http server with a fixed
 * body (the ceiling here) and moto_server's metadata endpoint (the usual emulator). Then scale:
 * 1,000 instances (a template holds at most 500 resources, as in CloudFormation, so they are made
 * with `RunInstances`), then a restart of `credplane up` with them — start time, every endpoint
 * answering, resident memory.
 *
 * Targets (issue 4): >= 60% of bare, >= 30x moto, p99 < 2 ms; 1,000 instances start < 10 s and
 * stay < 400 MB resident. Figures are printed beside them, never asserted.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  firstLine,
  freePort,
  isolatedEnv,
  runLoad,
  start,
  tsxScript,
  waitForPort,
  type Child,
} from './processes.js';
import type { BenchRow, BenchSuite } from './types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, '..', 'dist', 'cli', 'main.js');
const SECONDS = 4;
const MAX_REQUESTS = 300_000;
const CONCURRENCY = 64;
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
  instances: number,
  expected = instances,
  existing?: string,
): Promise<Up & { url: string }> {
  const dataDir = existing ?? fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-bench-imds-'));
  const template = path.join(dataDir, 'stack.yaml');
  fs.writeFileSync(template, stack(instances));
  const began = Date.now();
  const child = start(
    process.execPath,
    [cli, 'up', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn', '--template', template],
    isolatedEnv({
      CREDPLANE_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId,
      CREDPLANE_ADMIN_SECRET_ACCESS_KEY: ADMIN.secretAccessKey,
    }),
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

async function load(
  url: string,
  headers: Record<string, string>,
): Promise<Awaited<ReturnType<typeof runLoad>>> {
  const spec = { url, method: 'GET', headers, body: '', concurrency: CONCURRENCY };
  await runLoad({ ...spec, maxRequests: 5000, maxSeconds: 2 });
  return runLoad({ ...spec, maxRequests: MAX_REQUESTS, maxSeconds: SECONDS });
}

function row(name: string, result: Awaited<ReturnType<typeof runLoad>>, note: string): BenchRow {
  const ok = result.statuses['200'] ?? 0;
  process.stderr.write(`  imds ${name}: ${Math.round(result.rps)} req/s\n`);
  return {
    suite: 'imds',
    case: `credential GET — ${name}`,
    opsPerSec: result.rps,
    p50Us: result.p50Us,
    p99Us: result.p99Us,
    note:
      ok === result.requests
        ? note
        : `${result.requests - ok} non-200 answers! ${JSON.stringify(result.statuses)}`,
  };
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

export const run: BenchSuite = async () => {
  const rows: BenchRow[] = [];

  const bare = tsxScript('bare-server.ts');
  try {
    const port = Number(await firstLine(bare));
    rows.push(row('bare node:http', await load(`http://127.0.0.1:${port}/`, {}), 'reference ceiling'));
  } finally {
    await bare.stop();
  }

  const motoPort = await freePort();
  const moto = start('moto_server', ['-H', '127.0.0.1', '-p', String(motoPort)]);
  try {
    await waitForPort(motoPort);
    const base = `http://127.0.0.1:${motoPort}/latest/meta-data/iam/security-credentials/`;
    // moto answers on its port before its app is ready; wait for the role list.
    let role = '';
    for (let i = 0; i < 50 && role === ''; i++) {
      role = await fetch(base).then(
        (r) => (r.status === 200 ? r.text() : ''),
        () => '',
      );
      if (role === '') await new Promise((r) => setTimeout(r, 200));
    }
    rows.push(
      row(
        'moto_server',
        await load(`${base}${role}`, { 'x-aws-ec2-metadata-token': 'x' }),
        'peer (fixed credentials)',
      ),
    );
  } catch (error) {
    rows.push({
      suite: 'imds',
      case: 'credential GET — moto_server',
      opsPerSec: NaN,
      note: `not measured: ${String(error)}`,
    });
  } finally {
    await moto.stop();
  }

  const one = await startCredplane(1);
  try {
    const instance = one.instances[0]!;
    const result = await load(`${instance.url}latest/meta-data/iam/security-credentials/${ROLE}`, {
      'x-aws-ec2-metadata-token': await token(instance.url),
    });
    rows.push(row('credplane', result, 'IMDSv2 token verified, HttpTokens=required'));
  } finally {
    await stopCredplane(one);
  }

  // Scale: a template with the role, profile and 100 instances, 900 more with RunInstances, then a
  // restart that must bring all 1,000 endpoints back.
  const seed = await startCredplane(100);
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
  const many = await startCredplane(100, SCALE, seed.dataDir);
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

  const rate = (name: string): number | undefined =>
    rows.find((r) => r.case === `credential GET — ${name}`)?.opsPerSec;
  const mine = rows.find((r) => r.case === 'credential GET — credplane');
  const bareRate = rate('bare node:http');
  const motoRate = rate('moto_server');
  if (mine !== undefined) {
    const parts = [mine.note ?? ''];
    if (bareRate) parts.push(`${((100 * mine.opsPerSec) / bareRate).toFixed(0)}% of bare (target >= 60%)`);
    if (motoRate) parts.push(`${(mine.opsPerSec / motoRate).toFixed(1)}x moto (target >= 30x)`);
    if (mine.p99Us !== undefined) parts.push(`p99 ${(mine.p99Us / 1000).toFixed(2)} ms (target < 2 ms)`);
    mine.note = parts.filter(Boolean).join('; ');
  }
  return rows;
};
