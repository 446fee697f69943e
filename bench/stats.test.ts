import { describe, expect, it } from 'vitest';
import type { CaseResult } from './types.js';
import { median, perRoundRatios, quantile, roundOrder, summarize } from './stats.js';

describe('bench statistics', () => {
  it('interpolates quantiles and ignores unmeasured values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(median([NaN, 5, 7])).toBe(6);
    expect(median([])).toBeNaN();
  });

  it('takes ratios within a round, skipping rounds where either side is missing or the reference is not positive', () => {
    const result: CaseResult = {
      suite: 's',
      case: 'c',
      unit: 'req/s',
      better: 'higher',
      systems: ['a', 'b'],
      rounds: [{ a: 10, b: 20 }, { a: 30, b: 30 }, { a: 5 }, { a: 7, b: -2 }, { a: 7, b: 0 }],
      ratios: [{ of: 'a', to: 'b' }],
    };
    expect(perRoundRatios(result, 'a', 'b')).toEqual([0.5, 1]);
    const summary = summarize(result);
    expect(summary.ratioSummaries[0]).toMatchObject({ median: 0.75, min: 0.5, max: 1 });
    expect(summary.values.a).toMatchObject({ median: 7, min: 5, max: 30 });
  });

  it('rotates the order of the systems each round', () => {
    expect([0, 1, 2, 3].map((r) => roundOrder(['A', 'B', 'C'], r).join(''))).toEqual([
      'ABC',
      'BCA',
      'CAB',
      'ABC',
    ]);
  });
});
