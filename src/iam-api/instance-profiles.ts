/**
 * Instance profiles: CreateInstanceProfile, GetInstanceProfile, ListInstanceProfiles,
 * ListInstanceProfilesForRole, DeleteInstanceProfile, AddRoleToInstanceProfile,
 * RemoveRoleFromInstanceProfile.
 */
import type { OperationContext } from '../control/operation.js';
import { NoSuchEntityError } from '../iam/errors.js';
import type { InstanceProfile } from '../iam/types.js';
import type { IamOperation } from './operation.js';
import { IamParams } from './params.js';
import {
  authorizeOnRole,
  instanceProfileResource,
  listResource,
  refuseServiceLinkedRole,
  requestTagContext,
} from './resources.js';
import { instanceProfileXml, pageXml } from './serialize.js';

/** Authorizes `action` on the profile (or the ARN it would have) and resolves it, or `NoSuchEntity`. */
async function authorizeOnProfile(
  ctx: OperationContext,
  action: string,
  name: string,
): Promise<InstanceProfile> {
  let profile: InstanceProfile | undefined;
  let missing: unknown;
  try {
    profile = await ctx.store.getInstanceProfile(ctx.accountId, name);
  } catch (error) {
    if (!(error instanceof NoSuchEntityError)) throw error;
    missing = error;
  }
  ctx.authorize(action, profile?.arn ?? instanceProfileResource(ctx, name));
  if (profile === undefined) throw missing;
  return profile;
}

const createInstanceProfile: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const name = input.instanceProfileName();
  const path = input.path();
  const tags = input.tags('Tags', false);
  input.done();
  const arn = instanceProfileResource(ctx, name, path);
  const tagContext = requestTagContext(tags);
  ctx.authorize('iam:CreateInstanceProfile', arn, tagContext);
  if (tags.length > 0) ctx.authorize('iam:TagInstanceProfile', arn, tagContext);
  const profile = await ctx.store.createInstanceProfile(ctx.accountId, {
    instanceProfileName: name,
    ...(path === undefined ? {} : { path }),
    tags,
  });
  return { InstanceProfile: instanceProfileXml(profile) };
};

const getInstanceProfile: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const name = input.instanceProfileName();
  input.done();
  const profile = await authorizeOnProfile(ctx, 'iam:GetInstanceProfile', name);
  return { InstanceProfile: instanceProfileXml(profile) };
};

const listInstanceProfiles: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const pathPrefix = input.pathPrefix();
  const paging = input.paging();
  input.done();
  ctx.authorize('iam:ListInstanceProfiles', listResource(ctx, 'instance-profile', pathPrefix));
  const page = await ctx.store.listInstanceProfiles(ctx.accountId, {
    ...paging,
    ...(pathPrefix === undefined ? {} : { pathPrefix }),
  });
  return pageXml('InstanceProfiles', page, (p) => instanceProfileXml(p, 'list'));
};

const listInstanceProfilesForRole: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const roleName = input.roleName();
  const paging = input.paging();
  input.done();
  await authorizeOnRole(ctx, 'iam:ListInstanceProfilesForRole', roleName);
  const page = await ctx.store.listInstanceProfilesForRole(ctx.accountId, roleName, paging);
  return pageXml('InstanceProfiles', page, (p) => instanceProfileXml(p, 'list'));
};

const deleteInstanceProfile: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const name = input.instanceProfileName();
  input.done();
  await authorizeOnProfile(ctx, 'iam:DeleteInstanceProfile', name);
  await ctx.store.deleteInstanceProfile(ctx.accountId, name);
  return undefined;
};

const addRoleToInstanceProfile: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const name = input.instanceProfileName();
  const roleName = input.roleName();
  input.done();
  await authorizeOnProfile(ctx, 'iam:AddRoleToInstanceProfile', name);
  // AWS requires PassRole on the role: whoever can launch instances with the profile gets its credentials.
  const role = await authorizeOnRole(ctx, 'iam:PassRole', roleName, {
    'iam:PassedToService': 'ec2.amazonaws.com',
  });
  // A service-linked role is its service's alone: it goes on no instance (botocore lists
  // UnmodifiableEntity for this operation).
  refuseServiceLinkedRole(role);
  await ctx.store.addRoleToInstanceProfile(ctx.accountId, name, roleName);
  return undefined;
};

const removeRoleFromInstanceProfile: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const name = input.instanceProfileName();
  const roleName = input.roleName();
  input.done();
  await authorizeOnProfile(ctx, 'iam:RemoveRoleFromInstanceProfile', name);
  await ctx.store.removeRoleFromInstanceProfile(ctx.accountId, name, roleName);
  return undefined;
};

export const instanceProfileOperations: Record<string, IamOperation> = {
  CreateInstanceProfile: createInstanceProfile,
  GetInstanceProfile: getInstanceProfile,
  ListInstanceProfiles: listInstanceProfiles,
  ListInstanceProfilesForRole: listInstanceProfilesForRole,
  DeleteInstanceProfile: deleteInstanceProfile,
  AddRoleToInstanceProfile: addRoleToInstanceProfile,
  RemoveRoleFromInstanceProfile: removeRoleFromInstanceProfile,
};
