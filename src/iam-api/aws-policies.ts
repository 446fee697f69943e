/**
 * AWS managed policies as this account sees them: the catalog's policy with the account's own
 * `AttachmentCount` and `PermissionsBoundaryUsageCount`, as IAM reports them per account.
 */
import type { OperationContext } from '../control/operation.js';
import type { AwsManagedPolicy } from '../catalog/aws-managed-policies.js';
import type { AttachedPolicy, Group, ManagedPolicy, Role, User } from '../iam/types.js';
import type { ListOptions, Page } from '../store/store.js';

/** How many of the account's users, groups and roles attach each policy ARN, and how many users and roles use it as their boundary. */
export interface PolicyUsage {
  attachments: Map<string, number>;
  boundaries: Map<string, number>;
}

export async function allRoles(ctx: OperationContext): Promise<Role[]> {
  const roles: Role[] = [];
  let marker: string | undefined;
  do {
    const page = await ctx.store.listRoles(ctx.accountId, {
      maxItems: 1000,
      ...(marker === undefined ? {} : { marker }),
    });
    roles.push(...page.items);
    marker = page.isTruncated ? page.marker : undefined;
  } while (marker !== undefined);
  return roles;
}

/** Every item of a store listing, page by page. */
export async function everything<T>(list: (options: ListOptions) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let marker: string | undefined;
  do {
    const page = await list({ maxItems: 1000, ...(marker === undefined ? {} : { marker }) });
    items.push(...page.items);
    marker = page.isTruncated ? page.marker : undefined;
  } while (marker !== undefined);
  return items;
}

/**
 * Attachments and boundary uses of every policy ARN across the given users, groups and roles of
 * the account. IAM API Reference, `Policy`: `AttachmentCount` is "the number of entities (users,
 * groups, and roles) that the policy is attached to", `PermissionsBoundaryUsageCount` "the number
 * of entities (users and roles) for which the policy is used to set the permissions boundary".
 * One query per entity: AWS managed policies are not rows the store can count for us.
 */
export async function entityPolicyUsage(
  ctx: OperationContext,
  users: readonly User[],
  groups: readonly Group[],
  roles: readonly Role[],
): Promise<PolicyUsage> {
  const { accountId, store } = ctx;
  const usage: PolicyUsage = { attachments: new Map(), boundaries: new Map() };
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  const count = (attached: readonly AttachedPolicy[]) => {
    for (const a of attached) bump(usage.attachments, a.policyArn);
  };
  for (const u of users) {
    if (u.permissionsBoundaryArn !== undefined) bump(usage.boundaries, u.permissionsBoundaryArn);
    count(await everything((o) => store.listAttachedUserPolicies(accountId, u.userName, o)));
  }
  for (const g of groups)
    count(await everything((o) => store.listAttachedGroupPolicies(accountId, g.groupName, o)));
  for (const r of roles) {
    if (r.permissionsBoundaryArn !== undefined) bump(usage.boundaries, r.permissionsBoundaryArn);
    count(await everything((o) => store.listAttachedRolePolicies(accountId, r.roleName, o)));
  }
  return usage;
}

/** `entityPolicyUsage` over all the account's users, groups and roles. */
export async function policyUsage(ctx: OperationContext): Promise<PolicyUsage> {
  const { accountId, store } = ctx;
  return entityPolicyUsage(
    ctx,
    await everything((o) => store.listUsers(accountId, o)),
    await everything((o) => store.listGroups(accountId, o)),
    await allRoles(ctx),
  );
}

/** The catalog policy in the model's `ManagedPolicy` shape, with this account's counts. */
export function awsPolicyView(policy: AwsManagedPolicy, usage: PolicyUsage): ManagedPolicy {
  return {
    accountId: 'aws',
    policyName: policy.policyName,
    path: policy.path,
    policyId: policy.policyId,
    arn: policy.arn,
    defaultVersionId: policy.defaultVersionId,
    attachmentCount: usage.attachments.get(policy.arn) ?? 0,
    permissionsBoundaryUsageCount: usage.boundaries.get(policy.arn) ?? 0,
    isAttachable: true,
    tags: [],
    createDate: policy.createDate,
    updateDate: policy.updateDate,
  };
}
