/**
 * Reads the SigV4 authentication parameters from either place a client may put them: the `Authorization`
 * header or the presigned-URL query (IAM User Guide, Elements of an AWS API request signature; Amazon S3 API
 * Reference, Authenticating Requests: Using Query Parameters). Any malformation is an `IncompleteSignature`
 * (S3: `AuthorizationHeaderMalformed` / `AuthorizationQueryParametersError`).
 */
import { quote, SignatureError } from './errors.js';
import { percentDecode, UriEncodingError } from './uri-encode.js';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
const TERMINATOR = 'aws4_request';
/** Longest Authorization value parsed at all; real ones are a few hundred bytes. */
const MAX_AUTHORIZATION_LENGTH = 16 * 1024;
/** Seven days, the SigV4 presign ceiling (Amazon S3 API Reference, Authenticating Requests: Using Query
 * Parameters, `X-Amz-Expires`). */
export const MAX_PRESIGN_EXPIRES = 604_800;

export interface CredentialScope {
  accessKeyId: string;
  /** `YYYYMMDD` */
  date: string;
  region: string;
  service: string;
}

/** The authentication parameters of a request, whichever form carried them. */
export interface AuthParameters {
  presigned: boolean;
  credential: CredentialScope;
  /** The `SignedHeaders` value exactly as sent (it is part of the canonical request). */
  signedHeaders: string;
  signedHeaderNames: string[];
  signature: string;
  /** Presigned only: the `X-Amz-Date` query value. */
  amzDate?: string;
  /** Presigned only: seconds of validity. */
  expiresSeconds?: number;
  /** Presigned only: the decoded `X-Amz-Security-Token` query value. */
  sessionToken?: string;
}

/** One `name=value` piece of the raw query, still encoded. */
export interface RawQueryParam {
  name: string;
  value: string;
}

function malformedHeader(s3: boolean, message: string): SignatureError {
  return s3
    ? new SignatureError('AuthorizationHeaderMalformed', `The authorization header is malformed; ${message}`)
    : new SignatureError('IncompleteSignature', message);
}

function malformedQuery(s3: boolean, message: string): SignatureError {
  return new SignatureError(s3 ? 'AuthorizationQueryParametersError' : 'IncompleteSignature', message);
}

/**
 * Splits `AK/20150830/us-east-1/service/aws4_request` into its parts.
 *
 * @example parseCredential('AK/20150830/us-east-1/sts/aws4_request').region // => 'us-east-1'
 */
export function parseCredential(value: string): CredentialScope | string {
  const s1 = value.indexOf('/');
  const s2 = value.indexOf('/', s1 + 1);
  const s3 = value.indexOf('/', s2 + 1);
  const s4 = value.indexOf('/', s3 + 1);
  if (
    s1 <= 0 ||
    s2 <= s1 + 1 ||
    s3 <= s2 + 1 ||
    s4 <= s3 + 1 ||
    s4 === value.length - 1 ||
    value.indexOf('/', s4 + 1) >= 0
  ) {
    return `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${quote(value)}'`;
  }
  const terminator = value.slice(s4 + 1);
  if (terminator !== TERMINATOR) {
    return `Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${quote(terminator)}'.`;
  }
  const date = value.slice(s1 + 1, s2);
  let digits = date.length === 8;
  for (let i = 0; digits && i < 8; i++) digits = date.charCodeAt(i) >= 0x30 && date.charCodeAt(i) <= 0x39;
  if (!digits)
    return `Invalid credential date "${quote(date)}". This date is not the same as X-Amz-Date: "YYYYMMDD".`;
  return {
    accessKeyId: value.slice(0, s1),
    date,
    region: value.slice(s2 + 1, s3),
    service: value.slice(s3 + 1, s4),
  };
}

/** SP or HTAB: HTTP's optional whitespace. */
function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** Splits `host;x-amz-date` into names; empty names make it malformed. */
function parseSignedHeaders(value: string): string[] | undefined {
  const names = value.split(';');
  for (const name of names) if (name.length === 0) return undefined;
  return names;
}

/**
 * Parses an `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...` value.
 *
 * @example
 * parseAuthorizationHeader('AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa0...', false)
 */
export function parseAuthorizationHeader(raw: string, s3: boolean): AuthParameters {
  if (raw.length > MAX_AUTHORIZATION_LENGTH)
    throw malformedHeader(s3, 'the Authorization header is too long.');
  // Optional whitespace around the field value and between the scheme and its parameters is not
  // part of either (RFC 9110 §5.5 and §11.4: credentials = auth-scheme [ 1*SP ... ]); a proxy that
  // adds some must not turn a valid signature into a malformed header.
  let first = 0;
  let last = raw.length;
  while (first < last && isOws(raw.charCodeAt(first))) first++;
  while (last > first && isOws(raw.charCodeAt(last - 1))) last--;
  const value = first === 0 && last === raw.length ? raw : raw.slice(first, last);
  let schemeEnd = 0;
  while (schemeEnd < value.length && !isOws(value.charCodeAt(schemeEnd))) schemeEnd++;
  const algorithm = value.slice(0, schemeEnd);
  let space = schemeEnd;
  while (space + 1 < value.length && isOws(value.charCodeAt(space + 1))) space++;
  if (algorithm !== ALGORITHM) {
    throw s3
      ? new SignatureError('InvalidArgument', `Unsupported Authorization Type`)
      : new SignatureError('IncompleteSignature', `Unsupported AWS 'algorithm': '${quote(algorithm)}'`);
  }
  // Hand-rolled: this runs on every request, so no Map, no split of the whole value.
  let credentialValue: string | undefined;
  let signedHeaders: string | undefined;
  let signature: string | undefined;
  let problems: string[] | undefined;
  let pieces = 0;
  for (let start = space + 1; start <= value.length;) {
    let end = value.indexOf(',', start);
    if (end < 0) end = value.length;
    // Signers separate with ", "; tolerate "," alone but nothing else (tabs, double spaces).
    const from = value.charCodeAt(start) === 0x20 ? start + 1 : start;
    const eq = value.indexOf('=', from);
    if (++pieces > 8) throw malformedHeader(s3, `too many parameters. Authorization=${quote(value)}`);
    if (eq < 0 || eq >= end || eq === from) {
      (problems ??= []).push(
        `'${quote(value.slice(from, end))}' not a valid key=value pair (missing equal-sign) in Authorization header`,
      );
    } else {
      const key = value.slice(from, eq);
      const field = value.slice(eq + 1, end);
      if (key === 'Credential' && credentialValue === undefined) credentialValue = field;
      else if (key === 'SignedHeaders' && signedHeaders === undefined) signedHeaders = field;
      else if (key === 'Signature' && signature === undefined) signature = field;
      else if (key === 'Credential' || key === 'SignedHeaders' || key === 'Signature') {
        (problems ??= []).push(`Authorization header has a duplicate '${key}' parameter`);
      } else {
        (problems ??= []).push(`'${quote(key)}' is not a valid Authorization parameter`);
      }
    }
    start = end + 1;
  }
  if (credentialValue === undefined)
    (problems ??= []).push(`Authorization header requires 'Credential' parameter.`);
  if (signedHeaders === undefined)
    (problems ??= []).push(`Authorization header requires 'SignedHeaders' parameter.`);
  if (signature === undefined) (problems ??= []).push(`Authorization header requires 'Signature' parameter.`);
  if (problems !== undefined)
    throw malformedHeader(s3, `${problems.join(' ')} Authorization=${quote(value)}`);
  const credential = parseCredential(credentialValue!);
  if (typeof credential === 'string') throw malformedHeader(s3, credential);
  const signedHeaderNames = parseSignedHeaders(signedHeaders!);
  if (signedHeaderNames === undefined) {
    throw malformedHeader(s3, `SignedHeaders '${quote(signedHeaders!)}' has an empty header name.`);
  }
  return {
    presigned: false,
    credential,
    signedHeaders: signedHeaders!,
    signedHeaderNames,
    signature: signature!,
  };
}

/** True when the query carries any SigV4 presign parameter. */
export function hasPresignParameters(params: readonly RawQueryParam[]): boolean {
  for (const p of params) {
    if (p.name === 'X-Amz-Algorithm' || p.name === 'X-Amz-Credential' || p.name === 'X-Amz-Signature')
      return true;
  }
  return false;
}

/**
 * Whether a request carries a Signature Version 2 (or older) signature rather than SigV4: S3's
 * `Authorization: AWS AKID:signature` or a query with `Signature` and `AWSAccessKeyId` (S3's
 * presigned URLs) or `SignatureVersion` (the Query services).
 */
export function hasLegacySignature(
  authorization: string | undefined,
  params: readonly RawQueryParam[],
): boolean {
  if (authorization !== undefined) return /^AWS [^\s:]+:/.test(authorization);
  let signature = false;
  let legacyName = false;
  for (const p of params) {
    if (p.name === 'Signature') signature = true;
    if (p.name === 'AWSAccessKeyId' || p.name === 'SignatureVersion') legacyName = true;
  }
  return signature && legacyName;
}

/** AWS's answer to a SigV2 request where SigV4 is required (S3 says it as `InvalidRequest`). */
export const SIGV4_REQUIRED_MESSAGE =
  'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.';

const REQUIRED_QUERY_MESSAGE =
  'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.';

/**
 * Reads the presigned-URL parameters (`X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`,
 * `X-Amz-Expires`, `X-Amz-SignedHeaders`, `X-Amz-Signature`, optional `X-Amz-Security-Token`).
 *
 * @example parsePresignedQuery(parseRawQuery('X-Amz-Algorithm=AWS4-HMAC-SHA256&...'), true)
 */
export function parsePresignedQuery(params: readonly RawQueryParam[], s3: boolean): AuthParameters {
  const found = new Map<string, string>();
  for (const p of params) {
    if (!p.name.startsWith('X-Amz-')) continue;
    if (found.has(p.name))
      throw malformedQuery(s3, `Query parameter '${quote(p.name)}' must not be repeated.`);
    let value: string;
    try {
      value = percentDecode(p.value);
    } catch (error) {
      if (error instanceof UriEncodingError) {
        throw malformedQuery(s3, `Query parameter '${quote(p.name)}' is not validly percent-encoded.`);
      }
      throw error;
    }
    found.set(p.name, value);
  }
  const algorithm = found.get('X-Amz-Algorithm');
  const credentialValue = found.get('X-Amz-Credential');
  const signature = found.get('X-Amz-Signature');
  const amzDate = found.get('X-Amz-Date');
  const signedHeaders = found.get('X-Amz-SignedHeaders');
  const expires = found.get('X-Amz-Expires');
  if (
    algorithm === undefined ||
    credentialValue === undefined ||
    signature === undefined ||
    amzDate === undefined ||
    signedHeaders === undefined ||
    expires === undefined
  ) {
    throw malformedQuery(s3, REQUIRED_QUERY_MESSAGE);
  }
  if (algorithm !== ALGORITHM) {
    throw malformedQuery(
      s3,
      s3
        ? `X-Amz-Algorithm only supports "${ALGORITHM}"`
        : `Unsupported AWS 'algorithm': '${quote(algorithm)}'`,
    );
  }
  const credential = parseCredential(credentialValue);
  if (typeof credential === 'string') throw malformedQuery(s3, credential);
  if (!/^\d{1,7}$/.test(expires)) {
    throw malformedQuery(s3, 'X-Amz-Expires should be a number');
  }
  const expiresSeconds = Number(expires);
  if (expiresSeconds < 1) throw malformedQuery(s3, 'X-Amz-Expires must be non-negative');
  if (expiresSeconds > MAX_PRESIGN_EXPIRES) {
    throw malformedQuery(
      s3,
      `X-Amz-Expires must be less than a week (in seconds) that is; ${MAX_PRESIGN_EXPIRES}`,
    );
  }
  const signedHeaderNames = parseSignedHeaders(signedHeaders);
  if (signedHeaderNames === undefined) {
    throw malformedQuery(s3, `X-Amz-SignedHeaders '${quote(signedHeaders)}' has an empty header name.`);
  }
  const sessionToken = found.get('X-Amz-Security-Token');
  return {
    presigned: true,
    credential,
    signedHeaders,
    signedHeaderNames,
    signature,
    amzDate,
    expiresSeconds,
    ...(sessionToken === undefined ? {} : { sessionToken }),
  };
}
