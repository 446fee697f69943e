/**
 * The resources IAM operations act on, as the authorizer and the error messages name them: ARNs of
 * roles, policies, instance profiles and OIDC providers, the condition keys an operation adds
 * (service authorization reference: `iam:PermissionsBoundary`, `aws:RequestTag/…`, `aws:TagKeys`),
 * and lookups that answer with IAM's `NoSuchEntity` wording.
 */
import { ValidationError } from '../errors.js';
import type { ExtraContext, OperationContext } from '../control/operation.js';
import {
  AWS_MANAGED_ACCOUNT,
  instanceProfileArn,
  parseOidcProviderArn,
  parsePolicyArn,
  roleArn,
  type PolicyArnParts,
} from '../iam/arn.js';
import { InvalidInputError, NoSuchEntityError } from '../iam/errors.js';
import { isServiceLinkedPath, protectedRoleRefusal } from '../iam/service-linked.js';
import { findAwsManagedPolicy, type AwsManagedPolicy } from '../catalog/aws-managed-policies.js';
import type { Role, Tag } from '../iam/types.js';

export function noSuchRole(roleName: string): NoSuchEntityError {
  return new NoSuchEntityError(`The role with name ${roleName} cannot be found.`);
}

/** The ARN a role has, or would have at `path`. */
export function roleResource(ctx: OperationContext, roleName: string, path = '/'): string {
  return roleArn({ partition: ctx.partition, accountId: ctx.accountId, path, roleName });
}

export function instanceProfileResource(ctx: OperationContext, name: string, path = '/'): string {
  return instanceProfileArn({
    partition: ctx.partition,
    accountId: ctx.accountId,
    path,
    instanceProfileName: name,
  });
}

/**
 * The resource of a list operation that IAM documents without a resource type (`ListRoles`,
 * `ListPolicies`, `ListInstanceProfiles`, `ListOpenIDConnectProviders`): the account's resources
 * of that type under the path prefix, e.g. `arn:aws:iam::111122223333:role/`, which is what IAM
 * names in its AccessDenied messages and what `role/*` in a policy matches.
 */
export function listResource(
  ctx: OperationContext,
  type: 'role' | 'policy' | 'instance-profile' | 'oidc-provider',
  pathPrefix = '/',
): string {
  return `arn:${ctx.partition}:iam::${ctx.accountId}:${type}${pathPrefix}`;
}

/** `aws:RequestTag/<key>` for each tag and `aws:TagKeys`, for operations that take tags. */
export function requestTagContext(tags: readonly Tag[]): ExtraContext {
  const extra: ExtraContext = {};
  if (tags.length === 0) return extra;
  for (const tag of tags) extra[`aws:RequestTag/${tag.key}`] = tag.value;
  extra['aws:TagKeys'] = tags.map((t) => t.key);
  return extra;
}

/**
 * Looks the role up and authorizes `action` on it (on the ARN it would have when it does not
 * exist, so that a caller without access learns nothing). Resolves the role, or throws
 * `NoSuchEntity` after a successful authorization.
 */
export async function authorizeOnRole(
  ctx: OperationContext,
  action: string,
  roleName: string,
  extra: ExtraContext = {},
): Promise<Role> {
  const role = await ctx.store.findRole(ctx.accountId, roleName);
  ctx.authorize(action, role?.arn ?? roleResource(ctx, roleName), {
    'iam:PermissionsBoundary': role?.permissionsBoundaryArn,
    ...extra,
  });
  if (role === undefined) throw noSuchRole(roleName);
  return role;
}

/**
 * A managed policy ARN's parts; a malformed ARN is IAM's `InvalidInput` ("ARN x is not valid.").
 */
export function policyArnParts(arn: string): PolicyArnParts {
  try {
    return parsePolicyArn(arn);
  } catch (error) {
    if (error instanceof ValidationError) throw new InvalidInputError(error.message);
    throw error;
  }
}

/** An OIDC provider ARN of this account, or `InvalidInput` / `NoSuchEntity`. */
export function oidcProviderArnOf(ctx: OperationContext, arn: string): string {
  let parts;
  try {
    parts = parseOidcProviderArn(arn);
  } catch (error) {
    if (error instanceof ValidationError) throw new InvalidInputError(error.message);
    throw error;
  }
  if (parts.partition !== ctx.partition || parts.accountId !== ctx.accountId) {
    throw new NoSuchEntityError(`OpenIDConnect Provider not found for arn ${arn}`);
  }
  return arn;
}

/**
 * Where a policy ARN points: an AWS managed policy from the catalog, or a customer managed policy
 * of this account (which the store holds). Anything else — another account's policy, another
 * partition, an AWS policy that does not exist — is `NoSuchEntity` with `notFound`'s message.
 */
export type PolicyTarget = { kind: 'aws'; policy: AwsManagedPolicy } | { kind: 'customer'; arn: string };

export function policyTarget(
  ctx: OperationContext,
  arn: string,
  notFound: (arn: string) => string = (a) => `Policy ${a} does not exist or is not attachable.`,
): PolicyTarget {
  const parts = policyArnParts(arn);
  if (parts.partition !== ctx.partition) throw new NoSuchEntityError(notFound(arn));
  if (parts.accountId === AWS_MANAGED_ACCOUNT) {
    const policy = findAwsManagedPolicy(arn);
    if (policy === undefined) throw new NoSuchEntityError(notFound(arn));
    return { kind: 'aws', policy };
  }
  if (parts.accountId !== ctx.accountId) throw new NoSuchEntityError(notFound(arn));
  return { kind: 'customer', arn };
}

/**
 * Refuses a change of a service-linked role's trust or permissions: only the service may change
 * them (IAM User Guide, "Using service-linked roles"; IAM answers `UnmodifiableEntity`), else a
 * caller could rewrite the trust of a role it had IAM create to let itself in. Service-linked roles
 * are the ones under `/aws-service-role/` (`service-linked-roles.ts`).
 */
export function refuseServiceLinkedRole(role: Role): void {
  if (isServiceLinkedPath(role.path)) throw protectedRoleRefusal(role.roleName);
}
