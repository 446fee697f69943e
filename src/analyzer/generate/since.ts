/**
 * The start of a tracking period from what a user types: an ISO-8601 date or time
 * (`2026-11-01`, `2026-11-29T08:00:00Z`) or a duration back from now (`15m`, `12h`, `7d`, `2w`).
 */
import { ValidationError } from '../../errors.js';

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** The default tracking period, as IAM Access Analyzer's unused-access default. */
export const DEFAULT_SINCE = '90d';

/**
 * The instant `text` designates; `ValidationError` for anything else.
 *
 * @example
 * parseSince('7d', new Date('2026-11-29T00:00:00Z')); // 2026-11-22T00:00:00.000Z
 * parseSince('2026-11-01T00:00:00Z');                 // that instant
 */
export function parseSince(text: string, now: Date = new Date()): Date {
  const trimmed = text.trim();
  const duration = /^(\d+)\s*([smhdw])$/i.exec(trimmed);
  if (duration !== null) {
    const ms = Number(duration[1]) * UNIT_MS[duration[2]!.toLowerCase()]!;
    return new Date(now.getTime() - ms);
  }
  // Only date-shaped text: `Date.parse` alone would accept `1` or `March`.
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/i.test(trimmed)) {
    const ms = Date.parse(trimmed);
    if (!Number.isNaN(ms)) return new Date(ms);
  }
  throw new ValidationError(
    `Invalid --since '${text}': give an ISO-8601 date or time, or a duration such as 15m, 12h, 7d or 2w`,
  );
}
