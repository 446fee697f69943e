/**
 * `checkPolicy`: one policy document through the grammar (`policy/validate.ts`) and every check
 * family, as `Finding`s.
 */
import type { SourceLocation } from '../../policy/ast.js';
import type { PolicyDocument } from '../../policy/ast.js';
import { MalformedPolicyDocumentError } from '../../policy/errors.js';
import type { JsonNode } from '../../policy/json-source.js';
import { buildPolicyDocument, readPolicySource } from '../../policy/parse.js';
import type { IdentityAttachment } from '../../policy/validate.js';
import { validatePolicy } from '../../policy/validate.js';
import { SEVERITIES } from '../findings.js';
import type { Finding } from '../findings.js';
import { checkActionConditionKeys } from './action-condition-keys.js';
import { checkActions } from './actions.js';
import { checkBroadAccess } from './broad-access.js';
import { POLICY_CHECK_CODES, titleFor } from './codes.js';
import { checkConditionKeys } from './condition-keys.js';
import { checkConditionValues } from './condition-values.js';
import type { CheckContext, PolicyCheckKind, Report } from './context.js';
import { actionEntryCache } from './context.js';
import { UNRESOLVED } from './patterns.js';
import { checkRedundancy } from './redundancy.js';
import { checkResources } from './resources.js';
import { checkSensitiveActions } from './sensitive-actions.js';
import { checkTrust } from './trust.js';
import { checkTrustActions } from './trust-actions.js';

export interface CheckPolicyOptions {
  kind: PolicyCheckKind;
  /** The policy's name for locations and the subject: `role/PolicyName`, a managed policy ARN, `trust`. */
  policy?: string;
  /** Identity policies: where it is attached, which selects the size quota (default `managed`). */
  attachment?: IdentityAttachment;
}

const FAMILIES: ((ctx: CheckContext) => Promise<void> | void)[] = [
  checkActions,
  checkConditionKeys,
  checkConditionValues,
  checkActionConditionKeys,
  checkResources,
  checkSensitiveActions,
  checkBroadAccess,
  checkRedundancy,
  checkTrust,
  checkTrustActions,
];

/**
 * Checks one policy document and returns its findings, most severe first, then in document order.
 * Never throws for a bad document: a document that does not parse yields its parse error as an
 * ERROR finding. Locations carry the JSON path and, for text, line and column.
 *
 * Values containing `UNRESOLVED` (`patterns.ts`) stand for what a template could not resolve; they
 * match anything and produce no findings of their own.
 *
 * @example
 * const findings = await checkPolicy(
 *   '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}}',
 *   { kind: 'identity', policy: 'app/deploy' },
 * );
 * findings[0].code; // 'PASS_ROLE_WITH_STAR_IN_RESOURCE'
 */
export async function checkPolicy(text: string, options: CheckPolicyOptions): Promise<Finding[]> {
  const name = options.policy ?? 'policy';
  const findings: Finding[] = [];
  const toFinding = (
    code: string,
    severity: Finding['severity'],
    message: string,
    loc: SourceLocation,
    details?: Finding['details'],
  ): Finding => {
    const location: NonNullable<Finding['location']> = { path: loc.path };
    if (options.policy !== undefined) location.policy = options.policy;
    if (loc.start !== undefined) {
      location.line = loc.start.line;
      location.column = loc.start.column;
    }
    const finding: Finding = {
      code,
      severity,
      category: 'policy',
      title: titleFor(code),
      message,
      subject: { kind: 'policy', name },
      location,
    };
    if (details !== undefined) finding.details = details;
    return finding;
  };

  const grammar = validatePolicy(text, {
    policyType: options.kind,
    ...(options.attachment !== undefined ? { attachment: options.attachment } : {}),
  });
  let root: JsonNode | undefined;
  let document: PolicyDocument | undefined;
  try {
    const source = readPolicySource(text);
    root = source.root;
    document = buildPolicyDocument(source);
  } catch (error) {
    if (!(error instanceof MalformedPolicyDocumentError)) throw error;
  }
  const unresolvedPaths = root === undefined ? new Set<string>() : pathsWithUnresolved(root);
  for (const f of grammar) {
    if (unresolvedPaths.has(f.loc.path) || f.message.includes(UNRESOLVED) || nearUnresolved(text, f.loc)) {
      // A value the template computes broke the grammar: say the policy went unchecked rather
      // than report it clean.
      if (document === undefined) {
        findings.push(
          toFinding(
            'UNRESOLVED_POLICY_ELEMENT',
            'WARNING',
            `The policy could not be checked: ${f.loc.path === '' ? 'the document' : f.loc.path} is computed by the template and does not have the shape the policy grammar requires without its value.`,
            f.loc,
          ),
        );
      }
      continue;
    }
    findings.push(toFinding(accessAnalyzerCode(f.code), f.severity, f.message, f.loc));
  }
  if (document !== undefined) {
    const report: Report = (code, message, loc, extra) => {
      const severity = extra?.severity ?? POLICY_CHECK_CODES.get(code)?.severity ?? 'WARNING';
      findings.push(toFinding(code, severity, message, loc, extra?.details));
    };
    const ctx: CheckContext = {
      document,
      kind: options.kind,
      report,
      actionEntries: actionEntryCache(),
    };
    for (const family of FAMILIES) await family(ctx);
  }
  return sortFindings(findings);
}

/**
 * The grammar (`policy/validate.ts`, shared with the IAM API's `MalformedPolicyDocument`) names
 * some problems in its own words; findings carry IAM Access Analyzer's issue code for them, so
 * that tools written for ValidatePolicy's output read credplane's (IAM User Guide, "IAM policy
 * validation check reference").
 */
const ACCESS_ANALYZER_CODES: Readonly<Record<string, string>> = {
  UNKNOWN_ELEMENT: 'INVALID_POLICY_ELEMENT',
  INVALID_ELEMENT_TYPE: 'DATA_TYPE_MISMATCH',
  EMPTY_SID: 'EMPTY_SID_VALUE',
  DUPLICATE_SID: 'UNIQUE_SIDS_REQUIRED',
  ACTION_AND_NOT_ACTION: 'UNSUPPORTED_ELEMENT_COMBINATION',
  RESOURCE_AND_NOT_RESOURCE: 'UNSUPPORTED_ELEMENT_COMBINATION',
  PRINCIPAL_AND_NOT_PRINCIPAL: 'UNSUPPORTED_ELEMENT_COMBINATION',
  PRINCIPAL_NOT_ALLOWED: 'UNSUPPORTED_PRINCIPAL',
  UNKNOWN_CONDITION_OPERATOR: 'INVALID_CONDITION_OPERATOR',
  INVALID_SET_OPERATOR: 'INVALID_CONDITION_OPERATOR',
  INVALID_ARN: 'MISSING_ARN_FIELD',
  NOT_PRINCIPAL_NOT_ALLOWED: 'ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL',
  RESOURCE_NOT_ALLOWED: 'ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE',
};

/** Access Analyzer's issue code for a grammar code. @example accessAnalyzerCode('EMPTY_SID') // 'EMPTY_SID_VALUE' */
export function accessAnalyzerCode(code: string): string {
  return ACCESS_ANALYZER_CODES[code] ?? code;
}

/** Most severe first, then by position (line, column, path). */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => {
      const s = SEVERITIES.indexOf(a.f.severity) - SEVERITIES.indexOf(b.f.severity);
      if (s !== 0) return s;
      const l = (a.f.location?.line ?? 0) - (b.f.location?.line ?? 0);
      if (l !== 0) return l;
      const c = (a.f.location?.column ?? 0) - (b.f.location?.column ?? 0);
      return c !== 0 ? c : a.i - b.i;
    })
    .map(({ f }) => f);
}

/** A syntax error right at a value `!Sub` put into JSON text (`"Principal": ${Principals}`). */
function nearUnresolved(text: string, loc: SourceLocation): boolean {
  const offset = loc.start?.offset;
  if (offset === undefined) return false;
  return text.charAt(offset) === UNRESOLVED || text.charAt(offset - 1) === UNRESOLVED;
}

/** JSON paths of strings (and keys) holding unresolved template values. */
function pathsWithUnresolved(root: JsonNode): Set<string> {
  const paths = new Set<string>();
  const walk = (node: JsonNode): void => {
    if (node.kind === 'string' && node.value.includes(UNRESOLVED)) paths.add(node.loc.path);
    if (node.kind === 'array') node.items.forEach(walk);
    if (node.kind === 'object') {
      for (const m of node.members) {
        if (m.key.includes(UNRESOLVED)) paths.add(m.keyLoc.path);
        walk(m.value);
      }
    }
  };
  walk(root);
  return paths;
}
