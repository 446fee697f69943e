/**
 * The resources a request is decided on must be in the region it was signed for. The gateway
 * forwards the request to that region's backend, and a backend may look a name up in its own
 * region whatever region an ARN names (moto_server does for KMS keys and aliases and for Secrets
 * Manager's partial ARNs): the decision would then be on `us-west-2` while the backend acts on the
 * `us-east-1` resource, and a Deny written on the real one would not match. AWS answers such a
 * request with the service's own error for an ARN of another region, and so does the gateway.
 */
import { AwsError } from '../errors.js';
import { splitArn } from '../iam/arn.js';
import type { MappedRequest } from './types.js';

/** Each service's code for a resource it cannot find in the region it was asked in. */
const NOT_HERE: Readonly<Record<string, string>> = {
  kms: 'NotFoundException',
  secretsmanager: 'ResourceNotFoundException',
  dynamodb: 'ResourceNotFoundException',
  lambda: 'ResourceNotFoundException',
  sns: 'InvalidParameter',
  sqs: 'InvalidParameterValue',
};

/**
 * Throws the service's 400 when a checked resource names a region other than `region`; resources
 * without a region (S3, `*`) pass.
 *
 * @example
 * assertResourcesInRegion(mapped, 'us-east-1'); // throws NotFoundException for a us-west-2 key ARN
 */
export function assertResourcesInRegion(mapped: MappedRequest, region: string): void {
  for (const check of mapped.checks) {
    const arn = splitArn(check.resource);
    if (arn === undefined || arn.region === '' || arn.region === region) continue;
    throw new AwsError(
      NOT_HERE[mapped.service] ?? 'ValidationException',
      `Invalid ARN: ${check.resource} is in ${arn.region}; the request was signed for ${region}.`,
      { status: 400 },
    );
  }
}
