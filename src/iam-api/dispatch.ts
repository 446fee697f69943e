/**
 * The IAM Query API entry point: `Action=` to operation, the result wrapped in IAM's response
 * document. Errors propagate as `AwsError`s for the server to render with `queryError`.
 */
import type { OperationContext } from '../control/operation.js';
import type { QueryParams } from '../protocol/query.js';
import { queryResult, type QueryResponse } from '../protocol/xml.js';
import { accessKeyOperations } from './access-keys.js';
import { attachmentOperations } from './attachments.js';
import { authorizationDetailsOperations } from './authorization-details.js';
import { InvalidActionError, MissingActionError } from './errors.js';
import { instanceProfileOperations } from './instance-profiles.js';
import { managedPolicyOperations } from './managed-policies.js';
import { oidcProviderOperations } from './oidc-providers.js';
import type { IamOperation } from './operation.js';
import { rolePolicyOperations } from './role-policies.js';
import { roleOperations } from './roles.js';
import { simulationOperations } from './simulation.js';
import { serviceLinkedRoleOperations } from './service-linked-roles.js';
import { IAM_NAMESPACE, IAM_VERSION } from './serialize.js';
import { tagOperations } from './tags.js';
import { groupOperations } from './groups.js';
import { groupPolicyOperations, userPolicyOperations } from './principal-policies.js';
import { userOperations } from './users.js';
import { mfaDeviceOperations } from './mfa-devices.js';

const OPERATIONS: ReadonlyMap<string, IamOperation> = new Map(
  Object.entries({
    ...roleOperations,
    ...tagOperations,
    ...rolePolicyOperations,
    ...managedPolicyOperations,
    ...attachmentOperations,
    ...instanceProfileOperations,
    ...oidcProviderOperations,
    ...simulationOperations,
    ...userOperations,
    ...userPolicyOperations,
    ...groupOperations,
    ...groupPolicyOperations,
    ...accessKeyOperations,
    ...mfaDeviceOperations,
    ...authorizationDetailsOperations,
    ...serviceLinkedRoleOperations,
  }),
);

/** The operations this API implements, by action name. */
export const IAM_ACTIONS: readonly string[] = [...OPERATIONS.keys()];

/**
 * Runs one IAM Query API request for an authenticated caller.
 *
 * @example
 * const response = await handleIamAction(ctx, parseQuery(body.toString('utf8')));
 * // { status: 200, headers: { 'content-type': 'text/xml', ... }, body: '<GetRoleResponse ...' }
 */
export async function handleIamAction(ctx: OperationContext, params: QueryParams): Promise<QueryResponse> {
  const action = params.action;
  if (action === undefined || action === '') throw new MissingActionError();
  const version = params.get('Version') ?? IAM_VERSION;
  const operation = version === IAM_VERSION ? OPERATIONS.get(action) : undefined;
  if (operation === undefined) throw new InvalidActionError(action, version);
  const result = await operation(ctx, params);
  return queryResult(action, IAM_NAMESPACE, result, ctx.requestId);
}
