/**
 * Durations and points in time as users type them on the command line: `30s`, `15m`, `2h`, `7d`,
 * `2w`, or an ISO 8601 date or time. One reader for `logs --since`, `analyze --period` and
 * `policy generate --since`, so they accept the same text.
 */
import { ValidationError } from './errors.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION = /^(\d{1,9})([smhdw])$/i;
// Only date-shaped text: `Date.parse` alone would accept `1` or `March`.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Milliseconds of a positive duration; `ValidationError` otherwise.
 *
 * @example
 * parseDuration('15m'); // 900000
 */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  const ms = match === null ? 0 : Number(match[1]) * (UNIT_MS[match[2]!.toLowerCase()] ?? 0);
  if (ms <= 0) {
    throw new ValidationError(
      `invalid duration '${text.slice(0, 32)}': use a number and s, m, h, d or w (e.g. 90d, 2h, 15m)`,
    );
  }
  return ms;
}

/**
 * The instant `text` names: a duration back from `now`, or an ISO 8601 date (UTC midnight) or time;
 * `ValidationError` otherwise.
 *
 * @example
 * parseTimeSpec('7d', new Date('2026-11-29T00:00:00Z')); // 2026-11-22T00:00:00.000Z
 * parseTimeSpec('2026-11-01T08:30:00Z');                 // that instant
 */
export function parseTimeSpec(text: string, now: Date = new Date()): Date {
  const trimmed = text.trim();
  if (DURATION.test(trimmed)) return new Date(now.getTime() - parseDuration(trimmed));
  if (ISO_TIME.test(trimmed)) {
    const time = new Date(trimmed.length === 10 ? `${trimmed}T00:00:00Z` : trimmed);
    if (!Number.isNaN(time.getTime())) return time;
  }
  throw new ValidationError(
    `invalid time '${text.slice(0, 40)}': give an ISO 8601 date or time, or a duration such as 15m, 12h, 7d or 2w`,
  );
}

/**
 * A duration as people say it.
 *
 * @example
 * describeDuration(7_776_000_000); // '90 days'
 */
export function describeDuration(ms: number): string {
  for (const [unit, name] of [
    ['d', 'day'],
    ['h', 'hour'],
    ['m', 'minute'],
    ['s', 'second'],
  ] as const) {
    const size = UNIT_MS[unit]!;
    if (ms > 0 && ms % size === 0) {
      const n = ms / size;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${ms} ms`;
}
