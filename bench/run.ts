/**
 * `npm run bench`: runs every suite and prints one table. Figures are measurements to compare with
 * the references printed beside them (the machine's raw HMAC rate, moto_server, a bare node:http
 * server); nothing here asserts a number.
 *
 * Usage: `npm run bench` (all suites) or `npm run bench -- policy sigv4` (some).
 */
import os from 'node:os';
import type { BenchRow, BenchSuite } from './types.js';

const SUITES: Record<string, () => Promise<{ run: BenchSuite }>> = {
  policy: () => import('./policy.js'),
  sigv4: () => import('./sigv4.js'),
  crypto: () => import('./crypto.js'),
  'sts-http': () => import('./http.js'),
  imds: () => import('./imds.js'),
  container: () => import('./container.js'),
  gateway: () => import('./gateway.js'),
};

function format(n: number | undefined, digits = 0): string {
  if (n === undefined || !Number.isFinite(n)) return '';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const names = wanted.length > 0 ? wanted : Object.keys(SUITES);
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`credplane bench — node ${process.version}, ${os.cpus().length} cores (${cpu})\n`);
  const rows: BenchRow[] = [];
  for (const name of names) {
    const load = SUITES[name];
    if (!load) {
      console.error(`unknown suite '${name}'; known: ${Object.keys(SUITES).join(', ')}`);
      process.exitCode = 2;
      return;
    }
    const { run } = await load();
    rows.push(...(await run()));
  }
  const table = rows.map((r) => ({
    suite: r.suite,
    case: r.case,
    'ops/s': format(r.opsPerSec),
    'p50 µs': format(r.p50Us, 2),
    'p99 µs': format(r.p99Us, 2),
    note: r.note ?? '',
  }));
  console.table(table);
}

await main();
