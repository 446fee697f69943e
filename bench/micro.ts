/**
 * In-process suites (policy, sigv4, crypto) in rounds: the whole suite runs once per round, so its
 * cases alternate (A B C, A B C, …) and a ratio such as "verification / raw HMAC" is taken within
 * one round. Each suite becomes two cases: ops/s of every row, and p99 of the rows that have one.
 */
import type { BenchRow, CaseResult, RatioSpec } from './types.js';

export function microCases(suite: string, rounds: BenchRow[][], ratios: RatioSpec[] = []): CaseResult[] {
  const names = [...new Set(rounds.flat().map((r) => r.case))];
  const pick = (field: 'opsPerSec' | 'p99Us'): Record<string, number>[] =>
    rounds.map((rows) => {
      const out: Record<string, number> = {};
      for (const row of rows) {
        const v = row[field];
        if (v !== undefined && Number.isFinite(v)) out[row.case] = v;
      }
      return out;
    });
  const throughput = pick('opsPerSec');
  const p99 = pick('p99Us');
  const withP99 = names.filter((n) => p99.some((r) => r[n] !== undefined));
  const cases: CaseResult[] = [
    {
      suite,
      case: 'throughput',
      unit: 'ops/s',
      better: 'higher',
      systems: names,
      rounds: throughput,
      ratios,
    },
  ];
  if (withP99.length > 0)
    cases.push({
      suite,
      case: 'p99 per call',
      unit: 'µs',
      better: 'lower',
      systems: withP99,
      rounds: p99,
      ratios: [],
    });
  return cases;
}
