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

/** Every bench module exports `run` with this type; `bench/run.ts` prints them all as one table. */
export type BenchSuite = () => Promise<BenchRow[]>;
