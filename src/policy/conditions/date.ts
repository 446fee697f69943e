/**
 * `Date*` operators. Values are W3C/ISO-8601 dates (`2024-01-01`, `2024-01-01T12:00:00Z`, with an optional
 * offset) or epoch **seconds** (`aws:EpochTime` is in seconds — IAM User Guide, IAM JSON policy elements:
 * Condition operators, Date condition operators; some engines wrongly read all-digit values as milliseconds).
 * Comparison is on instants.
 */
import type { ConditionOperatorName } from '../ast.js';
import type { ContextValue } from '../context.js';
import type { ValueMatcher } from './types.js';

const EPOCH_SECONDS = /^[+-]?\d+(?:\.\d+)?$/;
const ISO =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?)?)?$/;

/**
 * Parses a date condition value into epoch milliseconds; `NaN` when it is neither ISO-8601 nor
 * epoch seconds. A date-time without an offset is UTC (never the host's time zone).
 *
 * @example
 * parseDateValue('2024-01-01'); // 1704067200000
 * parseDateValue('1704067200'); // 1704067200000 (seconds)
 */
export function parseDateValue(text: string): number {
  if (EPOCH_SECONDS.test(text)) return Number(text) * 1000;
  const m = ISO.exec(text);
  if (m === null) return Number.NaN;
  const year = Number(m[1]);
  const month = m[2] === undefined ? 1 : Number(m[2]);
  const day = m[3] === undefined ? 1 : Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const ms = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return Number.NaN;
  if (hour > 24 || minute > 59 || second > 60 || (hour === 24 && (minute > 0 || second > 0))) {
    return Number.NaN;
  }
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) return Number.NaN;
    offsetMinutes = sign * (oh * 60 + om);
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  return utc - offsetMinutes * 60_000;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

type Compare = (a: number, b: number) => boolean;

const COMPARE: Partial<Record<ConditionOperatorName, Compare>> = {
  DateEquals: (a, b) => a === b,
  DateNotEquals: (a, b) => a === b,
  DateLessThan: (a, b) => a < b,
  DateLessThanEquals: (a, b) => a <= b,
  DateGreaterThan: (a, b) => a > b,
  DateGreaterThanEquals: (a, b) => a >= b,
};

/** `(context value)` → true when the context date satisfies any policy date. */
export function dateMatcher(base: ConditionOperatorName, values: readonly string[]): ValueMatcher {
  const compare = COMPARE[base];
  if (compare === undefined) throw new Error(`not a date operator: ${base}`);
  const wanted = values.map(parseDateValue);
  return (v: ContextValue) => {
    const t = v.asDateMs();
    for (let i = 0; i < wanted.length; i++) if (compare(t, wanted[i] as number)) return true;
    return false;
  };
}
