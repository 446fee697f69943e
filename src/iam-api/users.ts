/**
 * User operations: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser,
 * PutUserPermissionsBoundary, DeleteUserPermissionsBoundary, TagUser, UntagUser, ListUserTags.
 */
import { NoSuchEntityError } from '../iam/errors.js';
import { assertTagKeyNotReserved } from '../iam/names.js';
import type { OperationContext } from '../control/operation.js';
import type { IamOperation } from './operation.js';
import { PrincipalParams, authorizeOnUser, targetUser, userResource } from './principals.js';
import { groupXml, userXml } from './principal-xml.js';
import { policyTarget, requestTagContext } from './resources.js';
import { pageXml } from './serialize.js';
import { readTagKeys } from './tags.js';

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

const createUser: IamOperation = async (ctx, params) => {
  const input = new PrincipalParams(params);
  const path = input.path();
  const userName = input.newUserName();
  const boundary = input.optionalArn('PermissionsBoundary', 'permissionsBoundary');
  const tags = input.tags('Tags', true);
  input.done();
  const arn = userResource(ctx, userName, path);
  const tagContext = requestTagContext(tags);
  ctx.authorize('iam:CreateUser', arn, { ...tagContext, 'iam:PermissionsBoundary': boundary });
  // Creating a user with tags also needs permission to tag it, as on AWS.
  if (tags.length > 0) ctx.authorize('iam:TagUser', arn, tagContext);
  if (boundary !== undefined) await requireBoundary(ctx, boundary);
  const user = await ctx.store.createUser(ctx.accountId, {
    userName,
    ...(path === undefined ? {} : { path }),
    ...(boundary === undefined ? {} : { permissionsBoundaryArn: boundary }),
    tags,
  });
  return { User: userXml(user) };
};

/** Without `UserName`: the calling user (IAM: "this operation defaults to the user making the request"). */
const getUser: IamOperation = async (ctx, params) => {
  const input = new PrincipalParams(params);
  const named = input.optionalUserName();
  input.done();
  const user = await authorizeOnUser(ctx, 'iam:GetUser', targetUser(ctx, named));
  return { User: userXml(user) };
};

const listUsers: IamOperation = async (ctx, params) => {
  const input = new PrincipalParams(params);
  const pathPrefix = input.pathPrefix();
  const paging = input.paging();
  input.done();
  ctx.authorize('iam:ListUsers', `arn:${ctx.partition}:iam::${ctx.accountId}:user${pathPrefix ?? '/'}`);
  const page = await ctx.store.listUsers(ctx.accountId, {
    ...paging,
    ...(pathPrefix === undefined ? {} : { pathPrefix }),
  });
  return pageXml('Users', page, (u) => userXml(u, 'list'));
};

const updateUser: IamOperation = async (ctx, params) => {
  const input = new PrincipalParams(params);
  const userName = input.userName();
  const newPath = input.path('NewPath');
  const newUserName = params.get('NewUserName') === undefined ? undefined : input.newUserName('NewUserName');
  input.done();
  const user = await authorizeOnUser(ctx, 'iam:UpdateUser', userName);
  // A rename also acts on the new name (IAM's authorization reference: both user resources).
  if (newUserName !== undefined || newPath !== undefined) {
    ctx.authorize('iam:UpdateUser', userResource(ctx, newUserName ?? user.userName, newPath ?? user.path));
  }
  await ctx.store.updateUser(ctx.accountId, userName, {
    ...(newUserName === undefined ? {} : { newUserName }),
    ...(newPath === undefined ? {} : { newPath }),
  });
  return undefined;
};

const deleteUser: IamOperation = async (ctx, params) => {
  const input = new PrincipalParams(params);
  const userName = input.userName();
  input.done();
  await authorizeOnUser(ctx, 'iam:DeleteUser', userName);
  await ctx.store.deleteUser(ctx.accountId, userName);
  return undefined;
};

const putUserPermissionsBoundary: IamOperation = async (ctx, params) => {
  const input = new PrincipalParams(params);
  const userName = input.newUserName();
  const boundary = input.arn('PermissionsBoundary', 'permissionsBoundary');
  input.done();
  await authorizeOnUser(ctx, 'iam:PutUserPermissionsBoundary', userName, {
    'iam:PermissionsBoundary': boundary,
  });
  await requireBoundary(ctx, boundary);
  await ctx.store.putUserPermissionsBoundary(ctx.accountId, userName, boundary);
  return undefined;
};

const deleteUserPermissionsBoundary: IamOperation = async (ctx, params) => {
  const input = new PrincipalParams(params);
  const userName = input.newUserName();
  input.done();
  await authorizeOnUser(ctx, 'iam:DeleteUserPermissionsBoundary', userName);
  await ctx.store.deleteUserPermissionsBoundary(ctx.accountId, userName);
  return undefined;
};

const tagUser: IamOperation = async (ctx, params) => {
  const input = new PrincipalParams(params);
  const userName = input.userName();
  input.requireSent('Tags', 'tags');
  const tags = input.tags('Tags', true);
  input.done();
  await authorizeOnUser(ctx, 'iam:TagUser', userName, requestTagContext(tags));
  await ctx.store.tagUser(ctx.accountId, userName, tags);
  return undefined;
};

const untagUser: IamOperation = async (ctx, params) => {
  const input = new PrincipalParams(params);
  const userName = input.userName();
  const keys = readTagKeys(input);
  input.done();
  keys.forEach(assertTagKeyNotReserved);
  await authorizeOnUser(ctx, 'iam:UntagUser', userName, { 'aws:TagKeys': keys });
  await ctx.store.untagUser(ctx.accountId, userName, keys);
  return undefined;
};

const listUserTags: IamOperation = async (ctx, params) => {
  const input = new PrincipalParams(params);
  const userName = input.userName();
  const paging = input.paging();
  input.done();
  await authorizeOnUser(ctx, 'iam:ListUserTags', userName);
  const page = await ctx.store.listUserTags(ctx.accountId, userName, paging);
  return pageXml('Tags', page, (t) => ({ Key: t.key, Value: t.value }));
};

const listGroupsForUser: IamOperation = async (ctx, params) => {
  const input = new PrincipalParams(params);
  const userName = input.userName();
  const paging = input.paging();
  input.done();
  await authorizeOnUser(ctx, 'iam:ListGroupsForUser', userName);
  const page = await ctx.store.listGroupsForUser(ctx.accountId, userName, paging);
  return pageXml('Groups', page, groupXml);
};

export const userOperations: Record<string, IamOperation> = {
  CreateUser: createUser,
  GetUser: getUser,
  ListUsers: listUsers,
  UpdateUser: updateUser,
  DeleteUser: deleteUser,
  PutUserPermissionsBoundary: putUserPermissionsBoundary,
  DeleteUserPermissionsBoundary: deleteUserPermissionsBoundary,
  TagUser: tagUser,
  UntagUser: untagUser,
  ListUserTags: listUserTags,
  ListGroupsForUser: listGroupsForUser,
};
