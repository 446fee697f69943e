/**
 * `policy generate` / `policy tighten` output: the generated policy with what it rests on, the
 * unused actions it removes, the IAM changes, and the diff against the current policies.
 */
import type { RemovedActions } from './diff.js';
import type { PolicyPlan } from '../tighten/tighten.js';
import { describeChange } from '../tighten/changes.js';

const MAX_LISTED = 6;

/**
 * The removed actions, one line per service (a few names, then a count).
 *
 * @example
 * formatRemoved(plan.removed); // '  sqs: all 23 granted actions unused\n  s3: 148 of 150 unused (kept 2): s3:AbortMultipartUpload, ...\n'
 */
export function formatRemoved(removed: RemovedActions): string {
  if (removed.services.length === 0) return '  none: every granted action was used\n';
  const lines: string[] = [];
  for (const s of removed.services) {
    const head =
      s.kept === 0
        ? `all ${s.granted} granted actions unused`
        : `${s.removed.length} of ${s.granted} unused (kept ${s.kept})`;
    const listed = s.removed.slice(0, MAX_LISTED).join(', ');
    const more = s.removed.length > MAX_LISTED ? `, ... ${s.removed.length - MAX_LISTED} more` : '';
    lines.push(`  ${s.service}: ${head}: ${listed}${more}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The whole plan for a terminal.
 *
 * @example
 * process.stdout.write(formatPlanText(plan));
 */
export function formatPlanText(plan: PolicyPlan): string {
  const { role } = plan.current;
  const g = plan.generated;
  const out: string[] = [];
  out.push(
    `Least-privilege policy for role ${role.roleName} (${role.arn}), from what the access log shows since ${plan.since.toISOString()}:`,
    '',
  );
  out.push(g.document.Statement.length === 0 ? '(no statements: nothing was used in the period)\n' : g.text);
  if (g.dependentActions.length > 0) {
    out.push('Dependent actions added (from the action catalogue):');
    for (const d of g.dependentActions)
      out.push(`  ${d.action} on ${d.resources.join(', ')}, needed by ${d.requiredBy.join(', ')}`);
    out.push('');
  }
  if (g.keptDenies.length > 0) {
    out.push('Deny statements kept from the current policies:');
    for (const k of g.keptDenies) out.push(`  ${k.sid ?? '(no Sid)'} from ${k.policy}`);
    out.push('');
  }
  if (g.verification.widening.length > 0) {
    out.push('NOT APPLICABLE: the generated policy allows requests the current policies refuse:');
    for (const w of g.verification.widening) {
      out.push(`  ${w.action} on ${w.resource} with ${JSON.stringify(w.context)} (current: ${w.current})`);
    }
    out.push('');
  }
  for (const note of g.notes) out.push(`note: ${note}`);
  if (g.notes.length > 0) out.push('');
  if (g.findings.length === 0) out.push('Policy checks: no findings.');
  else {
    out.push('Policy checks:');
    for (const f of g.findings) {
      const where = f.location?.path === undefined ? '' : ` at ${f.location.path}`;
      out.push(`  ${f.severity} ${f.code}${where}: ${f.message}`);
    }
  }
  out.push(
    '',
    `Unused permissions removed (${plan.removed.removedCount} of ${plan.removed.grantedCount} granted actions):`,
  );
  out.push(formatRemoved(plan.removed).trimEnd(), '');
  out.push(
    plan.changes.length === 0
      ? 'IAM changes: none (the role already has exactly this policy).'
      : 'IAM changes:',
  );
  for (const change of plan.changes) out.push(`  ${describeChange(change)}`);
  out.push('');
  if (plan.diff !== '') out.push('Diff against the current policies:', plan.diff);
  return `${out.join('\n').trimEnd()}\n`;
}

/**
 * The plan as JSON (the policy document itself under `policy`).
 *
 * @example
 * JSON.parse(formatPlanJson(plan)).policy.Statement;
 */
export function formatPlanJson(plan: PolicyPlan): string {
  const g = plan.generated;
  return `${JSON.stringify(
    {
      role: plan.current.role.roleName,
      roleArn: plan.current.role.arn,
      since: plan.since.toISOString(),
      policy: g.document,
      allowedActions: g.allowedActions,
      dependentActions: g.dependentActions,
      keptDenies: g.keptDenies,
      used: g.used.map((u) => ({ ...u, lastAccessed: u.lastAccessed.toISOString() })),
      notes: g.notes,
      findings: g.findings,
      verification: g.verification,
      removed: plan.removed,
      changes: plan.changes.map(describeChange),
      diff: plan.diff,
    },
    null,
    2,
  )}\n`;
}
