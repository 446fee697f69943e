/**
 * `policy generate`, `policy tighten` and `policy rollback` as functions over the store and a
 * `RolePolicyWriter`: plan (generate + diff + the IAM changes), apply (snapshot, then change), and
 * restore (the newest or a given snapshot, which is then deleted).
 */
import type { AccountId } from '../../iam/types.js';
import { NoSuchEntityError } from '../../iam/errors.js';
import type { RolePolicySnapshot, Store } from '../../store/store.js';
import { loadRolePermissions, type RolePermissions } from '../generate/current.js';
import {
  GENERATED_POLICY_NAME,
  policiesText,
  removedActions,
  unifiedDiff,
  type RemovedActions,
} from '../generate/diff.js';
import { generatePolicy, type GenerateOptions, type GenerationResult } from '../generate/generate.js';
import { installedCatalog } from '../generate/catalog.js';
import { findWidening, type Widening } from '../generate/verify.js';
import { AwsError } from '../../errors.js';
import {
  applyChanges,
  planReplacement,
  storeWriter as storeWriterFor,
  type PolicyChange,
  type RolePolicySet,
  type RolePolicyWriter,
} from './changes.js';
import { snapshotContent, snapshotJson, type SnapshotContent } from './snapshot.js';

export interface PlanOptions extends GenerateOptions {
  /** Start of the tracking period. */
  since: Date;
}

export interface PolicyPlan {
  accountId: AccountId;
  since: Date;
  current: RolePermissions;
  generated: GenerationResult;
  /** Unified diff of the current policies' JSON against the generated one. */
  diff: string;
  removed: RemovedActions;
  /** What `tighten --apply` does, in order. */
  changes: PolicyChange[];
}

/**
 * @example
 * const plan = await planPolicy(store, '123456789012', 'web', { since: parseSince('90d') });
 * process.stdout.write(plan.generated.text + plan.diff);
 */
export async function planPolicy(
  store: Store,
  accountId: AccountId,
  roleName: string,
  options: PlanOptions,
): Promise<PolicyPlan> {
  const current = await loadRolePermissions(store, accountId, roleName);
  const accesses = await store.listLastAccessed(accountId, {
    roleName: current.role.roleName,
    since: options.since,
  });
  const generated = await generatePolicy(
    { role: current.role, accesses, current: current.policies },
    { partition: store.partition, ...options },
  );
  const label = `role/${current.role.roleName}`;
  const target = targetSet(generated);
  const diff = unifiedDiff(
    policiesText(current.policies),
    policiesText(target.inline.map((p) => ({ source: 'inline', name: p.policyName, document: p.document }))),
    `${label} (current)`,
    `${label} (generated)`,
  );
  const removed = await removedActions(current.policies, generated.allowedActions, options.catalog);
  const changes = planReplacement(currentSet(current), target);
  return { accountId, since: options.since, current, generated, diff, removed, changes };
}

function currentSet(current: RolePermissions): RolePolicySet {
  return {
    inline: current.policies
      .filter((p) => p.source === 'inline')
      .map((p) => ({ policyName: p.name, document: p.document })),
    attached: current.policies
      .filter((p) => p.source === 'managed')
      .map((p) => ({ policyArn: p.arn!, policyName: p.name })),
  };
}

/**
 * The generated policy as the role's only permission policy; none when it grants nothing. It is
 * stored pretty-printed: GetRolePolicy returns it as written and explanations point at its lines,
 * and IAM's size quota does not count whitespace.
 */
function targetSet(generated: GenerationResult): RolePolicySet {
  return {
    inline:
      generated.document.Statement.length === 0
        ? []
        : [{ policyName: GENERATED_POLICY_NAME, document: generated.text }],
    attached: [],
  };
}

/**
 * `policy tighten --apply` refused: the policy to put in place allows a request the role's current
 * policies refuse. Tightening must never widen access.
 */
export class PolicyWouldWidenError extends AwsError {
  readonly widening: Widening[];
  constructor(roleName: string, widening: Widening[], reason?: string) {
    const first = widening[0];
    super(
      'PolicyWouldWiden',
      `the policies planned for role ${roleName} are broader than its current ones: ` +
        (reason ??
          `they allow ${widening.length} checked request(s) the current ones refuse, e.g. ${first?.action} on ` +
            `${first?.resource} with context ${JSON.stringify(first?.context ?? {})}`) +
        '; nothing applied',
    );
    this.widening = widening;
  }
}

/**
 * Checks the policies the role would have after `plan.changes` against its current ones, on the
 * exact documents about to be written (whatever produced the plan); `PolicyWouldWidenError` if
 * they allow any checked request the current ones refuse, or attach a policy it does not have.
 */
async function refuseWidening(plan: PolicyPlan): Promise<void> {
  const role = plan.current.role;
  const inline = new Map(
    plan.current.policies.filter((p) => p.source === 'inline').map((p) => [p.name.toLowerCase(), p.document]),
  );
  const managed = new Map(
    plan.current.policies.filter((p) => p.source === 'managed').map((p) => [p.arn!, p.document]),
  );
  for (const change of plan.changes) {
    if (change.op === 'PutRolePolicy') inline.set(change.policyName.toLowerCase(), change.document);
    else if (change.op === 'DeleteRolePolicy') inline.delete(change.policyName.toLowerCase());
    else if (change.op === 'DetachRolePolicy') managed.delete(change.policyArn);
    else if (!managed.has(change.policyArn)) {
      throw new PolicyWouldWidenError(
        role.roleName,
        [],
        `it attaches ${change.policyArn}, which the role does not have`,
      );
    }
  }
  const after = [...inline.values(), ...managed.values()];
  if (after.length === 0) return; // no permission policies: nothing is allowed
  const { widening } = await findWidening({
    current: plan.current.policies,
    generated: after,
    role,
    used: plan.generated.used,
    catalog: installedCatalog,
  });
  if (widening.length > 0) throw new PolicyWouldWidenError(role.roleName, widening);
}

/** How changes reach IAM: through a writer (the IAM API), or a store transaction. */
export type ApplyVia = { kind: 'iam-api'; writer: RolePolicyWriter } | { kind: 'store' };

/**
 * Saves a snapshot of the role's current policies, then applies `plan.changes`. Through the store,
 * both happen in one transaction; through the IAM API the snapshot is written first, so a change
 * that fails half-way can still be rolled back.
 *
 * @example
 * const snapshot = await applyTighten(store, plan, { kind: 'store' });
 */
export async function applyTighten(
  store: Store,
  plan: PolicyPlan,
  via: ApplyVia,
): Promise<RolePolicySnapshot> {
  const role = plan.current.role;
  const generatedInline = targetSet(plan.generated).inline[0];
  await refuseWidening(plan);
  const content: SnapshotContent = {
    format: 1,
    roleArn: role.arn,
    roleId: role.roleId,
    ...currentSet(plan.current),
    ...(role.permissionsBoundaryArn === undefined
      ? {}
      : { permissionsBoundaryArn: role.permissionsBoundaryArn }),
    ...(generatedInline === undefined ? {} : { applied: generatedInline }),
  };
  if (via.kind === 'store') {
    return store.transaction(async (tx) => {
      const saved = await tx.saveRolePolicySnapshot(
        plan.accountId,
        role.roleName,
        'policy tighten',
        snapshotJson(content),
      );
      await applyChanges(storeWriterFor(tx, plan.accountId), role.roleName, plan.changes);
      return saved;
    });
  }
  const saved = await store.saveRolePolicySnapshot(
    plan.accountId,
    role.roleName,
    'policy tighten',
    snapshotJson(content),
  );
  await applyChanges(via.writer, role.roleName, plan.changes);
  return saved;
}

export interface RollbackResult {
  snapshot: RolePolicySnapshot;
  changes: PolicyChange[];
}

/**
 * Restores the role's policies from the newest snapshot (or `snapshotId`) and deletes it.
 * `NoSuchEntity` when there is none.
 *
 * @example
 * const { snapshot, changes } = await rollbackPolicies(store, account, 'web', { kind: 'store' });
 */
export async function rollbackPolicies(
  store: Store,
  accountId: AccountId,
  roleName: string,
  via: ApplyVia,
  snapshotId?: string,
  /**
   * Called with the planned changes before any is made; throws to refuse them (the console
   * authorizes each as the IAM call it is, with its condition keys).
   */
  authorize?: (changes: readonly PolicyChange[]) => void,
): Promise<RollbackResult> {
  const current = await loadRolePermissions(store, accountId, roleName);
  const snapshots = await store.listRolePolicySnapshots(accountId, current.role.roleName);
  const snapshot =
    snapshotId === undefined ? snapshots[0] : snapshots.find((s) => s.snapshotId === snapshotId);
  if (snapshot === undefined) {
    throw new NoSuchEntityError(
      snapshotId === undefined
        ? `The role ${current.role.roleName} has no policy snapshot.`
        : `The role ${current.role.roleName} has no policy snapshot ${snapshotId}.`,
    );
  }
  const content = snapshotContent(snapshot);
  const changes = planReplacement(currentSet(current), content);
  authorize?.(changes);
  if (via.kind === 'store') {
    await store.transaction(async (tx) => {
      await applyChanges(storeWriterFor(tx, accountId), current.role.roleName, changes);
      await tx.deleteRolePolicySnapshot(snapshot.snapshotId);
    });
  } else {
    await applyChanges(via.writer, current.role.roleName, changes);
    await store.deleteRolePolicySnapshot(snapshot.snapshotId);
  }
  return { snapshot, changes };
}
