/**
 * The STS error codes a web identity token can earn (AWS STS API Reference, AssumeRoleWithWebIdentity:
 * Errors). Each message says why, so that a refused pod can be fixed without reading credplane's source; none
 * ever quotes the token itself.
 */
import { AwsError } from '../errors.js';

/** `InvalidIdentityToken` (400): malformed, unknown issuer, wrong audience, bad signature. */
export class InvalidIdentityTokenError extends AwsError {
  constructor(message: string) {
    super('InvalidIdentityToken', message, { status: 400 });
  }
}

/** `ExpiredTokenException` (400): the web identity token's `exp` has passed. */
export class ExpiredWebIdentityTokenError extends AwsError {
  constructor(message: string) {
    super('ExpiredTokenException', message, { status: 400 });
  }
}

/** `IDPCommunicationError` (400): the issuer's discovery document or JWKS could not be fetched. */
export class IdpCommunicationError extends AwsError {
  constructor(message: string) {
    super('IDPCommunicationError', message, { status: 400 });
  }
}
