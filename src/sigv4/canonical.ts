/**
 * The SigV4 canonical request (IAM User Guide, Create a signed AWS API request:
 * Create a canonical request):
 * `METHOD\nCanonicalURI\nCanonicalQuery\nCanonicalHeaders\nSignedHeaders\nPayloadHash`.
 *
 * Rules that differ by service are explicit: S3 paths are neither normalised nor double-encoded;
 * every other service removes dot segments, collapses empty segments and encodes the wire path
 * once more.
 */
import type { HeaderMap } from './request-headers.js';
import type { RawQueryParam } from './parse-authorization.js';
import { reencode, uriEncode, UriEncodingError } from './uri-encode.js';

/** A signed header the request does not carry: the signature cannot be reproduced. */
export class MissingSignedHeaderError extends Error {
  constructor(readonly header: string) {
    super(`signed header '${header}' is not in the request`);
  }
}

/** Splits a request target into the raw path and the raw query (without `?`). */
export function splitTarget(url: string): { path: string; query: string } {
  let target = url;
  // Absolute-form targets (proxies) carry scheme and authority; the signature covers the path.
  if (!target.startsWith('/')) {
    const scheme = target.indexOf('://');
    if (scheme > 0) {
      const slash = target.indexOf('/', scheme + 3);
      const q = target.indexOf('?', scheme + 3);
      target = slash < 0 || (q >= 0 && q < slash) ? `/${q >= 0 ? target.slice(q) : ''}` : target.slice(slash);
    }
  }
  const q = target.indexOf('?');
  return q < 0 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q + 1) };
}

/** Splits a raw query on `&`; a piece without `=` has an empty value; empty pieces are dropped. */
export function parseRawQuery(query: string): RawQueryParam[] {
  const params: RawQueryParam[] = [];
  if (query.length === 0) return params;
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf('&', start);
    if (end < 0) end = query.length;
    if (end > start) {
      const eq = query.indexOf('=', start);
      if (eq >= 0 && eq < end) params.push({ name: query.slice(start, eq), value: query.slice(eq + 1, end) });
      else params.push({ name: query.slice(start, end), value: '' });
    }
    start = end + 1;
  }
  return params;
}

/**
 * Removes `.` and `..` segments and empty segments, keeping a trailing slash when the path had
 * one — what botocore's `normalize_url_path` and smithy's signer do before encoding.
 *
 * @example normalizePath('//example/./a/..//') // => '/example/'
 */
export function normalizePath(path: string): string {
  if (path.indexOf('//') < 0 && path.indexOf('/.') < 0) return path;
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  if (out.length === 0) return '/';
  return `/${out.join('/')}${path.endsWith('/') ? '/' : ''}`;
}

/**
 * The canonical URI. Non-S3: normalise, then encode the wire path as it stands (so `%20` becomes
 * `%2520`). S3: no normalisation, decode and re-encode once (`$` and `%24` both become `%24`).
 *
 * @example canonicalUri('/a%20b/../c', false) // => '/c'
 * @example canonicalUri('/test$file.text', true) // => '/test%24file.text'
 */
export function canonicalUri(path: string, s3: boolean): string {
  // Origin-form only: normalising `x/..` into `/` would let different targets share a signature.
  if (path.charCodeAt(0) !== 0x2f) throw new UriEncodingError('request target must start with /');
  if (s3) return reencode(path, true);
  return uriEncode(normalizePath(path), true);
}

/**
 * The canonical query: each name and value strictly re-encoded, sorted by name then value,
 * joined `name=value` with `&`. `omit` drops one parameter by name (`X-Amz-Signature` when presigned).
 *
 * @example canonicalQuery(parseRawQuery('b=2&a=&a'), undefined) // => 'a=&a=&b=2'
 */
export function canonicalQuery(params: readonly RawQueryParam[], omit: string | undefined): string {
  if (params.length === 0) return '';
  const pairs: Array<[string, string]> = [];
  for (const p of params) {
    if (omit !== undefined && p.name === omit) continue;
    pairs.push([reencode(p.name, false), reencode(p.value, false)]);
  }
  if (pairs.length > 1) {
    pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  }
  let out = '';
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i]!;
    out += i === 0 ? `${pair[0]}=${pair[1]}` : `&${pair[0]}=${pair[1]}`;
  }
  return out;
}

function isSpace(c: number): boolean {
  // SP, HTAB, VT, FF: the ASCII whitespace every SDK's trim/collapse agrees on.
  return c === 0x20 || c === 0x09 || c === 0x0b || c === 0x0c;
}

/** Trims and collapses runs of whitespace to one space; quotes are not special. */
function collapse(value: string): string {
  const n = value.length;
  let clean = n === 0 || (!isSpace(value.charCodeAt(0)) && !isSpace(value.charCodeAt(n - 1)));
  for (let i = 0; clean && i < n; i++) {
    const c = value.charCodeAt(i);
    if (c !== 0x20 && isSpace(c)) clean = false;
    else if (c === 0x20 && value.charCodeAt(i + 1) === 0x20) clean = false;
  }
  if (clean) return value;
  let out = '';
  let pendingSpace = false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (isSpace(c)) {
      pendingSpace = out.length > 0;
    } else {
      if (pendingSpace) out += ' ';
      pendingSpace = false;
      out += value[i];
    }
  }
  return out;
}

/**
 * A header value in canonical form: trimmed, runs of whitespace collapsed to one space. An obsolete
 * line fold (optional CR, LF, then space or tab) is whitespace too, so `value1\n  value2` becomes
 * `value1 value2`, as in the current AWS SigV4 test suite (`get-header-value-multiline`) and
 * botocore (`' '.join(value.split())`); repeated headers, not folds, are joined with `,`.
 *
 * @example canonicalHeaderValue('  "a   b   c" ') // => '"a b c"'
 */
export function canonicalHeaderValue(value: string): string {
  if (value.indexOf('\n') < 0) return collapse(value);
  let unfolded = '';
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    if (value.charCodeAt(i) !== 0x0a || !isSpace(value.charCodeAt(i + 1))) continue;
    const end = i > 0 && value.charCodeAt(i - 1) === 0x0d ? i - 1 : i;
    unfolded += `${value.slice(start, end)} `;
    start = i + 1;
  }
  return collapse(unfolded + value.slice(start));
}

/**
 * The canonical headers block: one `name:value\n` line per signed header in the signer's order,
 * repeated headers joined with `,` in arrival order.
 */
export function canonicalHeaders(headers: HeaderMap, signedHeaderNames: readonly string[]): string {
  let out = '';
  for (const name of signedHeaderNames) {
    const values = headers.get(name) ?? headers.get(name.toLowerCase());
    if (values === undefined) throw new MissingSignedHeaderError(name);
    out += `${name}:`;
    for (let i = 0; i < values.length; i++) {
      out += i === 0 ? canonicalHeaderValue(values[i]!) : `,${canonicalHeaderValue(values[i]!)}`;
    }
    out += '\n';
  }
  return out;
}

export interface CanonicalRequestParts {
  method: string;
  path: string;
  query: readonly RawQueryParam[];
  headers: HeaderMap;
  signedHeaders: string;
  signedHeaderNames: readonly string[];
  payloadHash: string;
  s3: boolean;
  presigned: boolean;
}

/**
 * Assembles the canonical request. Throws `UriEncodingError` or `MissingSignedHeaderError` when
 * the request cannot be canonicalised.
 */
export function buildCanonicalRequest(parts: CanonicalRequestParts): string {
  return (
    `${parts.method}\n${canonicalUri(parts.path, parts.s3)}\n` +
    `${canonicalQuery(parts.query, parts.presigned ? 'X-Amz-Signature' : undefined)}\n` +
    `${canonicalHeaders(parts.headers, parts.signedHeaderNames)}\n${parts.signedHeaders}\n${parts.payloadHash}`
  );
}
