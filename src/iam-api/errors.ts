/**
 * The IAM API's own error codes, beyond the entity errors of `src/iam/errors.ts`.
 */
import { AwsError } from '../errors.js';

/** `InvalidAction` (400): the `Action` names no operation of this API version. */
export class InvalidActionError extends AwsError {
  constructor(action: string, version: string) {
    super('InvalidAction', `Could not find operation ${action} for version ${version}`, { status: 400 });
  }
}

/** `MissingAction` (400): the request has no `Action` parameter. */
export class MissingActionError extends AwsError {
  constructor() {
    super('MissingAction', 'Missing Action', { status: 400 });
  }
}

/**
 * `MalformedPolicyDocument` (400) with IAM's plain message (no source location: IAM's messages
 * carry none, and SDK users match on them).
 */
export class MalformedPolicyDocument extends AwsError {
  constructor(message: string) {
    super('MalformedPolicyDocument', message, { status: 400 });
  }
}
