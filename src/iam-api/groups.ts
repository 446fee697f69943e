/**
 * Group operations: CreateGroup, GetGroup (with its members), ListGroups, UpdateGroup,
 * DeleteGroup, AddUserToGroup, RemoveUserFromGroup.
 */
import type { IamOperation } from './operation.js';
import { PrincipalParams, authorizeOnGroup, authorizeOnUser, groupResource } from './principals.js';
import { groupXml, userXml } from './principal-xml.js';
import { pageXml } from './serialize.js';

const createGroup: IamOperation = async (ctx, params) => {
  const input = new PrincipalParams(params);
  const path = input.path();
  const groupName = input.groupName();
  input.done();
  ctx.authorize('iam:CreateGroup', groupResource(ctx, groupName, path));
  const group = await ctx.store.createGroup(ctx.accountId, {
    groupName,
    ...(path === undefined ? {} : { path }),
  });
  return { Group: groupXml(group) };
};

const getGroup: IamOperation = async (ctx, params) => {
  const input = new PrincipalParams(params);
  const groupName = input.groupName();
  const paging = input.paging();
  input.done();
  const group = await authorizeOnGroup(ctx, 'iam:GetGroup', groupName);
  const page = await ctx.store.listUsersInGroup(ctx.accountId, groupName, paging);
  return { Group: groupXml(group), ...pageXml('Users', page, (u) => userXml(u, 'list')) };
};

const listGroups: IamOperation = async (ctx, params) => {
  const input = new PrincipalParams(params);
  const pathPrefix = input.pathPrefix();
  const paging = input.paging();
  input.done();
  ctx.authorize('iam:ListGroups', `arn:${ctx.partition}:iam::${ctx.accountId}:group${pathPrefix ?? '/'}`);
  const page = await ctx.store.listGroups(ctx.accountId, {
    ...paging,
    ...(pathPrefix === undefined ? {} : { pathPrefix }),
  });
  return pageXml('Groups', page, groupXml);
};

const updateGroup: IamOperation = async (ctx, params) => {
  const input = new PrincipalParams(params);
  const groupName = input.groupName();
  const newPath = input.path('NewPath');
  const newGroupName =
    params.get('NewGroupName') === undefined ? undefined : input.groupName('NewGroupName', 'newGroupName');
  input.done();
  const group = await authorizeOnGroup(ctx, 'iam:UpdateGroup', groupName);
  if (newGroupName !== undefined || newPath !== undefined) {
    ctx.authorize(
      'iam:UpdateGroup',
      groupResource(ctx, newGroupName ?? group.groupName, newPath ?? group.path),
    );
  }
  await ctx.store.updateGroup(ctx.accountId, groupName, {
    ...(newGroupName === undefined ? {} : { newGroupName }),
    ...(newPath === undefined ? {} : { newPath }),
  });
  return undefined;
};

const deleteGroup: IamOperation = async (ctx, params) => {
  const input = new PrincipalParams(params);
  const groupName = input.groupName();
  input.done();
  await authorizeOnGroup(ctx, 'iam:DeleteGroup', groupName);
  await ctx.store.deleteGroup(ctx.accountId, groupName);
  return undefined;
};

/** Authorized on the group (IAM's resource for AddUserToGroup and RemoveUserFromGroup). */
const membership =
  (action: 'AddUserToGroup' | 'RemoveUserFromGroup'): IamOperation =>
  async (ctx, params) => {
    const input = new PrincipalParams(params);
    const groupName = input.groupName();
    const userName = input.userName();
    input.done();
    await authorizeOnGroup(ctx, `iam:${action}`, groupName);
    // The user must exist (`NoSuchEntity` names it); its own ARN is not the resource here.
    await authorizeOnUser({ ...ctx, authorize: () => undefined }, `iam:${action}`, userName);
    if (action === 'AddUserToGroup') await ctx.store.addUserToGroup(ctx.accountId, groupName, userName);
    else await ctx.store.removeUserFromGroup(ctx.accountId, groupName, userName);
    return undefined;
  };

export const groupOperations: Record<string, IamOperation> = {
  CreateGroup: createGroup,
  GetGroup: getGroup,
  ListGroups: listGroups,
  UpdateGroup: updateGroup,
  DeleteGroup: deleteGroup,
  AddUserToGroup: membership('AddUserToGroup'),
  RemoveUserFromGroup: membership('RemoveUserFromGroup'),
};
