/**
 * `credplane/sigv4`: AWS Signature Version 4 request verification.
 *
 * @example
 * import { verifyRequest } from 'credplane/sigv4';
 * const caller = verifyRequest({ method, url, headers: rawHeaders, body }, { lookup, service: 'sts' });
 */
export { verifyRequest, S3_PAYLOAD_LITERALS } from './verify.js';
export type {
  CredentialLookup,
  RequestHeaders,
  ResolvedCredential,
  SignedRequest,
  VerifiedCaller,
  VerifyOptions,
} from './types.js';
export {
  ExpiredTokenError,
  InvalidClientTokenIdError,
  SignatureDoesNotMatchError,
  SignatureError,
  type SignatureErrorCode,
} from './errors.js';
export {
  buildCanonicalRequest,
  canonicalHeaderValue,
  canonicalQuery,
  canonicalUri,
  normalizePath,
  parseRawQuery,
  splitTarget,
} from './canonical.js';
export { collectHeaders } from './request-headers.js';
export { parseAuthorizationHeader, parsePresignedQuery, type AuthParameters } from './parse-authorization.js';
export { deriveSigningKey, SigningKeyCache, defaultSigningKeyCache } from './signing-key.js';
export { formatAmzDate, parseAmzDate, parseHttpDate } from './amz-date.js';
