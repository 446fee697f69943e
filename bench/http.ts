/**
 * STS over HTTP: `GetCallerIdentity` and `AssumeRole` requests/second with keep-alive from a second
 * process, for credplane (`credplane up`), moto_server (the usual AWS emulator, on this machine) and
 * a bare node:http server answering a fixed body (the ceiling for any node:http service here).
 *
 * Each load is bounded: at most `MAX_REQUESTS` requests or `SECONDS` seconds, whichever comes first.
 * Requests are signed once and replayed (valid for the 5-minute signature window): the client
 * spends its CPU on HTTP, not on signing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  firstLine,
  freePort,
  isolatedEnv,
  runLoad,
  start,
  tsxScript,
  waitForPort,
  withChild,
} from './processes.js';
import type { BenchRow, BenchSuite } from './types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = 4;
const MAX_REQUESTS = 200_000;
const CONCURRENCY = 16;
const ACCOUNT = '123456789012';
const ADMIN = {
  accessKeyId: 'AKIABENCHBENCHBENCH2',
  secretAccessKey: 'benchbenchbenchbenchbenchbenchbenchbench',
};

async function signedBody(
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

const CALLS = {
  GetCallerIdentity: 'Action=GetCallerIdentity&Version=2011-06-15',
  AssumeRole: `Action=AssumeRole&Version=2011-06-15&RoleArn=${encodeURIComponent(`arn:aws:iam::${ACCOUNT}:role/bench`)}&RoleSessionName=bench`,
};

async function measure(
  target: string,
  port: number,
  rows: BenchRow[],
  note: (call: string) => string,
): Promise<void> {
  for (const [call, body] of Object.entries(CALLS)) {
    const signed = await signedBody(port, body);
    // Warm-up: JIT, connection pool, caches.
    await runLoad({
      url: `http://127.0.0.1:${port}/`,
      method: 'POST',
      ...signed,
      concurrency: CONCURRENCY,
      maxRequests: 2000,
      maxSeconds: 2,
    });
    const result = await runLoad({
      url: `http://127.0.0.1:${port}/`,
      method: 'POST',
      ...signed,
      concurrency: CONCURRENCY,
      maxRequests: MAX_REQUESTS,
      maxSeconds: SECONDS,
    });
    const ok = result.statuses['200'] ?? 0;
    process.stderr.write(`  ${target} ${call}: ${Math.round(result.rps)} req/s\n`);
    rows.push({
      suite: 'sts-http',
      case: `${call} — ${target}`,
      opsPerSec: result.rps,
      p50Us: result.p50Us,
      p99Us: result.p99Us,
      note:
        ok === result.requests
          ? note(call)
          : `${result.requests - ok} non-200 answers! ${JSON.stringify(result.statuses)}`,
    });
  }
}

export const run: BenchSuite = async () => {
  const rows: BenchRow[] = [];
  const rates: Record<string, number> = {};

  // 1. bare node:http
  const bare = tsxScript('bare-server.ts');
  await withChild(bare, async () => {
    const port = Number(await firstLine(bare));
    await measure('bare node:http', port, rows, () => 'reference ceiling');
  });

  // 2. moto_server
  const motoPort = await freePort();
  const moto = start('moto_server', ['-H', '127.0.0.1', '-p', String(motoPort)]);
  try {
    await waitForPort(motoPort);
    await measure('moto_server', motoPort, rows, () => 'peer (no signature check, no policy)');
  } catch (error) {
    rows.push({
      suite: 'sts-http',
      case: 'moto_server',
      opsPerSec: NaN,
      note: `not measured: ${String(error)}`,
    });
  } finally {
    await moto.stop();
  }

  // 3. credplane up
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-bench-'));
  const cli = path.join(here, '..', 'dist', 'cli', 'main.js');
  const credplane = start(
    process.execPath,
    [
      cli,
      'up',
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
    isolatedEnv({
      CREDPLANE_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId,
      CREDPLANE_ADMIN_SECRET_ACCESS_KEY: ADMIN.secretAccessKey,
    }),
  );
  await withChild(credplane, async () => {
    const banner = await firstLine(credplane, 30_000);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(banner)?.[1]);
    await measure('credplane', port, rows, () => 'verified + authorized');
  });
  fs.rmSync(dataDir, { recursive: true, force: true });

  for (const row of rows) rates[row.case] = row.opsPerSec;
  for (const row of rows) {
    if (!row.case.endsWith('credplane')) continue;
    const call = row.case.split(' — ')[0]!;
    const moto = rates[`${call} — moto_server`];
    const bareRate = rates[`${call} — bare node:http`];
    const parts = [row.note ?? ''];
    if (moto)
      parts.push(
        `${(row.opsPerSec / moto).toFixed(1)}x moto${call === 'AssumeRole' ? ' (target >= 25x)' : ''}`,
      );
    if (bareRate)
      parts.push(
        `${((100 * row.opsPerSec) / bareRate).toFixed(0)}% of bare${call === 'GetCallerIdentity' ? ' (target >= 50%)' : ''}`,
      );
    row.note = parts.filter(Boolean).join('; ');
  }
  return rows;
};
