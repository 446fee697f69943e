/** One line of the `npm run bench` table. Figures are measured, never asserted. */
export interface BenchRow {
  suite: string;
  case: string;
  opsPerSec: number;
  /** Latency percentiles in microseconds, when the suite measures them. */
  p50Us?: number;
  p99Us?: number;
  /** Reference or target this row is compared with, e.g. "target >= 1,000,000/s". */
  note?: string;
}

/** A single-pass suite: one table row per case (in-process micro-benchmarks). */
export type BenchSuite = () => Promise<BenchRow[]>;

/** Which direction of a figure is an improvement. */
export type Better = 'higher' | 'lower';

/** A ratio the report states for a case: `of / to`, per round. */
export interface RatioSpec {
  of: string;
  to: string;
  /** The goal, in words, e.g. ">= 0.6" (printed, never asserted). */
  target?: string;
}

/**
 * One compared quantity of one case, measured for each system in each round (systems interleaved
 * within a round). `rounds[i][system]` is the figure of `system` in round `i`.
 */
export interface CaseResult {
  suite: string;
  case: string;
  /** e.g. "req/s", "µs", "MB". */
  unit: string;
  better: Better;
  systems: string[];
  rounds: Record<string, number>[];
  ratios: RatioSpec[];
  note?: string;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  p25: number;
  p75: number;
}

export interface RatioSummary extends RatioSpec, Spread {
  perRound: number[];
}

export interface CaseSummary extends CaseResult {
  /** Per system: median and spread of its per-round figures. */
  values: Record<string, Spread>;
  ratioSummaries: RatioSummary[];
}

/** Options every interleaved suite receives from `bench/run.ts`. */
export interface BenchContext {
  /** Rounds per case (A B A B …), at least 1. */
  rounds: number;
  /** Overrides each suite's seconds per load, for short runs that only check the mechanics. */
  seconds?: number;
  /** Where CPU profiles of credplane's side go (`--profile <dir>`). */
  profileDir?: string;
}

/** What an interleaved suite returns: cases measured in rounds, plus single-pass rows. */
export interface SuiteResult {
  cases: CaseResult[];
  rows: BenchRow[];
}

/** Every interleaved bench module exports `runRounds` with this type. */
export type RoundsSuite = (ctx: BenchContext) => Promise<SuiteResult>;

/** The file `npm run bench -- --json <file>` writes. */
export interface BenchReport {
  format: 'credplane-bench/1';
  startedAt: string;
  finishedAt: string;
  git: { commit: string; dirty: boolean };
  machine: {
    node: string;
    platform: string;
    cpus: number;
    cpuModel: string;
    totalMemoryMb: number;
    /** os.loadavg() (1, 5, 15 minutes) before the first and after the last case. */
    loadBefore: number[];
    loadAfter: number[];
  };
  options: { suites: string[]; rounds: number; seconds?: number; profileDir?: string };
  cases: CaseSummary[];
  rows: BenchRow[];
}
