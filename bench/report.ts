/** The printed tables and the JSON file of `npm run bench`. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchReport, BenchRow, CaseSummary, Spread } from './types.js';

const repo = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

export function format(n: number | undefined, digits = 0): string {
  if (n === undefined || !Number.isFinite(n)) return '';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Three significant figures at most, for ratios from 0.01 to 1000. */
function ratio(n: number): string {
  if (!Number.isFinite(n)) return '';
  const digits = n >= 100 ? 0 : n >= 10 ? 1 : 2;
  return n.toFixed(digits);
}

export function loadLine(when: string): string {
  const [one, five, fifteen] = os.loadavg().map((l) => l.toFixed(2));
  return `load average ${when}: ${one} ${five} ${fifteen} (1/5/15 min) on ${os.cpus().length} CPUs`;
}

function range(s: Spread, show: (n: number) => string): string {
  return `${show(s.min)}–${show(s.max)}`;
}

/** One line per system of each case: its median and spread; ratios on the first system's line. */
export function caseTable(cases: CaseSummary[]): Record<string, string>[] {
  const lines: Record<string, string>[] = [];
  for (const c of cases) {
    const digits = c.unit === 'req/s' || c.unit === 'ops/s' ? 0 : 1;
    const show = (n: number): string => format(n, digits);
    for (const system of c.systems) {
      const v = c.values[system]!;
      const ratios = c.ratioSummaries.filter((r) => r.of === system);
      lines.push({
        case: `${c.suite}: ${c.case} (${c.unit})`,
        system,
        median: show(v.median),
        'min–max': range(v, show),
        'ratio (median; min–max; IQR)': ratios
          .map(
            (r) =>
              `${ratio(r.median)}× ${r.to} (${ratio(r.min)}–${ratio(r.max)}; ${ratio(r.p25)}–${ratio(r.p75)})` +
              (r.target ? ` target ${r.target}` : ''),
          )
          .join(' | '),
      });
    }
    if (c.note) lines.push({ case: `${c.suite}: ${c.case}`, system: 'note', median: c.note });
  }
  return lines;
}

export function rowTable(rows: BenchRow[]): Record<string, string>[] {
  return rows.map((r) => ({
    suite: r.suite,
    case: r.case,
    'ops/s': format(r.opsPerSec),
    'p50 µs': format(r.p50Us, 2),
    'p99 µs': format(r.p99Us, 2),
    note: r.note ?? '',
  }));
}

export function gitState(): BenchReport['git'] {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: repo,
      encoding: 'utf8',
    });
    return { commit, dirty: status.trim() !== '' };
  } catch {
    return { commit: 'unknown', dirty: true };
  }
}

export function machine(loadBefore: number[]): BenchReport['machine'] {
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
    loadBefore,
    loadAfter: os.loadavg(),
  };
}

/** JSON has no NaN: unmeasured figures are written as null. */
export function writeReport(file: string, report: BenchReport): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}
