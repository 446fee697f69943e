/**
 * The errors the crypto library throws. Messages are fixed strings: they never echo the input,
 * so no token, secret or key material can leak through an error message or a log line.
 */
import { AwsError } from '../errors.js';

/** The message STS and the other AWS services answer with for an unusable session token. */
export const INVALID_TOKEN_MESSAGE = 'The security token included in the request is invalid.';
/** The message observed for an expired signing token (pulumi-aws issue #3866). */
export const EXPIRED_TOKEN_MESSAGE = 'The security token included in the request is expired';

/**
 * `InvalidClientTokenId` (403): the token or access key id is malformed, was sealed with a key
 * the ring does not hold, was tampered with, or belongs to another access key id. Deliberately
 * one message for all causes so that a caller cannot probe which check failed.
 */
export class InvalidClientTokenIdError extends AwsError {
  constructor() {
    super('InvalidClientTokenId', INVALID_TOKEN_MESSAGE, { status: 403 });
  }
}

/** `ExpiredToken` (403): an authentic session token whose expiry has passed. */
export class ExpiredTokenError extends AwsError {
  constructor() {
    super('ExpiredToken', EXPIRED_TOKEN_MESSAGE, { status: 403 });
  }
}

/**
 * A server-side failure to open data the server sealed itself (key ring blob, stored secret) or to
 * use a key it was given: wrong master key, corrupted storage, retired key. `InternalFailure`
 * (500) because the caller of an AWS API cannot fix it; the message says what to check.
 */
export class SealedDataError extends AwsError {
  constructor(message: string) {
    super('InternalFailure', message, { status: 500 });
  }
}

/**
 * The claims would make a token larger than `MAX_SESSION_TOKEN_LENGTH`. STS answers oversized
 * session policies and tags with `PackedPolicyTooLarge` (400), so the issuer does the same.
 */
export class PackedPolicyTooLargeError extends AwsError {
  constructor(percent: number) {
    super(
      'PackedPolicyTooLarge',
      `Packed policy consumes ${percent}% of allotted space, please use smaller policy.`,
      { status: 400 },
    );
  }
}
