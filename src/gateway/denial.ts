/**
 * Errors in each service's own wire shape, so that the unmodified SDK of that service parses them:
 * S3's `<Error>` document, the Query protocol's `<ErrorResponse>`, the JSON protocols' `__type`
 * with `x-amzn-ErrorType` (and SQS's `x-amzn-query-error`, which its query-compatible SDKs read
 * first). The code and status of a denial differ per service, as on AWS (SNS says
 * `AuthorizationError`; JSON 1.x services answer 400, REST ones 403).
 */
import { AwsError } from '../errors.js';
import { escapeXml, queryError } from '../protocol/xml.js';
import type { ApiResponse } from '../http/types.js';
import type { AwsProtocol } from './types.js';

/** What decides an error's shape: the mapper's protocol facts. */
export interface ErrorShape {
  /** The IAM service prefix. */
  service: string;
  protocol: AwsProtocol;
  /** JSON `__type` prefix or Query XML namespace (the mapper's `errorNamespace`). */
  errorNamespace?: string;
}

/** Denial code and status per service where they differ from the protocol's usual ones. */
const DENIAL: Record<string, { code: string; status: number }> = {
  s3: { code: 'AccessDenied', status: 403 },
  sns: { code: 'AuthorizationError', status: 403 },
  sqs: { code: 'AccessDenied', status: 403 },
  lambda: { code: 'AccessDeniedException', status: 403 },
};

/**
 * The service's access-denied error with `message` (AWS's "User: ... is not authorized ..." form).
 *
 * @example
 * accessDeniedError({ service: 'dynamodb', protocol: 'json' }, 'User: arn:... is not authorized ...');
 * // AwsError { code: 'AccessDeniedException', status: 400 }
 */
export function accessDeniedError(shape: ErrorShape, message: string): AwsError {
  const known = DENIAL[shape.service];
  if (known !== undefined) return new AwsError(known.code, message, { status: known.status });
  if (shape.protocol === 'json') return new AwsError('AccessDeniedException', message, { status: 400 });
  if (shape.protocol === 'rest-json') return new AwsError('AccessDeniedException', message, { status: 403 });
  return new AwsError('AccessDenied', message, { status: 403 });
}

/**
 * The code of a retryable 503 as each protocol's clients name it, "unavailable" or "throttled"
 * (`throttled`: the access log's queue is full, a request rate the caller should lower).
 *
 * Both SDKs retry every 503 whatever its code (botocore `retries/standard.py` transient status
 * codes 500/502/503/504, and `_retry.json`'s `service_unavailable` rule in legacy mode; the JS SDK's
 * `TRANSIENT_ERROR_STATUS_CODES`); a throttling code (in both SDKs' throttling lists) also gets the
 * throttling back-off. The names are those the protocols' models use: S3 `ServiceUnavailable` and
 * `SlowDown`; Query `ServiceUnavailable` and `Throttling`; SQS, query-compatible on JSON too,
 * `ServiceUnavailable` and `RequestThrottled`; the JSON and REST-JSON services
 * `ServiceUnavailableException` (the name of every JSON service model that declares the error in
 * botocore's data, 44 of 47) and `ThrottlingException`.
 */
export function unavailableCode(shape: ErrorShape, throttled: boolean): string {
  if (shape.service === 's3') return throttled ? 'SlowDown' : 'ServiceUnavailable';
  if (shape.service === 'sqs') return throttled ? 'RequestThrottled' : 'ServiceUnavailable';
  if (shape.protocol === 'query') return throttled ? 'Throttling' : 'ServiceUnavailable';
  return throttled ? 'ThrottlingException' : 'ServiceUnavailableException';
}

/** The backend is missing, unreachable or silent, or the access log cannot take the event. */
export function unavailableError(shape: ErrorShape, message: string, slowDown = false): AwsError {
  return new AwsError(unavailableCode(shape, slowDown), message, { status: 503 });
}

/**
 * A 503 raised outside the gateway with the Query names (a store that lost its database,
 * `store/database-errors.ts`; the resolver's backend) renamed for the protocol; anything else as
 * it is.
 */
function inProtocolNames(shape: ErrorShape, error: AwsError): AwsError {
  if (error.status !== 503) return error;
  const throttled = error.code === 'SlowDown' || error.code === 'Throttling';
  if (!throttled && error.code !== 'ServiceUnavailable') return error;
  const code = unavailableCode(shape, throttled);
  return code === error.code ? error : new AwsError(code, error.message, { status: 503, cause: error });
}

/**
 * SigV4 failures carry the Query codes (`SignatureDoesNotMatch`, `InvalidClientTokenId`, ...), which
 * the Query services (SNS, and SQS in both its protocols, whose SDKs are query-compatible) answer
 * as they are; the JSON services name the same failures differently, with status 400 (JSON 1.x) or
 * 403 (REST), and S3 its own way (`S3_AUTH_ERRORS`).
 */
const JSON_AUTH_CODES: Record<string, string> = {
  SignatureDoesNotMatch: 'InvalidSignatureException',
  InvalidClientTokenId: 'UnrecognizedClientException',
  RequestExpired: 'InvalidSignatureException',
  IncompleteSignature: 'IncompleteSignatureException',
  MissingAuthenticationToken: 'MissingAuthenticationTokenException',
  ExpiredToken: 'ExpiredTokenException',
};

/**
 * The same failures as S3 names them (S3 API Reference, Error responses; the messages are those S3
 * sends): an access key id it does not know is `InvalidAccessKeyId` (403), an expired session
 * token `ExpiredToken` with 400. credplane's lookup
 * answers one `InvalidClientTokenId` for an unknown key and for an unusable session token alike (so
 * that nothing can be probed), so a bad session token is `InvalidAccessKeyId` here too, where S3
 * would say `InvalidToken` (400). `SignatureDoesNotMatch` and the S3-only verifier codes
 * (`RequestTimeTooSkewed`, `AuthorizationHeaderMalformed`, ...) already carry S3's names.
 */
const S3_AUTH_ERRORS: Record<string, { code: string; status: number; message: string }> = {
  InvalidClientTokenId: {
    code: 'InvalidAccessKeyId',
    status: 403,
    message: 'The AWS Access Key Id you provided does not exist in our records.',
  },
  ExpiredToken: { code: 'ExpiredToken', status: 400, message: 'The provided token has expired.' },
};

function s3Error(error: AwsError): { code: string; status: number; message: string } {
  return S3_AUTH_ERRORS[error.code] ?? { code: error.code, status: error.status, message: error.message };
}

function jsonError(shape: ErrorShape, error: AwsError): { code: string; status: number } {
  if (shape.service === 'sqs') return { code: error.code, status: error.status };
  const renamed = JSON_AUTH_CODES[error.code];
  if (renamed === undefined) return { code: error.code, status: error.status };
  return { code: renamed, status: shape.protocol === 'json' ? 400 : 403 };
}

/**
 * `error` as the service answers it; `contentType` is the request's (JSON 1.0 and 1.1 echo it).
 *
 * @example
 * serviceErrorResponse({ service: 's3', protocol: 'rest-xml' }, new AwsError('AccessDenied', 'no', { status: 403 }), id);
 */
export function serviceErrorResponse(
  shape: ErrorShape,
  raised: AwsError,
  requestId: string,
  contentType?: string,
): ApiResponse {
  const error = inProtocolNames(shape, raised);
  switch (shape.protocol) {
    case 'rest-xml': {
      const { code, status, message } = s3Error(error);
      return {
        status,
        headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
        body:
          `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(code)}</Code>` +
          `<Message>${escapeXml(message)}</Message><RequestId>${requestId}</RequestId></Error>`,
      };
    }
    case 'query':
      return queryError(error, shape.errorNamespace ?? '', requestId);
    case 'json':
    case 'rest-json': {
      const { code, status } = jsonError(shape, error);
      const headers: Record<string, string> = {
        'content-type':
          shape.protocol === 'json'
            ? contentType?.startsWith('application/x-amz-json-')
              ? contentType
              : 'application/x-amz-json-1.1'
            : 'application/json',
        'x-amzn-requestid': requestId,
        'x-amzn-errortype': code,
      };
      // SQS's SDKs are query-compatible: this header, not `__type`, names the error for them.
      if (shape.service === 'sqs') headers['x-amzn-query-error'] = `${code};${error.type}`;
      const messageKey = shape.protocol === 'rest-json' ? 'Message' : 'message';
      return {
        status,
        headers,
        body: JSON.stringify({ __type: `${shape.errorNamespace ?? ''}${code}`, [messageKey]: error.message }),
      };
    }
  }
}
