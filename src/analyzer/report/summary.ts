/** Counts of findings by severity and category, shared by the text and JSON reports. */
import { SEVERITIES } from '../findings.js';
import type { Finding, FindingCategory, Severity } from '../findings.js';

export interface FindingSummary {
  total: number;
  bySeverity: Record<Severity, number>;
  byCategory: Record<FindingCategory, number>;
  /** Distinct subjects (kind/name) with at least one finding. */
  subjects: number;
}

/**
 * @example
 * summarize(findings).bySeverity.ERROR; // 2
 */
export function summarize(findings: readonly Finding[]): FindingSummary {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byCategory: Record<FindingCategory, number> = { policy: 0, posture: 0, unused: 0, escalation: 0 };
  const subjects = new Set<string>();
  for (const f of findings) {
    bySeverity[f.severity] += 1;
    byCategory[f.category] += 1;
    subjects.add(`${f.subject.kind}\u0000${f.subject.name}`);
  }
  return { total: findings.length, bySeverity, byCategory, subjects: subjects.size };
}
