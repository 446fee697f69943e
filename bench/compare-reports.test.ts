import { describe, expect, it } from 'vitest';
import { compareReports, figures, verdict } from './compare-reports.js';
import { summarize } from './stats.js';
import type { CaseResult, CaseSummary } from './types.js';

/** A case whose credplane/bare ratio per round is `ratios` (bare at 10,000 req/s every round). */
function stsCase(ratios: number[], extra: Partial<CaseResult> = {}): CaseSummary {
  return summarize({
    suite: 'sts-http',
    case: 'GetCallerIdentity',
    unit: 'req/s',
    better: 'higher',
    systems: ['credplane', 'bare node:http'],
    rounds: ratios.map((r) => ({ credplane: r * 10_000, 'bare node:http': 10_000 })),
    ratios: [{ of: 'credplane', to: 'bare node:http' }],
    ...extra,
  });
}

function latencyCase(values: number[]): CaseSummary {
  return summarize({
    suite: 'policy',
    case: 'p99 per call',
    unit: 'µs',
    better: 'lower',
    systems: ['realistic role'],
    rounds: values.map((v) => ({ 'realistic role': v })),
    ratios: [],
  });
}

const KEY = 'sts-http / GetCallerIdentity (req/s) / credplane ÷ bare node:http';

describe('compareReports', () => {
  it('names a ratio whose every new round is below every old round as slower', () => {
    const before = { cases: [stsCase([0.6, 0.62, 0.58, 0.61, 0.63])] };
    const after = { cases: [stsCase([0.4, 0.42, 0.45, 0.41, 0.44])] };
    const result = compareReports(before, after);
    expect(result.slower.map((f) => f.key)).toEqual([KEY]);
    expect(result.slower[0]!.change).toBeCloseTo(0.42 / 0.61, 5);
    expect(result.faster).toEqual([]);
  });

  it('does not flag a drop that stays within the old spread (noise)', () => {
    const before = { cases: [stsCase([0.5, 0.62, 0.58, 0.61, 0.7])] };
    const after = { cases: [stsCase([0.52, 0.55, 0.56, 0.57, 0.6])] };
    const result = compareReports(before, after);
    expect(result.slower).toEqual([]);
    expect(result.same.map((f) => f.key)).toEqual([KEY]);
  });

  it('with iqr, flags a drop whose middle halves do not overlap although the ranges do', () => {
    const before = { cases: [stsCase([0.45, 0.6, 0.61, 0.62, 0.7])] };
    const after = { cases: [stsCase([0.4, 0.5, 0.51, 0.52, 0.62])] };
    expect(compareReports(before, after, 'range').slower).toEqual([]);
    expect(compareReports(before, after, 'iqr').slower.map((f) => f.key)).toEqual([KEY]);
  });

  it('reads direction from the case: a lower-is-better figure that rose is slower, one that fell is faster', () => {
    const before = { cases: [latencyCase([4.0, 4.2, 4.1])] };
    expect(compareReports(before, { cases: [latencyCase([5.0, 5.3, 5.1])] }).slower).toHaveLength(1);
    expect(compareReports(before, { cases: [latencyCase([3.0, 3.3, 3.1])] }).faster).toHaveLength(1);
  });

  it('compares ratios, not raw figures: everything slower by the same factor (a busier machine) is not a regression', () => {
    const before = stsCase([0.6, 0.61, 0.62]);
    const busy = summarize({
      ...before,
      rounds: before.rounds.map((r) => ({
        credplane: r.credplane! / 3,
        'bare node:http': r['bare node:http']! / 3,
      })),
    });
    const result = compareReports({ cases: [before] }, { cases: [busy] });
    expect(result.slower).toEqual([]);
    expect(result.same).toHaveLength(1);
  });

  it('lists figures present in only one file or unmeasured (null in JSON) as not compared', () => {
    const unmeasured = JSON.parse(JSON.stringify(stsCase([NaN, NaN]))) as CaseSummary;
    const other = latencyCase([1, 2]);
    const result = compareReports({ cases: [stsCase([0.6, 0.6])] }, { cases: [unmeasured, other] });
    expect(result.notCompared.sort()).toEqual([KEY, 'policy / p99 per call (µs) / realistic role'].sort());
    expect(result.slower).toEqual([]);
  });
});

describe('figures', () => {
  it('tracks each system of a case without references, and only the ratios of a case with them', () => {
    expect([...figures([stsCase([0.6])]).keys()]).toEqual([KEY]);
    expect([...figures([latencyCase([1])]).keys()]).toEqual(['policy / p99 per call (µs) / realistic role']);
  });
});

describe('verdict', () => {
  const s = (min: number, max: number) => ({ median: (min + max) / 2, min, max, p25: min, p75: max });
  it('touching intervals are the same, not slower', () => {
    expect(verdict(s(10, 20), s(5, 10), 'higher')).toBe('same');
    expect(verdict(s(10, 20), s(5, 9.9), 'higher')).toBe('slower');
    expect(verdict(s(10, 20), s(20.1, 30), 'lower')).toBe('slower');
    expect(verdict(s(10, 20), s(20.1, 30), 'higher')).toBe('faster');
  });
});
