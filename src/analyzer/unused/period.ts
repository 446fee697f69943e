/** The tracking period of unused-access analysis: `90d`, `2h`, `15m`, `30s`. */
import { AwsError } from '../../errors.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** 90 days, Access Analyzer's default. */
export const DEFAULT_PERIOD = '90d';

/**
 * Parses a period into milliseconds. Throws `ValidationError` for anything else.
 *
 * @example
 * parsePeriod('15m'); // 900000
 */
export function parsePeriod(text: string): number {
  const m = /^(\d{1,6})([smhd])$/.exec(text.trim());
  const n = m === null ? 0 : Number(m[1]);
  if (m === null || n <= 0) {
    throw new AwsError(
      'ValidationError',
      `invalid period '${text.slice(0, 32)}': use a number and s, m, h or d (e.g. 90d, 2h, 15m)`,
      { status: 400 },
    );
  }
  return n * UNIT_MS[m[2]!]!;
}

/** The period as people say it (`90 days`, `15 minutes`). */
export function describePeriod(ms: number): string {
  for (const [unit, name] of [
    ['d', 'day'],
    ['h', 'hour'],
    ['m', 'minute'],
    ['s', 'second'],
  ] as const) {
    const size = UNIT_MS[unit]!;
    if (ms % size === 0) {
      const n = ms / size;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${ms} ms`;
}
