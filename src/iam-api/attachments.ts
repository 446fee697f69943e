/**
 * Managed policies attached to roles: AttachRolePolicy, DetachRolePolicy, ListAttachedRolePolicies,
 * and ListEntitiesForPolicy (the roles, users and groups a policy is attached to or bounds).
 */
import { NoSuchEntityError } from '../iam/errors.js';
import { parsePolicyArn } from '../iam/arn.js';
import type { Group, Role, User } from '../iam/types.js';
import type { ListOptions, Page } from '../store/store.js';
import { allRoles } from './aws-policies.js';
import type { IamOperation } from './operation.js';
import { pageOf } from './paging.js';
import { IamParams } from './params.js';
import { authorizeOnRole, policyTarget, refuseServiceLinkedRole } from './resources.js';
import { pageXml } from './serialize.js';

const attachRolePolicy: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const roleName = input.roleName();
  const arn = input.arn('PolicyArn', 'policyArn');
  input.done();
  refuseServiceLinkedRole(
    await authorizeOnRole(ctx, 'iam:AttachRolePolicy', roleName, { 'iam:PolicyARN': arn }),
  );
  // AWS managed policies are checked against the catalog here; the store checks customer ones.
  policyTarget(ctx, arn);
  await ctx.store.attachRolePolicy(ctx.accountId, roleName, arn);
  return undefined;
};

const detachRolePolicy: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const roleName = input.roleName();
  const arn = input.arn('PolicyArn', 'policyArn');
  input.done();
  refuseServiceLinkedRole(
    await authorizeOnRole(ctx, 'iam:DetachRolePolicy', roleName, { 'iam:PolicyARN': arn }),
  );
  await ctx.store.detachRolePolicy(ctx.accountId, roleName, arn);
  return undefined;
};

const listAttachedRolePolicies: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const roleName = input.roleName();
  const pathPrefix = input.policyPath('PathPrefix', 'pathPrefix');
  const paging = input.paging();
  input.done();
  await authorizeOnRole(ctx, 'iam:ListAttachedRolePolicies', roleName);
  const page = await ctx.store.listAttachedRolePolicies(ctx.accountId, roleName, paging);
  // IAM may return fewer than MaxItems with IsTruncated set; filtering the page keeps markers valid.
  const items =
    pathPrefix === undefined
      ? page.items
      : page.items.filter((p) => parsePolicyArn(p.policyArn).path.startsWith(pathPrefix));
  return pageXml('AttachedPolicies', { ...page, items }, (p) => ({
    PolicyName: p.policyName,
    PolicyArn: p.policyArn,
  }));
};

type EntityFilter = 'User' | 'Role' | 'Group' | 'LocalManagedPolicy' | 'AWSManagedPolicy';
type UsageFilter = 'PermissionsPolicy' | 'PermissionsBoundary';

const listEntitiesForPolicy: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const arn = input.arn('PolicyArn', 'policyArn');
  const entityFilter = input.enumeration<EntityFilter>('EntityFilter', 'entityFilter', [
    'User',
    'Role',
    'Group',
    'LocalManagedPolicy',
    'AWSManagedPolicy',
  ]);
  const pathPrefix = input.path('PathPrefix');
  const usageFilter = input.enumeration<UsageFilter>('PolicyUsageFilter', 'policyUsageFilter', [
    'PermissionsPolicy',
    'PermissionsBoundary',
  ]);
  const paging = input.paging();
  input.done();
  ctx.authorize('iam:ListEntitiesForPolicy', arn);
  const target = policyTarget(ctx, arn, (a) => `Policy ${a} was not found.`);
  if (target.kind === 'customer') {
    try {
      await ctx.store.getPolicy(arn);
    } catch (error) {
      if (error instanceof NoSuchEntityError) throw new NoSuchEntityError(`Policy ${arn} was not found.`);
      throw error;
    }
  }
  const wants = (kind: EntityFilter) => entityFilter === undefined || entityFilter === kind;
  const attachedTo = usageFilter === 'PermissionsBoundary' ? new Set<string>() : undefined;
  const boundaries = usageFilter !== 'PermissionsPolicy';
  const inPath = (path: string) => pathPrefix === undefined || path.startsWith(pathPrefix);
  type Entity = { key: string; role?: Role; user?: User; group?: Group };
  const entities: Entity[] = [];
  if (wants('Role')) {
    const attached = attachedTo ?? new Set(await ctx.store.listRolesForPolicy(arn));
    for (const r of await allRoles(ctx)) {
      if ((attached.has(r.roleName) || (boundaries && r.permissionsBoundaryArn === arn)) && inPath(r.path)) {
        entities.push({ key: `r/${r.roleName.toLowerCase()}`, role: r });
      }
    }
  }
  const owners =
    wants('User') || wants('Group')
      ? (attachedTo ?? new Set(await ctx.store.listPrincipalsForPolicy(arn)))
      : new Set();
  if (wants('User')) {
    for (const u of await all((o) => ctx.store.listUsers(ctx.accountId, o))) {
      if ((owners.has(u.userId) || (boundaries && u.permissionsBoundaryArn === arn)) && inPath(u.path)) {
        entities.push({ key: `u/${u.userName.toLowerCase()}`, user: u });
      }
    }
  }
  if (wants('Group') && usageFilter !== 'PermissionsBoundary') {
    for (const g of await all((o) => ctx.store.listGroups(ctx.accountId, o))) {
      if (owners.has(g.groupId) && inPath(g.path))
        entities.push({ key: `g/${g.groupName.toLowerCase()}`, group: g });
    }
  }
  entities.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  // One marker over the three lists, as IAM pages them together.
  const page = pageOf(entities, paging, (e) => e.key);
  const of = <T>(pick: (e: Entity) => T | undefined): T[] =>
    page.items.map(pick).filter((x): x is T => x !== undefined);
  return {
    PolicyGroups: of((e) => e.group).map((g) => ({ GroupName: g.groupName, GroupId: g.groupId })),
    PolicyUsers: of((e) => e.user).map((u) => ({ UserName: u.userName, UserId: u.userId })),
    PolicyRoles: of((e) => e.role).map((r) => ({ RoleName: r.roleName, RoleId: r.roleId })),
    IsTruncated: page.isTruncated,
    Marker: page.isTruncated ? page.marker : undefined,
  };
};

async function all<T>(list: (options: ListOptions) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let marker: string | undefined;
  do {
    const page = await list({ maxItems: 1000, ...(marker === undefined ? {} : { marker }) });
    out.push(...page.items);
    marker = page.isTruncated ? page.marker : undefined;
  } while (marker !== undefined);
  return out;
}

export const attachmentOperations: Record<string, IamOperation> = {
  AttachRolePolicy: attachRolePolicy,
  DetachRolePolicy: detachRolePolicy,
  ListAttachedRolePolicies: listAttachedRolePolicies,
  ListEntitiesForPolicy: listEntitiesForPolicy,
};
