/**
 * `npm run bench:compare -- <before.json> <after.json> [--spread range|iqr]`: compares two files
 * written by `npm run bench -- --json <file>` and names the figures that got slower beyond their
 * spread (bench/compare-reports.ts). Exit code 1 when any did, 2 on bad input.
 */
import fs from 'node:fs';
import { compareReports, type Finding, type SpreadKind } from './compare-reports.js';
import type { BenchReport } from './types.js';

function read(file: string): BenchReport {
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchReport;
  if (report.format !== 'credplane-bench/1') throw new Error(`${file} is not a credplane bench file`);
  return report;
}

function describe(report: BenchReport, file: string): string {
  const m = report.machine;
  return (
    `${file}: commit ${report.git.commit.slice(0, 12)}${report.git.dirty ? ' (dirty)' : ''}, ` +
    `${report.options.rounds} rounds, ${m.cpus} × ${m.cpuModel}, load ${m.loadBefore[0]?.toFixed(1)} → ${m.loadAfter[0]?.toFixed(1)}`
  );
}

function line(f: Finding): string {
  const pct = ((f.change - 1) * 100).toFixed(1);
  const show = (n: number): string => n.toPrecision(3);
  return (
    `  ${f.key}: ${show(f.before.median)} (${show(f.before.min)}–${show(f.before.max)}) → ` +
    `${show(f.after.median)} (${show(f.after.min)}–${show(f.after.max)}), ${Number(pct) > 0 ? '+' : ''}${pct}% (${f.better} is better)`
  );
}

function main(): number {
  const args = process.argv.slice(2);
  let spread: SpreadKind = 'range';
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--spread' || arg.startsWith('--spread=')) {
      const value = arg.includes('=') ? arg.split('=')[1] : args[++i];
      if (value !== 'range' && value !== 'iqr') {
        console.error('--spread must be range or iqr');
        return 2;
      }
      spread = value;
    } else files.push(arg);
  }
  if (files.length !== 2) {
    console.error('usage: npm run bench:compare -- <before.json> <after.json> [--spread range|iqr]');
    return 2;
  }
  const [beforeFile, afterFile] = files as [string, string];
  const before = read(beforeFile);
  const after = read(afterFile);
  console.log(describe(before, beforeFile));
  console.log(describe(after, afterFile));
  if (before.machine.cpus !== after.machine.cpus || before.machine.cpuModel !== after.machine.cpuModel)
    console.log(
      'warning: different machines; ratios to references travel better than raw figures, but not perfectly',
    );
  for (const [file, report] of [
    [beforeFile, before],
    [afterFile, after],
  ] as const) {
    if (
      (report.machine.loadBefore[0] ?? 0) > report.machine.cpus ||
      (report.machine.loadAfter[0] ?? 0) > report.machine.cpus
    )
      console.log(
        `warning: ${file} ran on a busy machine (load average above the CPU count); its spread understates the noise`,
      );
    if (report.options.rounds < 5)
      console.log(`warning: ${file} has ${report.options.rounds} rounds; 5 or more to judge`);
  }
  const result = compareReports(before, after, spread);
  const spreadName = spread === 'range' ? 'min–max range' : 'inter-quartile range';
  console.log(`\nslower beyond the ${spreadName} of the rounds (${result.slower.length}):`);
  for (const f of result.slower) console.log(line(f));
  console.log(`\nfaster beyond it (${result.faster.length}):`);
  for (const f of result.faster) console.log(line(f));
  console.log(`\nwithin the spread: ${result.same.length}`);
  if (result.notCompared.length > 0)
    console.log(`not compared (in one file only, or unmeasured): ${result.notCompared.join('; ')}`);
  return result.slower.length > 0 ? 1 : 0;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 2;
}
