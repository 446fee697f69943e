/**
 * The errors SigV4 verification answers with, carrying AWS's codes, statuses and message shapes (IAM User
 * Guide, Troubleshoot signing errors; the services' Common Errors pages). Services render them in their
 * protocol's wire shape; nothing here knows a protocol. Messages never contain a secret access key or a
 * session token.
 */
import { AwsError, type AwsErrorOptions } from '../errors.js';

export type SignatureErrorCode =
  | 'MissingAuthenticationToken'
  | 'IncompleteSignature'
  | 'InvalidClientTokenId'
  | 'SignatureDoesNotMatch'
  | 'RequestExpired'
  | 'ExpiredToken'
  | 'AuthorizationHeaderMalformed'
  | 'AuthorizationQueryParametersError'
  | 'RequestTimeTooSkewed'
  | 'XAmzContentSHA256Mismatch'
  | 'AccessDenied'
  | 'InvalidRequest'
  | 'InvalidArgument';

const STATUS: Record<SignatureErrorCode, number> = {
  MissingAuthenticationToken: 403,
  IncompleteSignature: 400,
  InvalidClientTokenId: 403,
  SignatureDoesNotMatch: 403,
  RequestExpired: 400,
  ExpiredToken: 403,
  AuthorizationHeaderMalformed: 400,
  AuthorizationQueryParametersError: 400,
  RequestTimeTooSkewed: 403,
  XAmzContentSHA256Mismatch: 400,
  AccessDenied: 403,
  InvalidRequest: 400,
  InvalidArgument: 400,
};

/** Any failure to authenticate a SigV4 request. `code` is the AWS error code to answer with. */
export class SignatureError extends AwsError {
  declare readonly code: SignatureErrorCode;

  constructor(code: SignatureErrorCode, message: string, options: Omit<AwsErrorOptions, 'status'> = {}) {
    super(code, message, { ...options, status: STATUS[code] });
  }
}

/**
 * The signature did not verify. Carries what the server computed, as S3 reports it in its error
 * body (`<CanonicalRequest>`, `<StringToSign>`); neither contains a secret.
 */
export class SignatureDoesNotMatchError extends SignatureError {
  readonly canonicalRequest: string | undefined;
  readonly stringToSign: string | undefined;

  constructor(message: string, details: { canonicalRequest?: string; stringToSign?: string } = {}) {
    super('SignatureDoesNotMatch', message);
    this.canonicalRequest = details.canonicalRequest;
    this.stringToSign = details.stringToSign;
  }
}

/** For credential lookups: the access key id (or session token) is unknown or invalid. */
export class InvalidClientTokenIdError extends SignatureError {
  constructor(message = 'The security token included in the request is invalid.') {
    super('InvalidClientTokenId', message);
  }
}

/** For credential lookups: the session token has expired. */
export class ExpiredTokenError extends SignatureError {
  constructor(message = 'The security token included in the request is expired') {
    super('ExpiredToken', message);
  }
}

export const SIGNATURE_MISMATCH_MESSAGE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
export const S3_SIGNATURE_MISMATCH_MESSAGE =
  'The request signature we calculated does not match the signature you provided. Check your key and signing method.';

/** Longest excerpt of client input quoted back in a message; keeps giant headers out of logs. */
const MAX_QUOTE = 256;

/** Quotes client-supplied text in a message, shortened and stripped of control characters. */
export function quote(text: string): string {
  const short = text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}...` : text;
  let out = '';
  for (let i = 0; i < short.length; i++) {
    const c = short.charCodeAt(i);
    out += c < 0x20 || c === 0x7f ? '?' : short[i];
  }
  return out;
}
