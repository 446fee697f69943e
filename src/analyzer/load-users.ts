/**
 * The account's IAM users as the escalation graph takes them (`escalation/principals.ts`,
 * `UserInput`): each with its inline and attached policies, then each group's inline and
 * attached policies (a user acts with the union, IAM User Guide, "Policy evaluation logic"), and
 * its permissions boundary.
 */
import { findAwsManagedPolicy } from '../catalog/aws-managed-policies.js';
import { isAwsManagedPolicyArn } from '../iam/arn.js';
import type { ListOptions, Page, Store } from '../store/store.js';
import type { NamedPolicy } from './data.js';
import type { UserInput } from './escalation/principals.js';

async function all<T>(list: (options: ListOptions) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let marker: string | undefined;
  do {
    const page = await list(marker === undefined ? {} : { marker });
    out.push(...page.items);
    marker = page.isTruncated ? page.marker : undefined;
  } while (marker !== undefined);
  return out;
}

/** A managed policy's default version; `undefined` when it is gone or not in the catalogue. */
async function managed(store: Store, arn: string): Promise<NamedPolicy | undefined> {
  if (isAwsManagedPolicyArn(arn)) {
    const aws = findAwsManagedPolicy(arn);
    return aws === undefined ? undefined : { name: arn, arn, document: aws.document, source: 'aws-managed' };
  }
  try {
    const policy = await store.getPolicy(arn);
    const version = await store.getPolicyVersion(arn, policy.defaultVersionId);
    return { name: arn, arn, document: version.document, source: 'customer-managed' };
  } catch {
    return undefined;
  }
}

/**
 * @example
 * analyzeEscalation(data, { users: await loadEscalationUsers(store, '111122223333') });
 */
export async function loadEscalationUsers(store: Store, accountId: string): Promise<UserInput[]> {
  const out: UserInput[] = [];
  for (const user of await all((o) => store.listUsers(accountId, o))) {
    const policies: NamedPolicy[] = [];
    for (const p of await all((o) => store.listUserPolicies(accountId, user.userName, o))) {
      policies.push({
        name: `user/${user.userName}/${p.policyName}`,
        document: p.document,
        source: 'inline',
      });
    }
    for (const a of await all((o) => store.listAttachedUserPolicies(accountId, user.userName, o))) {
      const policy = await managed(store, a.policyArn);
      if (policy !== undefined) policies.push(policy);
    }
    for (const group of await all((o) => store.listGroupsForUser(accountId, user.userName, o))) {
      for (const p of await all((o) => store.listGroupPolicies(accountId, group.groupName, o))) {
        policies.push({
          name: `group/${group.groupName}/${p.policyName}`,
          document: p.document,
          source: 'inline',
        });
      }
      for (const a of await all((o) => store.listAttachedGroupPolicies(accountId, group.groupName, o))) {
        if (policies.some((p) => p.arn === a.policyArn)) continue;
        const policy = await managed(store, a.policyArn);
        if (policy !== undefined) policies.push(policy);
      }
    }
    // A boundary that no longer resolves still bounds: read as allowing nothing, never as absent.
    const boundaryArn = user.permissionsBoundaryArn;
    const boundary =
      boundaryArn === undefined
        ? undefined
        : ((await managed(store, boundaryArn)) ?? {
            name: boundaryArn,
            arn: boundaryArn,
            document: JSON.stringify({
              Version: '2012-10-17',
              Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }],
            }),
            source: 'customer-managed' as const,
          });
    out.push({
      arn: user.arn,
      userName: user.userName,
      accountId,
      userId: user.userId,
      identityPolicies: policies,
      ...(boundary === undefined ? {} : { boundary }),
      tags: user.tags,
    });
  }
  return out;
}
