/**
 * Service-linked roles, as IAM tells them apart: the roles under `/aws-service-role/`, which only
 * `CreateServiceLinkedRole` puts there and only the service may change (IAM User Guide, "Using
 * service-linked roles"). Shared by the IAM API (`src/iam-api`) and stacks (`src/stacks`), which
 * must refuse the same things.
 */
import { AwsError } from '../errors.js';
import { InvalidInputError } from './errors.js';

export const SERVICE_LINKED_PATH = '/aws-service-role/';

export function isServiceLinkedPath(path: string): boolean {
  return path.startsWith(SERVICE_LINKED_PATH);
}

/**
 * `CreateRole` under that path: `InvalidInput` with the message IAM answers (observed; IAM's
 * documentation gives neither), so no one can make a role that passes for a service-linked one.
 */
export function serviceLinkedPathRefusal(): InvalidInputError {
  return new InvalidInputError(
    `Path prefix '${SERVICE_LINKED_PATH}' can only be used for AWS Service linked Roles`,
  );
}

/** `UnmodifiableEntity` (400), IAM's answer to a change of a service-linked role only its service may make. */
export function protectedRoleRefusal(roleName: string): AwsError {
  return new AwsError(
    'UnmodifiableEntity',
    `Cannot perform the operation on the protected role '${roleName}' - this role is only modifiable by AWS`,
    { status: 400 },
  );
}
