/**
 * SigV4 request signing (header form), for the gateway's re-signing of forwarded requests.
 *
 * It produces exactly what `@smithy/signature-v4`'s `signRequest` produces for the same request
 * (the same signed headers, canonical forms and header order; `signer.test.ts` checks this on
 * many requests), but synchronously and without its per-call costs: the signing key comes from a
 * {@link SigningKeyCache} keyed by the credential object (no HMAC or hash per call just to find
 * it), one SHA-256 of the canonical request and one HMAC per signature, and the date string is
 * formatted once per second.
 */
import { EMPTY_SHA256, hmacHex, sha256Hex } from './hash.js';
import { ALGORITHM } from './parse-authorization.js';
import { SigningKeyCache } from './signing-key.js';
import { uriEncode } from './uri-encode.js';

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface RequestToSign {
  method: string;
  /** The path as sent on the wire (percent-encoded once). */
  path: string;
  /** Decoded query parameters, in any order (the wire form must encode them as RFC 3986 does). */
  query?: readonly (readonly [string, string])[];
  /** Headers to send, `host` included. `authorization`, `x-amz-date` and `date` are replaced. */
  headers: Readonly<Record<string, string | undefined>>;
  /** Used when `headers` carry no `x-amz-content-sha256` (default: the empty payload's hash). */
  payloadHash?: string;
}

export interface SignOptions {
  credentials: SigningCredentials;
  region: string;
  /** The signing name (`s3`, `dynamodb`, ...). */
  service: string;
  /**
   * `true` (every service but S3): the path is normalised and encoded once more, as SigV4's
   * canonical URI requires. `false` (S3): the path is signed as sent.
   */
  uriEscapePath: boolean;
  /** Signing time in ms (default `Date.now()`). */
  now?: number;
  /** Signing keys per (credentials, date, region, service); a process-wide cache by default. */
  signingKeyCache?: SigningKeyCache;
}

/** Headers `@smithy/signature-v4` never signs (it still sends them). */
const UNSIGNABLE: ReadonlySet<string> = new Set([
  'authorization',
  'cache-control',
  'connection',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

/** Headers the signer generates: any the request brings are dropped first. */
const GENERATED: ReadonlySet<string> = new Set(['authorization', 'x-amz-date', 'date']);

const signingKeys = new SigningKeyCache(256);

/** The ISO 8601 basic timestamp of the current second, formatted once per second. */
let lastSecond = -1;
let lastLongDate = '';
function longDateOf(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    const iso = new Date(second * 1000).toISOString(); // 2026-11-29T10:00:00.000Z
    lastLongDate = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
    lastSecond = second;
  }
  return lastLongDate;
}

function isUnsignable(name: string): boolean {
  return UNSIGNABLE.has(name) || name.startsWith('proxy-') || name.startsWith('sec-');
}

/**
 * A header value as smithy canonicalises it: line breaks become spaces, runs of spaces and tabs
 * collapse to one space, then one leading and one trailing space go. Values that need none of
 * it (nearly all) are returned as they are, without running the regular expressions.
 */
function canonicalValue(value: string): string {
  const n = value.length;
  let clean = n === 0 || (value.charCodeAt(0) !== 0x20 && value.charCodeAt(n - 1) !== 0x20);
  for (let i = 0; clean && i < n; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || c === 0x09 || (c === 0x20 && value.charCodeAt(i + 1) === 0x20)) {
      clean = false;
    }
  }
  if (clean) return value;
  return value
    .replace(/[\r\n]/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ | $/g, '');
}

/**
 * The canonical URI of a non-S3 request as smithy builds it: empty and `.` segments dropped, `..`
 * removing the segment before, the leading and trailing `/` kept, then encoded once more.
 */
function escapedPath(path: string): string {
  let normalized = path;
  if (path.charCodeAt(0) !== 0x2f || path.indexOf('//') >= 0 || path.indexOf('/.') >= 0) {
    const segments: string[] = [];
    for (const segment of path.split('/')) {
      if (segment === '' || segment === '.') continue;
      if (segment === '..') segments.pop();
      else segments.push(segment);
    }
    normalized =
      `${path.startsWith('/') ? '/' : ''}${segments.join('/')}` +
      (segments.length > 0 && path.endsWith('/') ? '/' : '');
  }
  return uriEncode(normalized, true);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorted by encoded name, then by encoded value; `X-Amz-Signature` is never signed. */
function canonicalQueryOf(query: readonly (readonly [string, string])[] | undefined): string {
  if (query === undefined || query.length === 0) return '';
  const pairs: [string, string][] = [];
  for (const [name, value] of query) {
    if (name.toLowerCase() === 'x-amz-signature') continue;
    pairs.push([uriEncode(name, false), uriEncode(value, false)]);
  }
  if (pairs.length > 1) pairs.sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]));
  let out = '';
  for (let i = 0; i < pairs.length; i++) out += `${i === 0 ? '' : '&'}${pairs[i]![0]}=${pairs[i]![1]}`;
  return out;
}

/**
 * Signs `request` and returns the headers to send: the request's own (minus any `authorization`,
 * `x-amz-date` and `date`), then `x-amz-date`, `x-amz-security-token` (with a session token)
 * and `authorization`.
 *
 * @example
 * const headers = signRequest(
 *   { method: 'GET', path: '/bucket/key', headers: { host: '127.0.0.1:5000', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } },
 *   { credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, region: 'us-east-1', service: 's3', uriEscapePath: false },
 * );
 * headers.authorization; // 'AWS4-HMAC-SHA256 Credential=test/20261129/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=…'
 */
export function signRequest(request: RequestToSign, options: SignOptions): Record<string, string> {
  const { credentials, region, service } = options;
  const longDate = longDateOf(options.now ?? Date.now());
  const shortDate = longDate.slice(0, 8);

  const headers: Record<string, string> = {};
  let payloadHash: string | undefined;
  for (const name in request.headers) {
    const value = request.headers[name];
    if (value === undefined || value === null) continue;
    const lower = name.toLowerCase();
    if (GENERATED.has(lower)) continue;
    headers[name] = value;
    if (payloadHash === undefined && lower === 'x-amz-content-sha256') payloadHash = value;
  }
  headers['x-amz-date'] = longDate;
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;

  // Canonical headers: lower-cased names sorted; a later original name wins a case collision.
  const names = Object.keys(headers).sort();
  const canonical = new Map<string, string>();
  for (const name of names) {
    const lower = name.toLowerCase();
    if (isUnsignable(lower)) continue;
    canonical.set(lower, canonicalValue(headers[name]!));
  }
  const signed = [...canonical.keys()].sort();
  let headerBlock = '';
  for (const name of signed) headerBlock += `${name}:${canonical.get(name)!}\n`;
  const signedHeaders = signed.join(';');

  const canonicalRequest =
    `${request.method}\n${options.uriEscapePath ? escapedPath(request.path) : request.path}\n` +
    `${canonicalQueryOf(request.query)}\n${headerBlock}\n${signedHeaders}\n` +
    (payloadHash ?? request.payloadHash ?? EMPTY_SHA256);
  const scope = `${shortDate}/${region}/${service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${longDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  const key = (options.signingKeyCache ?? signingKeys).get(
    credentials.secretAccessKey,
    shortDate,
    region,
    service,
    credentials,
  );
  headers.authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${hmacHex(key, stringToSign)}`;
  return headers;
}

/** A client request with its whole body in hand (credplane's own admin and Query calls). */
export interface BodyRequestToSign {
  method: string;
  /** `http://127.0.0.1:7300/credplane/ecs/run-task`; its query, if any, is signed too. */
  url: URL;
  body: string;
  contentType: string;
}

/**
 * {@link signRequest} for a request whose body is known: signs `content-type`, `host` and
 * `x-amz-content-sha256` (the body's hash) and returns the headers to send.
 *
 * @example
 * const headers = signBodyRequest(
 *   { method: 'POST', url: new URL('http://127.0.0.1:7300/'), body, contentType: 'application/x-www-form-urlencoded; charset=utf-8' },
 *   credentials, 'us-east-1', 'iam',
 * );
 */
export function signBodyRequest(
  request: BodyRequestToSign,
  credentials: SigningCredentials,
  region: string,
  service: string,
  now?: number,
): Record<string, string> {
  const query: [string, string][] = [...request.url.searchParams];
  return signRequest(
    {
      method: request.method,
      path: request.url.pathname,
      query,
      headers: {
        'content-type': request.contentType,
        host: request.url.host,
        'x-amz-content-sha256': sha256Hex(request.body),
      },
    },
    // S3 signs the path as sent; every other service encodes it once more (Signature Version 4
    // signing process, "Create a canonical request").
    { credentials, region, service, uriEscapePath: service !== 's3', ...(now === undefined ? {} : { now }) },
  );
}
