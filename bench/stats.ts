/**
 * Pure statistics over interleaved rounds: each round measured every system of a case once, so a
 * ratio taken within one round compares the systems under the same machine load. The median of
 * those per-round ratios, with their spread, is what the report states (a single sequential pass
 * per system on a shared machine mostly measures what the neighbours were doing at the time).
 */
import type { CaseResult, CaseSummary, RatioSummary, Spread } from './types.js';

/** The `q`-quantile (0..1) of `values` with linear interpolation; NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Median, min–max and inter-quartile range of `values` (finite ones only). */
export function spread(values: readonly number[]): Spread {
  return {
    median: median(values),
    min: quantile(values, 0),
    max: quantile(values, 1),
    p25: quantile(values, 0.25),
    p75: quantile(values, 0.75),
  };
}

/**
 * `of / to` in every round where both were measured and `to` is positive: a ratio to a reference
 * of 0 or less means nothing (an added latency within the noise can come out negative).
 */
export function perRoundRatios(result: CaseResult, of: string, to: string): number[] {
  const ratios: number[] = [];
  for (const round of result.rounds) {
    const a = round[of];
    const b = round[to];
    if (a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b > 0)
      ratios.push(a / b);
  }
  return ratios;
}

export function summarize(result: CaseResult): CaseSummary {
  const values: CaseSummary['values'] = {};
  for (const system of result.systems)
    values[system] = spread(result.rounds.map((round) => round[system] ?? NaN));
  const ratios: RatioSummary[] = result.ratios.map((r) => {
    const perRound = perRoundRatios(result, r.of, r.to);
    return { ...r, perRound, ...spread(perRound) };
  });
  return { ...result, values, ratioSummaries: ratios };
}

/**
 * The order of `systems` in round `round`: rotated by one each round (A B C, B C A, C A B, …), so
 * that no system always runs first after a pause or last before the next case.
 */
export function roundOrder<T>(systems: readonly T[], round: number): T[] {
  const n = systems.length;
  if (n === 0) return [];
  const k = round % n;
  return [...systems.slice(k), ...systems.slice(0, k)];
}
