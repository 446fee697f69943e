/**
 * `npm run bench`: runs the suites and prints their figures beside the references measured in the
 * same run (the machine's raw HMAC rate, moto_server, a bare node:http server or proxy); nothing
 * here asserts a number. The compared systems of a case run in interleaved rounds (A B A B …) and
 * the report gives, per case, each system's median and the median ratio to its reference with the
 * spread of the per-round ratios.
 *
 * Usage: `npm run bench -- [suite …] [--rounds N] [--seconds S] [--profile <dir>] [--json <file>]`
 * (docs/benchmarks.md).
 */
import os from 'node:os';
import { microCases } from './micro.js';
import { USAGE, parseBenchArgs, type BenchOptions } from './options.js';
import { profileInProcess } from './profile.js';
import { caseTable, gitState, loadLine, machine, rowTable, writeReport } from './report.js';
import { summarize } from './stats.js';
import type { BenchReport, BenchRow, BenchSuite, CaseResult, RatioSpec, RoundsSuite } from './types.js';

interface SuiteModule {
  run?: BenchSuite;
  runRounds?: RoundsSuite;
  /** For in-process suites: ratios between their rows' throughput. */
  RATIOS?: RatioSpec[];
}

const SUITES: Record<string, () => Promise<SuiteModule>> = {
  policy: () => import('./policy.js'),
  sigv4: () => import('./sigv4.js'),
  crypto: () => import('./crypto.js'),
  'sts-http': () => import('./http.js'),
  'sts-stages': () => import('./sts-stages.js'),
  imds: () => import('./imds.js'),
  container: () => import('./container.js'),
  gateway: () => import('./gateway.js'),
  'gateway-ladder': () => import('./gateway-ladder.js'),
  memory: () => import('./memory.js'),
  console: () => import('./console.js'),
  fleet: () => import('./fleet-suite.js'),
  'fleet-replicas': () => import('./fleet.js'),
  'fleet-agents': () => import('./fleet-agents.js'),
};
/** Parts of another suite, run alone when named; a run of every suite skips them. */
const PARTS = new Set(['fleet-replicas', 'fleet-agents', 'gateway-ladder']);

async function runSuite(
  name: string,
  mod: SuiteModule,
  options: BenchOptions,
): Promise<{ cases: CaseResult[]; rows: BenchRow[] }> {
  if (mod.runRounds) return mod.runRounds(options);
  const run = mod.run;
  if (!run) throw new Error(`suite ${name} exports neither run nor runRounds`);
  const rounds = await profileInProcess(options, name, async () => {
    const out: BenchRow[][] = [];
    for (let r = 0; r < options.rounds; r++) {
      process.stderr.write(`  ${name}: round ${r + 1}/${options.rounds}\n`);
      out.push(await run());
    }
    return out;
  });
  return { cases: microCases(name, rounds, mod.RATIOS), rows: rounds.at(-1) ?? [] };
}

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 2;
    return;
  }
  const names = options.suites.length > 0 ? options.suites : Object.keys(SUITES).filter((n) => !PARTS.has(n));
  const unknown = names.filter((n) => !SUITES[n]);
  if (unknown.length > 0) {
    console.error(
      `unknown suite '${unknown.join("', '")}'; known: ${Object.keys(SUITES).join(', ')}\n${USAGE}`,
    );
    process.exitCode = 2;
    return;
  }
  const startedAt = new Date().toISOString();
  const loadBefore = os.loadavg();
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`credplane bench — node ${process.version}, ${os.cpus().length} cores (${cpu})`);
  console.log(
    `${options.rounds} interleaved rounds per case${options.seconds ? `, ${options.seconds} s per load` : ''}` +
      (options.profileDir ? `; CPU profiles into ${options.profileDir}` : ''),
  );
  console.log(`${loadLine('before')}\n`);

  const cases: CaseResult[] = [];
  const rows: BenchRow[] = [];
  for (const name of names) {
    const result = await runSuite(name, await SUITES[name]!(), options);
    cases.push(...result.cases);
    rows.push(...result.rows);
  }
  const summaries = cases.map(summarize);
  if (summaries.length > 0) console.table(caseTable(summaries));
  if (rows.length > 0) {
    console.log('Single-pass figures (scale runs; in-process suites: the last round):');
    console.table(rowTable(rows));
  }
  const report: BenchReport = {
    format: 'credplane-bench/1',
    startedAt,
    finishedAt: new Date().toISOString(),
    git: gitState(),
    machine: machine(loadBefore),
    options: {
      suites: names,
      rounds: options.rounds,
      ...(options.seconds ? { seconds: options.seconds } : {}),
      ...(options.profileDir ? { profileDir: options.profileDir } : {}),
    },
    cases: summaries,
    rows,
  };
  console.log(loadLine('after'));
  if (options.jsonFile) {
    writeReport(options.jsonFile, report);
    console.log(`results written to ${options.jsonFile}`);
  }
}

await main();
