/**
 * Simulation results for people (text) and programs (JSON).
 */
import { describeMissingAllow, describeStatement, type StatementRef } from '../../policy/index.js';
import type { SimulationResult } from './simulate.js';

/**
 * @example
 * process.stdout.write(formatSimulationText(results));
 */
export function formatSimulationText(results: readonly SimulationResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.action} on ${r.resource}: ${r.evalDecision}`);
    lines.push(
      r.mode === 'trust'
        ? `  caller: ${r.caller} (the role's trust policy is the resource policy)`
        : `  caller: ${r.caller}`,
    );
    const { explanation } = r.decision;
    if (r.decision.decision === 'Allow') {
      for (const ref of explanation.deciding) lines.push(`  allowed by ${describeStatement(ref)}`);
    } else if (r.decision.decision === 'ExplicitDeny') {
      for (const ref of explanation.deciding) lines.push(`  denied by ${describeStatement(ref)}`);
    } else {
      for (const missing of explanation.missing)
        lines.push(`  why: ${describeMissingAllow(missing)} ${r.action}`);
    }
    const others = explanation.matched.filter((m) => !explanation.deciding.includes(m));
    for (const ref of others) lines.push(`  also matched: ${describeStatement(ref)} (${ref.effect})`);
    if (r.message !== undefined) lines.push(`  message: ${r.message}`);
    lines.push(
      `  policies evaluated: ${r.policies.length === 0 ? 'none' : r.policies.map((p) => `${p.kind} "${p.name}"`).join(', ')}`,
    );
    for (const note of r.notes) lines.push(`  note: ${note}`);
  }
  return `${lines.join('\n')}\n`;
}

function statementJson(ref: StatementRef): Record<string, unknown> {
  return {
    policyKind: ref.policyKind,
    policyId: ref.policyId,
    ...(ref.policyName === undefined ? {} : { policyName: ref.policyName }),
    statementIndex: ref.statementIndex,
    ...(ref.sid === undefined ? {} : { sid: ref.sid }),
    effect: ref.effect,
    ...(ref.loc.start === undefined ? {} : { line: ref.loc.start.line, column: ref.loc.start.column }),
  };
}

/**
 * IAM simulator-like JSON: `EvaluationResults` with `EvalActionName`, `EvalResourceName`,
 * `EvalDecision`, the matched and deciding statements, and what lacked an Allow.
 *
 * @example
 * JSON.parse(formatSimulationJson(results)).EvaluationResults[0].EvalDecision; // 'allowed'
 */
export function formatSimulationJson(results: readonly SimulationResult[]): string {
  return `${JSON.stringify(
    {
      EvaluationResults: results.map((r) => ({
        EvalActionName: r.action,
        EvalResourceName: r.resource,
        EvalDecision: r.evalDecision,
        Mode: r.mode,
        Caller: r.caller,
        DecidingStatements: r.decision.explanation.deciding.map(statementJson),
        MatchedStatements: r.decision.explanation.matched.map(statementJson),
        MissingAllows: r.decision.explanation.missing.map((m) => ({ ...m, reason: describeMissingAllow(m) })),
        ...(r.message === undefined ? {} : { Message: r.message }),
        Policies: r.policies,
        Notes: r.notes,
      })),
    },
    null,
    2,
  )}\n`;
}
