/**
 * Role operations: CreateRole, GetRole, ListRoles, UpdateRole, UpdateRoleDescription,
 * UpdateAssumeRolePolicy, DeleteRole, PutRolePermissionsBoundary, DeleteRolePermissionsBoundary.
 */
import type { OperationContext } from '../control/operation.js';
import { NoSuchEntityError } from '../iam/errors.js';
import { isServiceLinkedPath, serviceLinkedPathRefusal } from '../iam/service-linked.js';
import { checkTrustPolicy } from './documents.js';
import type { IamOperation } from './operation.js';
import { IamParams } from './params.js';
import {
  authorizeOnRole,
  listResource,
  policyTarget,
  refuseServiceLinkedRole,
  requestTagContext,
  roleResource,
} from './resources.js';
import { pageXml, roleXml } from './serialize.js';

/** A permissions boundary must be a managed policy that exists; IAM calls it the "Scope ARN". */
async function requireBoundary(ctx: OperationContext, arn: string): Promise<void> {
  const message = (a: string) => `Scope ARN: ${a} does not exist or is not attachable.`;
  const target = policyTarget(ctx, arn, message);
  if (target.kind === 'customer') {
    try {
      await ctx.store.getPolicy(arn);
    } catch (error) {
      if (error instanceof NoSuchEntityError) throw new NoSuchEntityError(message(arn));
      throw error;
    }
  }
}

const createRole: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const path = input.path();
  const roleName = input.roleName();
  const trust = input.policyDocument('AssumeRolePolicyDocument', 'assumeRolePolicyDocument');
  const description = input.roleDescription();
  const maxSessionDuration = input.maxSessionDuration();
  const boundary = input.optionalArn('PermissionsBoundary', 'permissionsBoundary');
  const tags = input.tags('Tags', true);
  input.done();

  const arn = roleResource(ctx, roleName, path);
  const tagContext = requestTagContext(tags);
  ctx.authorize('iam:CreateRole', arn, { ...tagContext, 'iam:PermissionsBoundary': boundary });
  // Creating a role with tags also needs permission to tag it, as on AWS.
  if (tags.length > 0) ctx.authorize('iam:TagRole', arn, tagContext);
  // Only CreateServiceLinkedRole puts a role under /aws-service-role/; a role made there by hand
  // would pass for one IAM made for a service (and be as protected as one).
  if (path !== undefined && isServiceLinkedPath(path)) throw serviceLinkedPathRefusal();

  const trustPrincipals = await checkTrustPolicy(ctx, trust);
  if (boundary !== undefined) await requireBoundary(ctx, boundary);
  const role = await ctx.store.createRole(ctx.accountId, {
    roleName,
    assumeRolePolicyDocument: trust,
    trustPrincipals,
    ...(path === undefined ? {} : { path }),
    ...(description === undefined ? {} : { description }),
    ...(maxSessionDuration === undefined ? {} : { maxSessionDuration }),
    ...(boundary === undefined ? {} : { permissionsBoundaryArn: boundary }),
    tags,
  });
  return { Role: roleXml(role) };
};

const getRole: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const roleName = input.roleName();
  input.done();
  const role = await authorizeOnRole(ctx, 'iam:GetRole', roleName);
  return { Role: roleXml(role) };
};

const listRoles: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const pathPrefix = input.pathPrefix();
  const paging = input.paging();
  input.done();
  ctx.authorize('iam:ListRoles', listResource(ctx, 'role', pathPrefix));
  const page = await ctx.store.listRoles(ctx.accountId, {
    ...paging,
    ...(pathPrefix === undefined ? {} : { pathPrefix }),
  });
  return pageXml('Roles', page, (r) => roleXml(r, 'list'));
};

const updateRole: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const roleName = input.roleName();
  const description = input.roleDescription();
  const maxSessionDuration = input.maxSessionDuration();
  input.done();
  const role = await authorizeOnRole(ctx, 'iam:UpdateRole', roleName);
  // IAM lets anyone edit a service-linked role's description (IAM User Guide, "Editing a
  // service-linked role"), nothing else of it.
  if (maxSessionDuration !== undefined) refuseServiceLinkedRole(role);
  await ctx.store.updateRole(ctx.accountId, roleName, {
    ...(description === undefined ? {} : { description }),
    ...(maxSessionDuration === undefined ? {} : { maxSessionDuration }),
  });
  return {};
};

const updateRoleDescription: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const roleName = input.roleName();
  const description = input.roleDescription('Description', true) ?? '';
  input.done();
  await authorizeOnRole(ctx, 'iam:UpdateRoleDescription', roleName);
  const role = await ctx.store.updateRole(ctx.accountId, roleName, { description });
  return { Role: roleXml(role) };
};

const updateAssumeRolePolicy: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const roleName = input.roleName();
  const document = input.policyDocument();
  input.done();
  refuseServiceLinkedRole(await authorizeOnRole(ctx, 'iam:UpdateAssumeRolePolicy', roleName));
  const trustPrincipals = await checkTrustPolicy(ctx, document);
  await ctx.store.updateRole(ctx.accountId, roleName, {
    assumeRolePolicyDocument: document,
    trustPrincipals,
  });
  return undefined;
};

const deleteRole: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const roleName = input.roleName();
  input.done();
  // Only DeleteServiceLinkedRole deletes a service-linked role, and only once nothing uses it.
  refuseServiceLinkedRole(await authorizeOnRole(ctx, 'iam:DeleteRole', roleName));
  await ctx.store.deleteRole(ctx.accountId, roleName);
  return undefined;
};

const putRolePermissionsBoundary: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const roleName = input.roleName();
  const boundary = input.arn('PermissionsBoundary', 'permissionsBoundary');
  input.done();
  // "You cannot set the boundary for a service-linked role." (PutRolePermissionsBoundary, IAM API Reference)
  refuseServiceLinkedRole(
    await authorizeOnRole(ctx, 'iam:PutRolePermissionsBoundary', roleName, {
      'iam:PermissionsBoundary': boundary,
    }),
  );
  await requireBoundary(ctx, boundary);
  await ctx.store.putRolePermissionsBoundary(ctx.accountId, roleName, boundary);
  return undefined;
};

const deleteRolePermissionsBoundary: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const roleName = input.roleName();
  input.done();
  refuseServiceLinkedRole(await authorizeOnRole(ctx, 'iam:DeleteRolePermissionsBoundary', roleName));
  await ctx.store.deleteRolePermissionsBoundary(ctx.accountId, roleName);
  return undefined;
};

export const roleOperations: Record<string, IamOperation> = {
  CreateRole: createRole,
  GetRole: getRole,
  ListRoles: listRoles,
  UpdateRole: updateRole,
  UpdateRoleDescription: updateRoleDescription,
  UpdateAssumeRolePolicy: updateAssumeRolePolicy,
  DeleteRole: deleteRole,
  PutRolePermissionsBoundary: putRolePermissionsBoundary,
  DeleteRolePermissionsBoundary: deleteRolePermissionsBoundary,
};
