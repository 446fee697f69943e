/**
 * A plan as text for people, one line per change:
 *
 *   + create role AppRole (arn:aws:iam::111122223333:role/demo-AppRole-K3Q9X0ZP1M2AB)
 *   ~ update role WebRole: trust policy, max session duration
 *   - delete role OldRole (arn:aws:iam::111122223333:role/old)
 *   Plan: 1 to create, 1 to update, 1 to delete, 4 unchanged.
 */
import type { SkippedResource } from './desired.js';
import type { PlanChange } from './diff.js';

export interface FormatPlanOptions {
  /** Resources of types credplane does not act on: listed so nothing is dropped silently. */
  skipped?: readonly SkippedResource[];
  /** Also list unchanged records (`= role AppRole`). */
  showUnchanged?: boolean;
}

const KIND_LABEL: Record<PlanChange['kind'], string> = {
  role: 'role',
  'managed-policy': 'managed policy',
  'role-policy': 'inline policy',
  user: 'user',
  group: 'group',
  'user-to-group': 'group membership',
  'instance-profile': 'instance profile',
  'oidc-provider': 'OIDC provider',
  'ec2-instance': 'EC2 instance',
  'ecs-task-definition': 'ECS task definition',
  'eks-pod-identity': 'EKS pod identity association',
  'lambda-function': 'Lambda function',
};

const SIGN: Record<PlanChange['action'], string> = { create: '+', update: '~', delete: '-', noop: '=' };

function subject(c: PlanChange): string {
  const shown = c.logicalId ?? c.name;
  const identity = c.arn ?? (c.name !== shown ? c.name : undefined);
  return identity === undefined ? shown : `${shown} (${identity})`;
}

function line(c: PlanChange): string {
  const head = `${SIGN[c.action]} ${c.action === 'noop' ? 'unchanged' : c.action} ${KIND_LABEL[c.kind]}`;
  if (c.action === 'update') return `${head} ${c.logicalId ?? c.name}: ${c.details.join(', ')}`;
  const why = c.details.length > 0 ? ` [${c.details.join(', ')}]` : '';
  return `${head} ${subject(c)}${why}`;
}

/**
 * Renders a plan (and the skipped resources) as text, ending with a one-line summary.
 *
 * @example
 * console.log(formatPlan(planChanges(desired, current), { skipped: desired.skipped }));
 */
export function formatPlan(plan: readonly PlanChange[], options: FormatPlanOptions = {}): string {
  const lines: string[] = [];
  for (const c of plan) {
    if (c.action === 'noop' && !options.showUnchanged) continue;
    lines.push(line(c));
  }
  const skipped = options.skipped ?? [];
  for (const s of skipped) {
    lines.push(`  skip ${s.type} ${s.logicalId} (${s.reason ?? 'not a type credplane acts on'})`);
  }
  const count = (a: PlanChange['action']) => plan.filter((c) => c.action === a).length;
  if (count('create') + count('update') + count('delete') === 0) lines.push('No changes.');
  const parts = [
    `${count('create')} to create`,
    `${count('update')} to update`,
    `${count('delete')} to delete`,
    `${count('noop')} unchanged`,
  ];
  if (skipped.length > 0) parts.push(`${skipped.length} skipped`);
  lines.push(`Plan: ${parts.join(', ')}.`);
  return `${lines.join('\n')}\n`;
}
