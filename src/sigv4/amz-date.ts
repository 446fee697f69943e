/** The two timestamp formats SigV4 accepts: `X-Amz-Date` (ISO 8601 basic) and the HTTP `Date` header. */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function digits(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

function utc(y: number, mo: number, d: number, h: number, mi: number, s: number): number | undefined {
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59)
    return undefined;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC rolls 31 Feb over into March; a real calendar date survives the round trip.
  return new Date(ms).getUTCDate() === d ? ms : undefined;
}

/**
 * @example parseAmzDate('20150830T123600Z') // => 1440938160000
 */
export function parseAmzDate(value: string): number | undefined {
  if (value.length !== 16 || value[8] !== 'T' || value[15] !== 'Z') return undefined;
  return utc(
    digits(value, 0, 4),
    digits(value, 4, 2),
    digits(value, 6, 2),
    digits(value, 9, 2),
    digits(value, 11, 2),
    digits(value, 13, 2),
  );
}

/**
 * Parses the IMF-fixdate form of the HTTP `Date` header (RFC 7231 §7.1.1.1), the only form SDKs send.
 *
 * @example parseHttpDate('Sun, 30 Aug 2015 12:36:00 GMT') // => 1440938160000
 */
export function parseHttpDate(value: string): number | undefined {
  // "Sun, 30 Aug 2015 12:36:00 GMT"
  if (value.length !== 29 || value.slice(3, 5) !== ', ' || !value.endsWith(' GMT')) return undefined;
  if (!DAYS.includes(value.slice(0, 3))) return undefined;
  if (value[7] !== ' ' || value[11] !== ' ' || value[16] !== ' ' || value[19] !== ':' || value[22] !== ':')
    return undefined;
  const month = MONTHS.indexOf(value.slice(8, 11));
  if (month < 0) return undefined;
  const ms = utc(
    digits(value, 12, 4),
    month + 1,
    digits(value, 5, 2),
    digits(value, 17, 2),
    digits(value, 20, 2),
    digits(value, 23, 2),
  );
  if (ms === undefined || DAYS[new Date(ms).getUTCDay()] !== value.slice(0, 3)) return undefined;
  return ms;
}

/**
 * @example formatAmzDate(1440938160000) // => '20150830T123600Z'
 */
export function formatAmzDate(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2015-08-30T12:36:00.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}
