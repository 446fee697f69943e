/**
 * The operation of a JSON 1.0/1.1 request, from `X-Amz-Target: <TargetPrefix>.<Operation>`.
 */
import { AwsError } from '../../../errors.js';
import type { GatewayRequest } from '../../types.js';

/**
 * The operation named by the target header, or `undefined` when the request has none (SQS then
 * reads it as a Query request). A target for another service is the service's own
 * `UnknownOperationException`.
 *
 * @example
 * operationFromTarget(request, 'DynamoDB_20120810'); // 'GetItem'
 */
export function operationFromTarget(request: GatewayRequest, targetPrefix: string): string | undefined {
  const target = request.headers['x-amz-target'];
  if (target === undefined || target === '') return undefined;
  const dot = target.lastIndexOf('.');
  const operation = target.slice(dot + 1);
  if (dot <= 0 || target.slice(0, dot) !== targetPrefix || !/^[A-Za-z0-9]+$/.test(operation)) {
    throw unknownOperation();
  }
  return operation;
}

/**
 * The operation of a request to a JSON-only service: a missing target is as unknown as a wrong one.
 *
 * @example
 * requireOperationFromTarget(request, 'TrentService'); // 'Decrypt'
 */
export function requireOperationFromTarget(request: GatewayRequest, targetPrefix: string): string {
  const operation = operationFromTarget(request, targetPrefix);
  if (operation === undefined) throw unknownOperation();
  return operation;
}

function unknownOperation(): AwsError {
  return new AwsError(
    'UnknownOperationException',
    'The requested operation is not recognized by the service.',
    {
      status: 400,
    },
  );
}
