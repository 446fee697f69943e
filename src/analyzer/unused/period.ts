/** The tracking period of unused-access analysis: `90d`, `2h`, `15m`, `30s`. */
import { describeDuration, parseDuration } from '../../time-spec.js';

/** 90 days, Access Analyzer's default. */
export const DEFAULT_PERIOD = '90d';

/**
 * Parses a period into milliseconds. Throws `ValidationError` for anything else.
 *
 * @example
 * parsePeriod('15m'); // 900000
 */
export function parsePeriod(text: string): number {
  return parseDuration(text);
}

/** The period as people say it (`90 days`, `15 minutes`). */
export function describePeriod(ms: number): string {
  return describeDuration(ms);
}
