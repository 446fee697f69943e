/** The shapes a SigV4 verification takes in and gives back. */
import type { SigningKeyCache } from './signing-key.js';

/**
 * Request headers as received. Prefer arrival-ordered pairs (or node's flat `req.rawHeaders`)
 * so that repeated headers keep their order; a plain record is accepted for convenience, its
 * array values taken in order.
 */
export type RequestHeaders =
  | ReadonlyArray<readonly [string, string]>
  | readonly string[]
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** An HTTP request exactly as it arrived. */
export interface SignedRequest {
  /** `GET`, `POST`, ... as on the request line (case matters to the signature). */
  method: string;
  /** The request target as received: raw path plus `?query`, not decoded. */
  url: string;
  headers: RequestHeaders;
  /** The body, when the caller has it; its hash is checked against the signed payload hash. */
  body?: Uint8Array | string;
  /** Hex SHA-256 of the body (or an S3 literal), when the caller hashed it already. */
  payloadHash?: string;
}

/** What a credential lookup returns: the secret plus whatever the caller wants carried along. */
export interface ResolvedCredential {
  secretAccessKey: string;
  [claim: string]: unknown;
}

/**
 * Resolves an access key id (and the request's session token, if any) to its secret.
 * Synchronous: credplane derives secrets statelessly. Throws `InvalidClientTokenIdError` or
 * `ExpiredTokenError` (or another `AwsError`) itself.
 */
export type CredentialLookup<C extends ResolvedCredential = ResolvedCredential> = (
  accessKeyId: string,
  sessionToken: string | undefined,
) => C;

export interface VerifyOptions<C extends ResolvedCredential = ResolvedCredential> {
  lookup: CredentialLookup<C>;
  /** Clock in milliseconds since the epoch; `Date.now` by default. */
  now?: () => number;
  /** Regions the credential scope may name; any by default. */
  region?: string | readonly string[];
  /** Services the credential scope may name; any by default. */
  service?: string | readonly string[];
  /** Allowed clock difference; 900 s for S3, 300 s otherwise. */
  maxSkewSeconds?: number;
  /**
   * The error code for a header-signed (non-S3) request outside the clock window: `RequestExpired`
   * (400) by default; STS and IAM answer `SignatureDoesNotMatch` (403) with the same message.
   */
  skewErrorCode?: 'RequestExpired' | 'SignatureDoesNotMatch';
  /** S3 rules (single-encoded path, `x-amz-content-sha256`, S3 error codes); default: scope service is `s3`. */
  s3?: boolean;
  /** Signing-key cache; the process-wide one by default. */
  signingKeyCache?: SigningKeyCache;
}

/** The authenticated caller of a request whose signature verified. */
export interface VerifiedCaller<C extends ResolvedCredential = ResolvedCredential> {
  accessKeyId: string;
  sessionToken?: string;
  /** Whatever the lookup returned. */
  credential: C;
  region: string;
  service: string;
  /** Lowercase header names the signature covers, in the signer's order. */
  signedHeaders: string[];
  requestTime: Date;
  presigned: boolean;
  /** The payload hash the signature covers: hex SHA-256 or an S3 literal such as `UNSIGNED-PAYLOAD`. */
  payloadHash: string;
}
