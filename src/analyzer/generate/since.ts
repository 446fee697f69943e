/**
 * The start of a tracking period from what a user types: an ISO-8601 date or time
 * (`2026-11-01`, `2026-11-29T08:00:00Z`) or a duration back from now (`15m`, `12h`, `7d`, `2w`).
 */
import { parseTimeSpec } from '../../time-spec.js';

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
  return parseTimeSpec(text, now);
}
