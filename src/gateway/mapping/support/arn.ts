/**
 * Resource ARNs the mappers build, and the account an ARN in a request names (so the proxy can tell
 * a cross-account resource from the caller's own).
 */
import { splitArn as splitIamArn } from '../../../iam/arn.js';
import type { GatewayRequest } from '../../types.js';

/**
 * `arn:<partition>:<service>:<region>:<account>:<resource>` in the caller's partition, region and
 * account unless given.
 *
 * @example
 * resourceArn(request, 'sqs', 'orders'); // 'arn:aws:sqs:us-east-1:111122223333:orders'
 */
export function resourceArn(
  request: Pick<GatewayRequest, 'partition' | 'region' | 'accountId'>,
  service: string,
  resource: string,
  place: { region?: string; account?: string } = {},
): string {
  return `arn:${request.partition}:${service}:${place.region ?? request.region}:${place.account ?? request.accountId}:${resource}`;
}

export interface ArnParts {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

/**
 * The five fields of an ARN, or `undefined` when `text` is not one (or names no partition or
 * service). Lenient beyond that, as a request's ARN is: the backend, not the gateway, refuses a
 * malformed one, and its account must still be seen.
 */
export function splitArn(text: string): ArnParts | undefined {
  const arn = splitIamArn(text);
  if (arn === undefined || arn.partition === '' || arn.service === '') return undefined;
  const { partition, service, region, accountId: account, resource } = arn;
  return { partition, service, region, account, resource };
}

/** The account `arn` belongs to when it is not the caller's (`AuthorizationCheck.resourceAccount`). */
export function foreignAccount(
  request: Pick<GatewayRequest, 'accountId'>,
  arn: string,
): { resourceAccount?: string } {
  const account = splitArn(arn)?.account;
  return account !== undefined && account !== '' && account !== request.accountId
    ? { resourceAccount: account }
    : {};
}
