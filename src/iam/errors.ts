/**
 * IAM's entity error codes, shared by the model (`src/iam`) and the store (`src/store`).
 *
 * Codes and statuses are the ones IAM answers with on the Query protocol, so the API layer can
 * pass these through unchanged. Messages follow IAM's wording where it is known.
 */
import { AwsError, type AwsErrorOptions } from '../errors.js';

type Options = Omit<AwsErrorOptions, 'status'>;

/** `NoSuchEntity` (404): the named role, policy, profile, provider or attachment does not exist. */
export class NoSuchEntityError extends AwsError {
  constructor(message: string, options: Options = {}) {
    super('NoSuchEntity', message, { ...options, status: 404 });
  }
}

/**
 * `MalformedPolicyDocument` (400) "Invalid principal in policy": a trust policy names a user or
 * role, by ARN, that does not exist (or carries another ARN) when the role is written.
 */
export class InvalidPrincipalError extends AwsError {
  constructor(arn: string, options: Options = {}) {
    super('MalformedPolicyDocument', `Invalid principal in policy: "AWS":"${arn}"`, {
      ...options,
      status: 400,
    });
  }
}

/** `EntityAlreadyExists` (409): a name (compared without case) or URL is already taken. */
export class EntityAlreadyExistsError extends AwsError {
  constructor(message: string, options: Options = {}) {
    super('EntityAlreadyExists', message, { ...options, status: 409 });
  }
}

/** `DeleteConflict` (409): the entity is still referenced (attached, in a profile, default version). */
export class DeleteConflictError extends AwsError {
  constructor(message: string, options: Options = {}) {
    super('DeleteConflict', message, { ...options, status: 409 });
  }
}

/** `LimitExceeded` (409): an IAM quota (versions, attached policies, tags, roles per profile). */
export class LimitExceededError extends AwsError {
  constructor(message: string, options: Options = {}) {
    super('LimitExceeded', message, { ...options, status: 409 });
  }
}

/** `InvalidInput` (400): input that is well-formed but not acceptable (duplicate tag keys, `aws:` keys). */
export class InvalidInputError extends AwsError {
  constructor(message: string, options: Options = {}) {
    super('InvalidInput', message, { ...options, status: 400 });
  }
}

/** `ConcurrentModification` (409): an optimistic write lost the race; re-read and retry. */
export class ConcurrentModificationError extends AwsError {
  constructor(message: string, options: Options = {}) {
    super('ConcurrentModification', message, { ...options, status: 409 });
  }
}
