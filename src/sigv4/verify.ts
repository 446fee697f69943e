/**
 * SigV4 request verification: the one entry point services call.
 *
 * Order of checks (and so of errors): authentication present → parameters well formed → scope
 * (date, region, service) → time window → credential lookup → signature → payload hash.
 */
import { AwsError } from '../errors.js';
import { formatAmzDate, parseAmzDate, parseHttpDate } from './amz-date.js';
import { buildCanonicalRequest, MissingSignedHeaderError, parseRawQuery, splitTarget } from './canonical.js';
import {
  quote,
  S3_SIGNATURE_MISMATCH_MESSAGE,
  SIGNATURE_MISMATCH_MESSAGE,
  SignatureDoesNotMatchError,
  SignatureError,
} from './errors.js';
import { constantTimeEqual, EMPTY_SHA256, hmacHex, sha256Hex } from './hash.js';
import {
  ALGORITHM,
  hasLegacySignature,
  hasPresignParameters,
  parseAuthorizationHeader,
  parsePresignedQuery,
  SIGV4_REQUIRED_MESSAGE,
  type AuthParameters,
} from './parse-authorization.js';
import { collectHeaders, headerValue, type HeaderMap } from './request-headers.js';
import { defaultSigningKeyCache } from './signing-key.js';
import type { ResolvedCredential, SignedRequest, VerifiedCaller, VerifyOptions } from './types.js';
import { UriEncodingError } from './uri-encode.js';

/** The non-hex values S3 accepts in `x-amz-content-sha256`. */
export const S3_PAYLOAD_LITERALS: ReadonlySet<string> = new Set([
  'UNSIGNED-PAYLOAD',
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER',
]);

const DEFAULT_SKEW_SECONDS = 300;
const DEFAULT_S3_SKEW_SECONDS = 900;

function isSha256Hex(value: string): boolean {
  if (value.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = value.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

function accepts(allowed: string | readonly string[] | undefined, value: string): boolean {
  if (allowed === undefined) return true;
  return typeof allowed === 'string' ? allowed === value : allowed.includes(value);
}

function onlyS3(service: string | readonly string[] | undefined): boolean {
  if (service === undefined) return false;
  return typeof service === 'string'
    ? service === 's3'
    : service.length > 0 && service.every((s) => s === 's3');
}

function firstOf(allowed: string | readonly string[] | undefined): string {
  return typeof allowed === 'string' ? allowed : (allowed?.[0] ?? '');
}

/** Checks that the credential scope names our date, region and service. */
function checkScope(
  auth: AuthParameters,
  amzDate: string,
  options: VerifyOptions<ResolvedCredential>,
  s3: boolean,
) {
  const { date, region, service } = auth.credential;
  if (date !== amzDate.slice(0, 8)) {
    const message = `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${quote(date)}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`;
    throw s3
      ? new SignatureError(
          auth.presigned ? 'AuthorizationQueryParametersError' : 'AuthorizationHeaderMalformed',
          auth.presigned ? message : `The authorization header is malformed; ${message}`,
        )
      : new SignatureDoesNotMatchError(message);
  }
  if (!accepts(options.region, region)) {
    throw s3
      ? new SignatureError(
          auth.presigned ? 'AuthorizationQueryParametersError' : 'AuthorizationHeaderMalformed',
          `${auth.presigned ? 'Error parsing the X-Amz-Credential parameter;' : 'The authorization header is malformed;'} the region '${quote(region)}' is wrong; expecting '${quote(firstOf(options.region))}'`,
        )
      : new SignatureDoesNotMatchError(
          `Credential should be scoped to a valid region, not '${quote(region)}'. `,
        );
  }
  if (!accepts(options.service, service)) {
    throw s3
      ? new SignatureError(
          auth.presigned ? 'AuthorizationQueryParametersError' : 'AuthorizationHeaderMalformed',
          `${auth.presigned ? 'Error parsing the X-Amz-Credential parameter;' : 'The authorization header is malformed;'} incorrect service '${quote(service)}'. This endpoint belongs to '${quote(firstOf(options.service))}'.`,
        )
      : new SignatureDoesNotMatchError(
          `Credential should be scoped to correct service: '${quote(firstOf(options.service))}'. `,
        );
  }
}

/** Rejects a request outside the allowed clock window (or past its presigned expiry). */
function checkTime(
  auth: AuthParameters,
  requestMs: number,
  nowMs: number,
  skewSeconds: number,
  s3: boolean,
  skewErrorCode: 'RequestExpired' | 'SignatureDoesNotMatch' = 'RequestExpired',
): void {
  const skewMs = skewSeconds * 1000;
  if (auth.presigned) {
    if (nowMs > requestMs + auth.expiresSeconds! * 1000) {
      throw s3
        ? new SignatureError('AccessDenied', 'Request has expired')
        : new SignatureError('RequestExpired', 'Request has expired.');
    }
    if (requestMs - nowMs > skewMs) {
      throw s3
        ? new SignatureError(
            'RequestTimeTooSkewed',
            'The difference between the request time and the current time is too large.',
          )
        : new SignatureError(
            'RequestExpired',
            `Signature not yet current: ${formatAmzDate(requestMs)} is still later than ${formatAmzDate(nowMs + skewMs)} (${formatAmzDate(nowMs)} + ${skewSeconds / 60} min.)`,
          );
    }
    return;
  }
  if (Math.abs(nowMs - requestMs) <= skewMs) return;
  const amz = formatAmzDate(requestMs);
  if (s3) {
    throw new SignatureError(
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
    );
  }
  throw new SignatureError(
    skewErrorCode,
    nowMs > requestMs
      ? `Signature expired: ${amz} is now earlier than ${formatAmzDate(nowMs - skewMs)} (${formatAmzDate(nowMs)} - ${skewSeconds / 60} min.)`
      : `Signature not yet current: ${amz} is still later than ${formatAmzDate(nowMs + skewMs)} (${formatAmzDate(nowMs)} + ${skewSeconds / 60} min.)`,
  );
}

/** The request timestamp: `X-Amz-Date` (query when presigned, else header), else the `Date` header. */
function requestTimestamp(
  auth: AuthParameters,
  headers: HeaderMap,
  s3: boolean,
): { amzDate: string; ms: number } {
  if (auth.presigned) {
    const ms = parseAmzDate(auth.amzDate!);
    if (ms === undefined) {
      throw new SignatureError(
        s3 ? 'AuthorizationQueryParametersError' : 'IncompleteSignature',
        `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`,
      );
    }
    return { amzDate: auth.amzDate!, ms };
  }
  const amz = headerValue(headers, 'x-amz-date');
  if (amz !== undefined) {
    const ms = parseAmzDate(amz);
    if (ms === undefined) {
      throw s3
        ? new SignatureError('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header')
        : // The value is not echoed: a misplaced header could carry a token into logs.
          new SignatureError(
            'IncompleteSignature',
            `X-Amz-Date must be in ISO-8601 'basic format' (yyyyMMdd'T'HHmmss'Z').`,
          );
    }
    return { amzDate: amz, ms };
  }
  const date = headerValue(headers, 'date');
  const ms = date === undefined ? undefined : parseHttpDate(date);
  if (ms === undefined) {
    throw s3
      ? new SignatureError('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header')
      : new SignatureError(
          'IncompleteSignature',
          "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        );
  }
  return { amzDate: formatAmzDate(ms), ms };
}

function bodyHash(body: Uint8Array | string): string {
  return sha256Hex(body);
}

/** The payload hash the signer used: S3 reads `x-amz-content-sha256`; other services hash the body. */
function signedPayloadHash(
  request: SignedRequest,
  headers: HeaderMap,
  auth: AuthParameters,
  s3: boolean,
): string {
  if (s3) {
    const declared = headerValue(headers, 'x-amz-content-sha256');
    if (declared === undefined) {
      if (auth.presigned) return 'UNSIGNED-PAYLOAD';
      throw new SignatureError(
        'InvalidRequest',
        'Missing required header for this request: x-amz-content-sha256',
      );
    }
    if (!isSha256Hex(declared) && !S3_PAYLOAD_LITERALS.has(declared)) {
      throw new SignatureError(
        'InvalidArgument',
        `x-amz-content-sha256 must be ${[...S3_PAYLOAD_LITERALS].join(', ')} or a valid sha256 value.`,
      );
    }
    return declared;
  }
  if (request.payloadHash !== undefined) return request.payloadHash;
  if (request.body !== undefined) return bodyHash(request.body);
  return headerValue(headers, 'x-amz-content-sha256') ?? EMPTY_SHA256;
}

/** After the signature verified: the body the caller holds must be the one that was signed. */
function checkPayload(request: SignedRequest, payloadHash: string, s3: boolean): void {
  if (s3) {
    if (!isSha256Hex(payloadHash)) return;
    const actual =
      request.body !== undefined
        ? bodyHash(request.body)
        : request.payloadHash !== undefined
          ? request.payloadHash
          : undefined;
    if (actual !== undefined && actual !== payloadHash) {
      throw new SignatureError(
        'XAmzContentSHA256Mismatch',
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
      );
    }
    return;
  }
  if (
    request.body !== undefined &&
    request.payloadHash !== undefined &&
    bodyHash(request.body) !== payloadHash
  ) {
    throw new SignatureDoesNotMatchError(SIGNATURE_MISMATCH_MESSAGE);
  }
}

function verifyUnchecked<C extends ResolvedCredential>(
  request: SignedRequest,
  options: VerifyOptions<C>,
): VerifiedCaller<C> {
  const headers = collectHeaders(request.headers);
  const { path, query } = splitTarget(String(request.url));
  const params = parseRawQuery(query);
  const authorization = headerValue(headers, 'authorization');
  const presigned = hasPresignParameters(params);
  const s3Hint = options.s3 ?? onlyS3(options.service);

  // credplane verifies SigV4 only: a SigV2 request gets the service's word for "use SigV4", not
  // a missing-token or malformed-header error that sends its author looking in the wrong place.
  if (!presigned && hasLegacySignature(authorization, params)) {
    throw new SignatureError(s3Hint ? 'InvalidRequest' : 'IncompleteSignature', SIGV4_REQUIRED_MESSAGE);
  }
  if (authorization === undefined && !presigned) {
    throw new SignatureError('MissingAuthenticationToken', 'Request is missing Authentication Token');
  }
  if (authorization !== undefined && presigned) {
    throw new SignatureError(
      s3Hint ? 'InvalidArgument' : 'IncompleteSignature',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified',
    );
  }
  const auth = presigned
    ? parsePresignedQuery(params, s3Hint)
    : parseAuthorizationHeader(authorization!, s3Hint);
  const s3 = options.s3 ?? auth.credential.service === 's3';
  if (!auth.signedHeaderNames.includes('host') && !auth.signedHeaderNames.includes(':authority')) {
    const message = `'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.`;
    throw s3
      ? new SignatureError(
          presigned ? 'AuthorizationQueryParametersError' : 'AuthorizationHeaderMalformed',
          message,
        )
      : new SignatureError('IncompleteSignature', message);
  }
  const time = requestTimestamp(auth, headers, s3);
  checkScope(auth, time.amzDate, options as VerifyOptions<ResolvedCredential>, s3);
  const payloadHash = signedPayloadHash(request, headers, auth, s3);

  const skew = options.maxSkewSeconds ?? (s3 ? DEFAULT_S3_SKEW_SECONDS : DEFAULT_SKEW_SECONDS);
  checkTime(auth, time.ms, (options.now ?? Date.now)(), skew, s3, options.skewErrorCode);

  // The token may be signed or appended after signing (post-sts-header-after): read it either way.
  const sessionToken = presigned ? auth.sessionToken : headerValue(headers, 'x-amz-security-token');
  const { accessKeyId, date, region, service } = auth.credential;
  const credential = options.lookup(accessKeyId, sessionToken);
  if (
    credential === null ||
    typeof credential !== 'object' ||
    typeof credential.secretAccessKey !== 'string'
  ) {
    throw new AwsError('InternalFailure', 'The credential lookup returned no secret.', { status: 500 });
  }

  let canonicalRequest: string;
  try {
    canonicalRequest = buildCanonicalRequest({
      method: String(request.method),
      path,
      query: params,
      headers,
      signedHeaders: auth.signedHeaders,
      signedHeaderNames: auth.signedHeaderNames,
      payloadHash,
      s3,
      presigned,
    });
  } catch (error) {
    if (error instanceof UriEncodingError || error instanceof MissingSignedHeaderError) {
      throw new SignatureDoesNotMatchError(s3 ? S3_SIGNATURE_MISMATCH_MESSAGE : SIGNATURE_MISMATCH_MESSAGE);
    }
    throw error;
  }
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${time.amzDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  const key = (options.signingKeyCache ?? defaultSigningKeyCache).get(
    credential.secretAccessKey,
    date,
    region,
    service,
    credential,
  );
  if (!constantTimeEqual(hmacHex(key, stringToSign), auth.signature)) {
    throw new SignatureDoesNotMatchError(s3 ? S3_SIGNATURE_MISMATCH_MESSAGE : SIGNATURE_MISMATCH_MESSAGE, {
      canonicalRequest,
      stringToSign,
    });
  }
  checkPayload(request, payloadHash, s3);

  return {
    accessKeyId,
    ...(sessionToken === undefined ? {} : { sessionToken }),
    credential,
    region,
    service,
    signedHeaders: auth.signedHeaderNames,
    requestTime: new Date(time.ms),
    presigned,
    payloadHash,
  };
}

/**
 * Verifies a SigV4-signed request (Authorization header or presigned URL) and returns its caller.
 * Throws a `SignatureError` (or the lookup's `AwsError`) carrying the AWS error code; never
 * anything else.
 *
 * @example
 * const caller = verifyRequest(
 *   { method: req.method, url: req.url, headers: req.rawHeaders, body },
 *   { lookup: (akid, token) => credentials.resolve(akid, token), service: 'sts' },
 * );
 */
export function verifyRequest<C extends ResolvedCredential>(
  request: SignedRequest,
  options: VerifyOptions<C>,
): VerifiedCaller<C> {
  try {
    return verifyUnchecked(request, options);
  } catch (error) {
    if (error instanceof AwsError) throw error;
    // A bug here or in the lookup must still reach the client as an AWS-shaped 500.
    throw new AwsError('InternalFailure', 'The request processing has failed because of an unknown error.', {
      status: 500,
      cause: error,
    });
  }
}
