/**
 * What every analyzer check produces: a finding with a stable code, a severity in IAM Access
 * Analyzer's vocabulary, what it is about and, for policy findings, where in the document.
 * `analyzer/report/*` renders findings (terminal, JSON, SARIF 2.1.0) and decides exit codes.
 */
import type { JsonValue } from '../iam/types.js';

/** Access Analyzer's ValidatePolicy finding types, most severe first. */
export const SEVERITIES = ['ERROR', 'SECURITY_WARNING', 'WARNING', 'SUGGESTION'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** `policy`: a check of one policy document; `posture`: of the configuration; `unused`: of use. */
export type FindingCategory = 'policy' | 'posture' | 'unused';

export type FindingSubjectKind =
  'account' | 'role' | 'policy' | 'instance' | 'workload' | 'oidc-provider' | 'access-key' | 'user';

export interface FindingLocation {
  /** The policy the position is in: inline `role/PolicyName`, a managed policy ARN, or `trust`. */
  policy?: string;
  /** JSON path inside the policy document, e.g. `Statement[0].Action[1]`. */
  path?: string;
  /** 1-based, in `file` when set, else in the policy document's own text. */
  line?: number;
  column?: number;
  /** The template (stack file) the policy came from, for SARIF and editors. */
  file?: string;
}

export interface Finding {
  /** Stable, SCREAMING_SNAKE (e.g. `UNKNOWN_ACTION`, `IMDSV1_ALLOWED`); tests and CI rely on it. */
  code: string;
  severity: Severity;
  category: FindingCategory;
  /** One line, the same for every finding of this code. */
  title: string;
  /** This finding's specifics, with names and values. */
  message: string;
  subject: { kind: FindingSubjectKind; name: string; arn?: string };
  location?: FindingLocation;
  /** Machine-readable specifics (the unused actions, the offending key, ...). */
  details?: { [key: string]: JsonValue };
}

/** True when `severity` is at least as severe as `threshold`. */
export function atLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(threshold);
}
