/**
 * Replacing a role's permission policies as a list of IAM operations, so that the same plan can be
 * shown, sent through the IAM Query API, or written in one store transaction. The permissions
 * boundary is never touched: it is not a permission policy.
 */
import type { Store } from '../../store/store.js';

/** A role's permission policies: inline documents and attached managed policy ARNs. */
export interface RolePolicySet {
  inline: { policyName: string; document: string }[];
  attached: { policyArn: string; policyName?: string }[];
}

export type PolicyChange =
  | { op: 'PutRolePolicy'; policyName: string; document: string }
  | { op: 'AttachRolePolicy'; policyArn: string }
  | { op: 'DeleteRolePolicy'; policyName: string }
  | { op: 'DetachRolePolicy'; policyArn: string };

/** The IAM operations a change needs; implemented over the IAM API and over the store. */
export interface RolePolicyWriter {
  putRolePolicy(roleName: string, policyName: string, document: string): Promise<void>;
  deleteRolePolicy(roleName: string, policyName: string): Promise<void>;
  attachRolePolicy(roleName: string, policyArn: string): Promise<void>;
  detachRolePolicy(roleName: string, policyArn: string): Promise<void>;
}

/**
 * The operations that turn `current` into `target`. What grants comes first (puts, attaches), then
 * what is removed, so the role is never left with less than either side while it changes.
 *
 * @example
 * planReplacement(current, { inline: [{ policyName: 'credplane-least-privilege', document }], attached: [] });
 */
export function planReplacement(current: RolePolicySet, target: RolePolicySet): PolicyChange[] {
  const changes: PolicyChange[] = [];
  const currentInline = new Map(current.inline.map((p) => [p.policyName.toLowerCase(), p.document]));
  const targetInline = new Set(target.inline.map((p) => p.policyName.toLowerCase()));
  const currentArns = new Set(current.attached.map((p) => p.policyArn));
  const targetArns = new Set(target.attached.map((p) => p.policyArn));
  for (const p of sortBy(target.inline, (x) => x.policyName)) {
    if (currentInline.get(p.policyName.toLowerCase()) !== p.document) {
      changes.push({ op: 'PutRolePolicy', policyName: p.policyName, document: p.document });
    }
  }
  for (const p of sortBy(target.attached, (x) => x.policyArn)) {
    if (!currentArns.has(p.policyArn)) changes.push({ op: 'AttachRolePolicy', policyArn: p.policyArn });
  }
  for (const p of sortBy(current.inline, (x) => x.policyName)) {
    if (!targetInline.has(p.policyName.toLowerCase()))
      changes.push({ op: 'DeleteRolePolicy', policyName: p.policyName });
  }
  for (const p of sortBy(current.attached, (x) => x.policyArn)) {
    if (!targetArns.has(p.policyArn)) changes.push({ op: 'DetachRolePolicy', policyArn: p.policyArn });
  }
  return changes;
}

function sortBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * Applies the changes in order; stops at the first failure (its error propagates).
 *
 * @example
 * await applyChanges(writer, 'web', changes);
 */
export async function applyChanges(
  writer: RolePolicyWriter,
  roleName: string,
  changes: readonly PolicyChange[],
): Promise<void> {
  for (const change of changes) {
    switch (change.op) {
      case 'PutRolePolicy':
        await writer.putRolePolicy(roleName, change.policyName, change.document);
        break;
      case 'AttachRolePolicy':
        await writer.attachRolePolicy(roleName, change.policyArn);
        break;
      case 'DeleteRolePolicy':
        await writer.deleteRolePolicy(roleName, change.policyName);
        break;
      case 'DetachRolePolicy':
        await writer.detachRolePolicy(roleName, change.policyArn);
        break;
    }
  }
}

/** One line per change, for plans and reports. */
export function describeChange(change: PolicyChange): string {
  switch (change.op) {
    case 'PutRolePolicy':
      return `PutRolePolicy ${change.policyName}`;
    case 'AttachRolePolicy':
      return `AttachRolePolicy ${change.policyArn}`;
    case 'DeleteRolePolicy':
      return `DeleteRolePolicy ${change.policyName}`;
    case 'DetachRolePolicy':
      return `DetachRolePolicy ${change.policyArn}`;
  }
}

/**
 * The writer over a store (or a store transaction): the fallback when no control plane is running.
 *
 * @example
 * await store.transaction((tx) => applyChanges(storeWriter(tx, account), 'web', changes));
 */
export function storeWriter(store: Store, accountId: string): RolePolicyWriter {
  return {
    putRolePolicy: (roleName, policyName, document) =>
      store.putRolePolicy(accountId, roleName, policyName, document),
    deleteRolePolicy: (roleName, policyName) => store.deleteRolePolicy(accountId, roleName, policyName),
    attachRolePolicy: (roleName, policyArn) => store.attachRolePolicy(accountId, roleName, policyArn),
    detachRolePolicy: (roleName, policyArn) => store.detachRolePolicy(accountId, roleName, policyArn),
  };
}
