/**
 * What `policy tighten` keeps so that `policy rollback` can restore a role exactly: its inline
 * policies with their documents and its attached managed policy ARNs (the permissions boundary is
 * recorded for reference only; tighten never changes it).
 */
import type { JsonValue } from '../../iam/types.js';
import type { RolePolicySnapshot } from '../../store/store.js';
import type { RolePolicySet } from './changes.js';

export interface SnapshotContent extends RolePolicySet {
  format: 1;
  roleArn: string;
  roleId: string;
  permissionsBoundaryArn?: string;
  /** The inline policy tighten put in place of these, for reference. */
  applied?: { policyName: string; document: string };
}

/** To the store's JSON column. */
export function snapshotJson(content: SnapshotContent): JsonValue {
  return JSON.parse(JSON.stringify(content)) as JsonValue;
}

/**
 * Reads a stored snapshot back; `Error` for one this version does not understand.
 *
 * @example
 * const content = snapshotContent((await store.listRolePolicySnapshots(acct, 'web'))[0]!);
 */
export function snapshotContent(snapshot: RolePolicySnapshot): SnapshotContent {
  const value = snapshot.snapshot as unknown as Partial<SnapshotContent>;
  if (
    value === null ||
    typeof value !== 'object' ||
    value.format !== 1 ||
    !Array.isArray(value.inline) ||
    !Array.isArray(value.attached)
  ) {
    throw new Error(`snapshot ${snapshot.snapshotId} is not a policy snapshot this credplane can restore`);
  }
  return value as SnapshotContent;
}
