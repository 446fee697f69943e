/**
 * Resource ARNs the mappers build, and the account an ARN in a request names (so the proxy can tell
 * a cross-account resource from the caller's own).
 */
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

/** The five fields of an ARN, or `undefined` when `text` is not one. */
export function splitArn(text: string): ArnParts | undefined {
  if (!text.startsWith('arn:')) return undefined;
  const parts = text.split(':');
  if (parts.length < 6) return undefined;
  const [, partition, service, region, account] = parts as [string, string, string, string, string];
  if (partition === '' || service === '') return undefined;
  return { partition, service, region, account, resource: parts.slice(5).join(':') };
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
