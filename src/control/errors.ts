import { AwsError } from '../errors.js';

/** `AccessDenied` (403) with AWS's message form, built by the authorizer from a decision. */
export class AccessDeniedError extends AwsError {
  constructor(message: string) {
    super('AccessDenied', message, { status: 403 });
  }
}
