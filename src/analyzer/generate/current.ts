/**
 * A role's current permission policies as documents: its inline policies and the default version
 * of each attached managed policy (customer managed from the store, AWS managed from the catalogue).
 */
import { findAwsManagedPolicy } from '../../catalog/aws-managed-policies.js';
import type { Role } from '../../iam/types.js';
import type { Store } from '../../store/store.js';
import type { CurrentPolicy } from './generate.js';

export interface RolePermissions {
  role: Role;
  /** Inline policies by name, then attached managed policies by ARN. */
  policies: CurrentPolicy[];
}

/**
 * @example
 * const { role, policies } = await loadRolePermissions(store, '123456789012', 'web');
 */
export async function loadRolePermissions(
  store: Store,
  accountId: string,
  roleName: string,
): Promise<RolePermissions> {
  const role = await store.getRole(accountId, roleName);
  const policies: CurrentPolicy[] = [];
  let marker: string | undefined;
  do {
    const page = await store.listRolePolicies(accountId, role.roleName, { marker, maxItems: 1000 });
    for (const p of page.items) policies.push({ source: 'inline', name: p.policyName, document: p.document });
    marker = page.isTruncated ? page.marker : undefined;
  } while (marker !== undefined);
  const attached = await store.listAttachedRolePolicies(accountId, role.roleName, { maxItems: 1000 });
  for (const a of attached.items) {
    policies.push({
      source: 'managed',
      name: a.policyName,
      arn: a.policyArn,
      document: await managedDocument(store, a.policyArn),
    });
  }
  return { role, policies };
}

async function managedDocument(store: Store, arn: string): Promise<string> {
  const aws = findAwsManagedPolicy(arn);
  if (aws !== undefined) return aws.document;
  const policy = await store.getPolicy(arn);
  return (await store.getPolicyVersion(arn, policy.defaultVersionId)).document;
}
