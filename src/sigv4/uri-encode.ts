/**
 * SigV4's strict URI encoding (`UriEncode` in the AWS signing guide): every byte except
 * `A-Z a-z 0-9 - . _ ~` becomes `%XY` with uppercase hex; text is encoded as UTF-8.
 * Hand-written loops: these run on every request and must not compile regexes or throw
 * anything but {@link UriEncodingError}.
 */

/** Input that cannot be canonicalised: bad percent-encoding or a lone UTF-16 surrogate. */
export class UriEncodingError extends Error {}

const HEX = '0123456789ABCDEF';
const PCT: string[] = Array.from({ length: 256 }, (_, b) => `%${HEX[b >> 4]}${HEX[b & 15]}`);

/** 1 for the unreserved ASCII set, 0 otherwise. */
const UNRESERVED = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9\-._~]/.test(ch)) UNRESERVED[c] = 1;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Appends the UTF-8 percent-encoding of the code point at `s[i]`; returns how many UTF-16 units it used. */
function encodeCodePoint(s: string, i: number, out: string[]): number {
  const c = s.charCodeAt(i);
  if (c < 0x80) {
    out.push(PCT[c]!);
    return 1;
  }
  if (c < 0x800) {
    out.push(PCT[0xc0 | (c >> 6)]!, PCT[0x80 | (c & 63)]!);
    return 1;
  }
  if (c >= 0xd800 && c <= 0xdbff) {
    const d = s.charCodeAt(i + 1);
    if (!(d >= 0xdc00 && d <= 0xdfff)) throw new UriEncodingError('lone surrogate');
    const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
    out.push(
      PCT[0xf0 | (cp >> 18)]!,
      PCT[0x80 | ((cp >> 12) & 63)]!,
      PCT[0x80 | ((cp >> 6) & 63)]!,
      PCT[0x80 | (cp & 63)]!,
    );
    return 2;
  }
  if (c >= 0xdc00 && c <= 0xdfff) throw new UriEncodingError('lone surrogate');
  out.push(PCT[0xe0 | (c >> 12)]!, PCT[0x80 | ((c >> 6) & 63)]!, PCT[0x80 | (c & 63)]!);
  return 1;
}

/**
 * Encodes `s` as it stands: `%` itself is encoded, so an already-encoded wire path is encoded a
 * second time (the non-S3 "double encoding"). `keepSlash` leaves `/` alone (paths).
 *
 * @example uriEncode('/a b/%41', true) // => '/a%20b/%2541'
 */
export function uriEncode(s: string, keepSlash: boolean): string {
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!(c < 128 && (UNRESERVED[c] === 1 || (keepSlash && c === 0x2f)))) {
      plain = false;
      break;
    }
  }
  if (plain) return s;
  const out: string[] = [];
  for (let i = 0; i < s.length;) {
    const c = s.charCodeAt(i);
    if (c < 128 && (UNRESERVED[c] === 1 || (keepSlash && c === 0x2f))) {
      out.push(s[i]!);
      i++;
    } else {
      i += encodeCodePoint(s, i, out);
    }
  }
  return out.join('');
}

/**
 * Decodes `%XY` escapes and re-encodes strictly, byte for byte, in one pass: the canonical form
 * of a query component or an S3 path (`%7e` → `~`, `$` → `%24`, `%2f` → `%2F`). `+` is a literal
 * plus, never a space (SDKs send spaces as `%20`). `keepSlash` leaves a literal `/` alone.
 *
 * @example reencode('a%7eb$', false) // => 'a~b%24'
 */
export function reencode(s: string, keepSlash: boolean): string {
  let simple = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!(c < 128 && (UNRESERVED[c] === 1 || (keepSlash && c === 0x2f)))) {
      simple = false;
      break;
    }
  }
  if (simple) return s;
  const out: string[] = [];
  for (let i = 0; i < s.length;) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const hi = hexValue(s.charCodeAt(i + 1));
      const lo = hexValue(s.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) throw new UriEncodingError('bad percent-encoding');
      const b = (hi << 4) | lo;
      out.push(b < 128 && UNRESERVED[b] === 1 ? String.fromCharCode(b) : PCT[b]!);
      i += 3;
    } else if (c < 128 && (UNRESERVED[c] === 1 || (keepSlash && c === 0x2f))) {
      out.push(s[i]!);
      i++;
    } else {
      i += encodeCodePoint(s, i, out);
    }
  }
  return out.join('');
}

/**
 * Percent-decodes a query component into text (strict: bad escapes or invalid UTF-8 throw).
 * `+` stays a plus.
 *
 * @example percentDecode('AKID%2F20150830') // => 'AKID/20150830'
 */
export function percentDecode(s: string): string {
  if (s.indexOf('%') === -1) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length;) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const hi = hexValue(s.charCodeAt(i + 1));
      const lo = hexValue(s.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) throw new UriEncodingError('bad percent-encoding');
      bytes.push((hi << 4) | lo);
      i += 3;
    } else {
      const cp = s.codePointAt(i)!;
      if (cp >= 0xd800 && cp <= 0xdfff) throw new UriEncodingError('lone surrogate');
      for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) bytes.push(b);
      i += cp > 0xffff ? 2 : 1;
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    throw new UriEncodingError('invalid UTF-8');
  }
}
