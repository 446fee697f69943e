/**
 * STS over the AWS Query protocol: `Action=` to operation, result to `<Op>Response` XML.
 * `AssumeRoleWithWebIdentity` arrives unsigned and has its own entry point, `handleWebIdentityAction`.
 */
import { AwsError } from '../errors.js';
import type { QueryParams } from '../protocol/query.js';
import { queryResult, type QueryResponse, type XmlNode } from '../protocol/xml.js';
import { assumeRole } from './assume-role.js';
import { assumeRoleWithWebIdentity, type WebIdentityStsContext } from './assume-role-with-web-identity.js';
import { STS_NAMESPACE, type StsContext } from './context.js';
import { decodeAuthorizationMessage } from './decode-authorization-message.js';
import { getAccessKeyInfo } from './get-access-key-info.js';
import { getCallerIdentity } from './get-caller-identity.js';
import { getSessionToken } from './get-session-token.js';

type Operation = (ctx: StsContext, params: QueryParams) => XmlNode | Promise<XmlNode>;

const OPERATIONS: Record<string, Operation> = {
  AssumeRole: assumeRole,
  GetCallerIdentity: getCallerIdentity,
  GetSessionToken: getSessionToken,
  DecodeAuthorizationMessage: decodeAuthorizationMessage,
  GetAccessKeyInfo: getAccessKeyInfo,
};

export async function handleStsAction(ctx: StsContext, params: QueryParams): Promise<QueryResponse> {
  const action = params.action ?? '';
  const operation = Object.hasOwn(OPERATIONS, action) ? OPERATIONS[action] : undefined;
  if (operation === undefined) {
    throw new AwsError('InvalidAction', `Could not find operation ${action} for version 2011-06-15`, {
      status: 400,
    });
  }
  return queryResult(action, STS_NAMESPACE, await operation(ctx, params), ctx.requestId);
}

/** `AssumeRoleWithWebIdentity`: the token, not a signature, authenticates the request. */
export async function handleWebIdentityAction(
  ctx: WebIdentityStsContext,
  params: QueryParams,
): Promise<QueryResponse> {
  const action = 'AssumeRoleWithWebIdentity';
  return queryResult(action, STS_NAMESPACE, await assumeRoleWithWebIdentity(ctx, params), ctx.requestId);
}
