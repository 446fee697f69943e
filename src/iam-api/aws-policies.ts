/**
 * AWS managed policies as this account sees them: the catalog's policy with the account's own
 * `AttachmentCount` and `PermissionsBoundaryUsageCount`, as IAM reports them per account.
 */
import type { OperationContext } from '../control/operation.js';
import type { AwsManagedPolicy } from '../catalog/aws-managed-policies.js';
import type { ManagedPolicy, Role } from '../iam/types.js';

/** How many of the account's roles attach each policy ARN, and use it as their boundary. */
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

/**
 * Counts attachments and boundary uses of every policy across the account's roles. One query per
 * role: AWS managed policies are not rows the store can count for us.
 */
export async function policyUsage(ctx: OperationContext): Promise<PolicyUsage> {
  const usage: PolicyUsage = { attachments: new Map(), boundaries: new Map() };
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  for (const role of await allRoles(ctx)) {
    if (role.permissionsBoundaryArn !== undefined) bump(usage.boundaries, role.permissionsBoundaryArn);
    let marker: string | undefined;
    do {
      const page = await ctx.store.listAttachedRolePolicies(ctx.accountId, role.roleName, {
        maxItems: 1000,
        ...(marker === undefined ? {} : { marker }),
      });
      for (const attached of page.items) bump(usage.attachments, attached.policyArn);
      marker = page.isTruncated ? page.marker : undefined;
    } while (marker !== undefined);
  }
  return usage;
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
