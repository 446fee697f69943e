/**
 * Comparing two `npm run bench -- --json` files (pure). What is compared is what the report
 * states: per case, each ratio to a reference (median and spread of the per-round ratios), or,
 * for a case without references, each system's own figure. A figure "got slower beyond its spread"
 * when the new run's interval lies entirely on the slow side of the old run's interval: by default
 * the min–max range of the rounds, or with `iqr` their inter-quartile range (more sensitive, more
 * false alarms on a noisy machine).
 */
import { summarize } from './stats.js';
import type { Better, CaseResult, Spread } from './types.js';

export type SpreadKind = 'range' | 'iqr';

export interface Figure {
  key: string;
  better: Better;
  spread: Spread;
}

export type Verdict = 'slower' | 'faster' | 'same';

export interface Finding {
  key: string;
  better: Better;
  before: Spread;
  after: Spread;
  /** after.median / before.median. */
  change: number;
  verdict: Verdict;
}

export interface Comparison {
  slower: Finding[];
  faster: Finding[];
  same: Finding[];
  /** Figures in only one of the files, or unmeasured (NaN/null) in either. */
  notCompared: string[];
}

/** JSON writes NaN as null; anything not a finite number becomes NaN. */
function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : NaN;
}

function cleanSpread(s: Partial<Spread> | undefined): Spread {
  return { median: num(s?.median), min: num(s?.min), max: num(s?.max), p25: num(s?.p25), p75: num(s?.p75) };
}

/**
 * The figures a report states, keyed `suite / case / of ÷ to` (ratios) or `suite / case / system`,
 * summarized again from the per-round samples (the file's own summaries are derived from them).
 */
export function figures(cases: readonly CaseResult[]): Map<string, Figure> {
  const out = new Map<string, Figure>();
  for (const raw of cases) {
    const c = summarize({
      ...raw,
      rounds: raw.rounds.map((round) =>
        Object.fromEntries(Object.entries(round).map(([system, value]) => [system, num(value)])),
      ),
    });
    const base = `${c.suite} / ${c.case} (${c.unit})`;
    if (c.ratioSummaries.length > 0) {
      for (const r of c.ratioSummaries)
        out.set(`${base} / ${r.of} ÷ ${r.to}`, {
          key: `${base} / ${r.of} ÷ ${r.to}`,
          better: c.better,
          spread: cleanSpread(r),
        });
    } else {
      for (const system of c.systems)
        out.set(`${base} / ${system}`, {
          key: `${base} / ${system}`,
          better: c.better,
          spread: cleanSpread(c.values[system]),
        });
    }
  }
  return out;
}

function interval(s: Spread, kind: SpreadKind): [number, number] {
  return kind === 'range' ? [s.min, s.max] : [s.p25, s.p75];
}

/** Whether `after` is beyond `before`'s spread on the slow side, the fast side, or neither. */
export function verdict(before: Spread, after: Spread, better: Better, kind: SpreadKind = 'range'): Verdict {
  const [bLo, bHi] = interval(before, kind);
  const [aLo, aHi] = interval(after, kind);
  const higherIsBetter = better === 'higher';
  if (higherIsBetter ? aHi < bLo : aLo > bHi) return 'slower';
  if (higherIsBetter ? aLo > bHi : aHi < bLo) return 'faster';
  return 'same';
}

const comparable = (s: Spread): boolean => [s.median, s.min, s.max, s.p25, s.p75].every(Number.isFinite);

export function compareReports(
  before: { cases: readonly CaseResult[] },
  after: { cases: readonly CaseResult[] },
  kind: SpreadKind = 'range',
): Comparison {
  const old = figures(before.cases);
  const now = figures(after.cases);
  const result: Comparison = { slower: [], faster: [], same: [], notCompared: [] };
  for (const key of new Set([...old.keys(), ...now.keys()])) {
    const a = old.get(key);
    const b = now.get(key);
    if (
      a === undefined ||
      b === undefined ||
      !comparable(a.spread) ||
      !comparable(b.spread) ||
      a.better !== b.better
    ) {
      result.notCompared.push(key);
      continue;
    }
    const v = verdict(a.spread, b.spread, b.better, kind);
    result[v].push({
      key,
      better: b.better,
      before: a.spread,
      after: b.spread,
      change: b.spread.median / a.spread.median,
      verdict: v,
    });
  }
  return result;
}
