/**
 * Least privilege for one role, as `credplane policy generate`/`tighten`/`rollback` do it
 * (`analyzer/tighten`): `GET api/roles/<name>/least-privilege` (the role page's reads) shows the
 * generated policy beside the current ones; `POST …/apply` (`iam:PutRolePolicy`,
 * `iam:DeleteRolePolicy`, `iam:DetachRolePolicy` on the role, each change authorized as the IAM
 * call it is) keeps a snapshot and applies; `POST …/rollback {snapshotId}` (the same plus
 * `iam:AttachRolePolicy`) restores one.
 */
import { parseSince, DEFAULT_SINCE } from '../../analyzer/generate/since.js';
import { describeChange, type PolicyChange } from '../../analyzer/tighten/changes.js';
import {
  applyTighten,
  planPolicy,
  rollbackPolicies,
  type PolicyPlan,
} from '../../analyzer/tighten/tighten.js';
import { ValidationError } from '../../errors.js';
import type { Role } from '../../iam/types.js';
import { requireAll } from '../authorization.js';
import type { ChangeResult, LeastPrivilegeView } from '../contract.js';
import type { ApiContext } from './context.js';
import { pretty, readableRole } from './role.js';

const CHANGE_ACTIONS = ['iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:DetachRolePolicy'];

function plan(ctx: ApiContext, role: Role): Promise<PolicyPlan> {
  const since = ctx.query.get('since') ?? DEFAULT_SINCE;
  let start: Date;
  try {
    start = parseSince(since, new Date(ctx.now()));
  } catch {
    throw new ValidationError('since must be a duration such as 90d or an ISO 8601 time.');
  }
  return planPolicy(ctx.store, role.accountId, role.roleName, {
    since: start,
    partition: ctx.arns.partition,
  });
}

/**
 * Each change authorized as the IAM call it is, on the role, before any is made, with the condition
 * keys the IAM API gives that call (`iam-api/resources.ts`, `iam-api/attachments.ts`):
 * `iam:PermissionsBoundary` (the role's boundary) on every one and `iam:PolicyARN` on attach and
 * detach, so a policy that refuses, say, attaching AdministratorAccess refuses it here too.
 */
function authorizeChanges(
  ctx: ApiContext,
  role: Role,
  actions: readonly string[],
  changes: readonly PolicyChange[],
): void {
  const boundary = { 'iam:PermissionsBoundary': role.permissionsBoundaryArn };
  requireAll(
    ctx.auth,
    actions.map((action) => ({ action, resource: role.arn, extra: boundary })),
    ctx.ring,
  );
  requireAll(
    ctx.auth,
    changes.map((c) => ({
      action: `iam:${c.op}`,
      resource: role.arn,
      extra: 'policyArn' in c ? { ...boundary, 'iam:PolicyARN': c.policyArn } : boundary,
    })),
    ctx.ring,
  );
}

export async function leastPrivilegeView(ctx: ApiContext, roleName: string): Promise<LeastPrivilegeView> {
  const role = await readableRole(ctx, roleName);
  const p = await plan(ctx, role);
  const snapshots = await ctx.store.listRolePolicySnapshots(role.accountId, role.roleName);
  const empty = p.generated.document.Statement.length === 0 && p.generated.used.length === 0;
  return {
    roleName: role.roleName,
    current: p.current.policies.map((c) => ({ name: c.arn ?? c.name, text: pretty(c.document) })),
    ...(empty ? {} : { generated: { name: 'credplane-least-privilege', text: p.generated.text } }),
    diff: p.diff,
    removed: p.removed.services.flatMap((s) => s.removed),
    snapshots: snapshots.map((s) => ({
      snapshotId: s.snapshotId,
      createdAt: s.createdAt.toISOString(),
      reason: s.reason,
    })),
  };
}

export async function applyLeastPrivilege(ctx: ApiContext, roleName: string): Promise<ChangeResult> {
  const role = await readableRole(ctx, roleName);
  const p = await plan(ctx, role);
  authorizeChanges(ctx, role, CHANGE_ACTIONS, p.changes);
  const snapshot = await applyTighten(ctx.store, p, { kind: 'store' });
  return { roleName: role.roleName, snapshotId: snapshot.snapshotId, changes: p.changes.map(describeChange) };
}

export async function rollbackLeastPrivilege(
  ctx: ApiContext,
  roleName: string,
  body: unknown,
): Promise<ChangeResult> {
  const role = await readableRole(ctx, roleName);
  const snapshotId =
    typeof body === 'object' && body !== null && 'snapshotId' in body
      ? (body as { snapshotId: unknown }).snapshotId
      : undefined;
  if (snapshotId !== undefined && typeof snapshotId !== 'string') {
    throw new ValidationError('snapshotId must be a string.');
  }
  authorizeChanges(ctx, role, [...CHANGE_ACTIONS, 'iam:AttachRolePolicy'], []);
  const result = await rollbackPolicies(
    ctx.store,
    role.accountId,
    role.roleName,
    { kind: 'store' },
    snapshotId,
    (changes) => authorizeChanges(ctx, role, [], changes),
  );
  return {
    roleName: role.roleName,
    snapshotId: result.snapshot.snapshotId,
    changes: result.changes.map(describeChange),
  };
}
