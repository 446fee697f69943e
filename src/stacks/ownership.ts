/**
 * How the Store remembers which stack made what, so that an apply deletes only its own records
 * and refuses names held by anything else.
 *
 * CloudFormation keeps a stack database and also tags what it creates (`aws:cloudformation:stack-name`,
 * `aws:cloudformation:logical-id`). credplane has no stack table, so the tags are the record:
 * - roles, managed policies, instance profiles and OIDC providers carry the tags
 *   `credplane:stack` = stack name and `credplane:logical-id` = logical id;
 * - an `AWS::IAM::Policy` (an inline policy put on roles) marks each role it is on with the tag
 *   `credplane:policy:<PolicyName>` = `<stack>/<logicalId>` (inline policies have no tags of their own);
 * - workloads carry the same two keys in their `settings` JSON;
 * - IAM users and groups, `AWS::IAM::UserToGroupAddition` memberships and `AWS::IAM::Policy` on
 *   users and groups are recorded by unique id in the stack's ledger instead (`ledger.ts`): groups
 *   have no tags, and a user's tags can be written by anyone allowed `iam:TagUser`.
 * The `credplane:` tag prefix is reserved: templates may not use it, and the tags are never shown
 * as the resource's own (they are stripped before diffing).
 */
import { LOGICAL_ID_KEY, STACK_KEY } from '../workloads/index.js';
import type { Tag } from './desired.js';

export const STACK_TAG = STACK_KEY;
export const LOGICAL_ID_TAG = LOGICAL_ID_KEY;
/** Followed by the inline policy's name; the value is `<stack>/<logicalId>`. */
export const POLICY_TAG_PREFIX = 'credplane:policy:';
const RESERVED_PREFIX = 'credplane:';

/** Who owns a record, as its tags or settings say. */
export interface Ownership {
  stack?: string;
  logicalId?: string;
}

/** True for tag keys credplane keeps for itself (compared without case, as IAM compares role tag keys). */
export function isReservedTagKey(key: string): boolean {
  return key.toLowerCase().startsWith(RESERVED_PREFIX);
}

/** The ownership tags written on a record a stack creates. */
export function ownershipTags(stack: string, logicalId: string | undefined): Tag[] {
  const tags: Tag[] = [{ key: STACK_TAG, value: stack }];
  if (logicalId !== undefined) tags.push({ key: LOGICAL_ID_TAG, value: logicalId });
  return tags;
}

function tagValue(tags: readonly Tag[], key: string): string | undefined {
  return tags.find((t) => t.key.toLowerCase() === key)?.value;
}

/** The owner a record's tags name, and its tags without the reserved ones. */
export function readOwnership(tags: readonly Tag[]): { owner: Ownership; userTags: Tag[] } {
  const owner: Ownership = {};
  const stack = tagValue(tags, STACK_TAG);
  const logicalId = tagValue(tags, LOGICAL_ID_TAG);
  if (stack !== undefined) owner.stack = stack;
  if (logicalId !== undefined) owner.logicalId = logicalId;
  return { owner, userTags: tags.filter((t) => !isReservedTagKey(t.key)) };
}

/** The role tag that says an `AWS::IAM::Policy` of a stack put `policyName` on the role. */
export function policyTag(policyName: string, stack: string, logicalId: string): Tag {
  return { key: `${POLICY_TAG_PREFIX}${policyName}`, value: `${stack}/${logicalId}` };
}

/** The `AWS::IAM::Policy` records marked on a role: policy name (lower case) → owner. */
export function readPolicyTags(tags: readonly Tag[]): Map<string, { policyName: string; owner: Ownership }> {
  const out = new Map<string, { policyName: string; owner: Ownership }>();
  for (const t of tags) {
    if (!t.key.toLowerCase().startsWith(POLICY_TAG_PREFIX)) continue;
    const policyName = t.key.slice(POLICY_TAG_PREFIX.length);
    // Stack names cannot contain `/` (CloudFormation's pattern), so the first one splits.
    const slash = t.value.indexOf('/');
    const owner: Ownership =
      slash < 0
        ? { stack: t.value }
        : { stack: t.value.slice(0, slash), logicalId: t.value.slice(slash + 1) };
    out.set(policyName.toLowerCase(), { policyName, owner });
  }
  return out;
}

/** Stack names as CloudFormation allows them; they end up in tag values and generated names. */
export const STACK_NAME_RE = /^[A-Za-z][-A-Za-z0-9]{0,127}$/;
