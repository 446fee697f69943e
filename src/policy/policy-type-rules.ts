/**
 * The validation rules that depend on the policy type: where `Principal`, `NotPrincipal`,
 * `Resource` and `NotResource` may appear, and what each type (trust, SCP, RCP, resource, session)
 * allows beyond the common grammar. Part of `validatePolicy` (`validate.ts`).
 */
import type { PolicyType, PrincipalBlock, Statement } from './ast.js';
import { checkPrincipalValue } from './arn-syntax.js';
import type { Report } from './validate.js';

export const IDENTITY_LIKE: ReadonlySet<PolicyType> = new Set(['identity', 'boundary', 'session']);
const PRINCIPAL_FORBIDDEN: ReadonlySet<PolicyType> = new Set(['identity', 'boundary', 'session', 'scp']);

export function checkPrincipalRules(statement: Statement, policyType: PolicyType, report: Report): void {
  const principal = statement.principal;
  if (principal !== undefined && PRINCIPAL_FORBIDDEN.has(policyType)) {
    report(
      'ERROR',
      'PRINCIPAL_NOT_ALLOWED',
      `A ${policyType} policy applies to the identity it is attached to; it cannot contain ${elementName(principal)}.`,
      principal.loc,
    );
    return;
  }
  if (
    principal === undefined &&
    (policyType === 'resource' || policyType === 'trust' || policyType === 'rcp')
  ) {
    report(
      'ERROR',
      'MISSING_PRINCIPAL',
      `Statements in a ${policyType === 'trust' ? 'role trust' : policyType === 'rcp' ? 'resource control' : 'resource-based'} policy must contain a Principal.`,
      statement.loc,
    );
    return;
  }
  if (principal === undefined) return;
  if (principal.negated && policyType === 'trust') {
    report(
      'ERROR',
      'NOT_PRINCIPAL_NOT_ALLOWED',
      'A role trust policy cannot use NotPrincipal.',
      principal.loc,
    );
  } else if (principal.negated && statement.effect.value === 'Allow') {
    report(
      'SECURITY_WARNING',
      'ALLOW_WITH_NOT_PRINCIPAL',
      'Allow with NotPrincipal grants access to every principal except the listed ones, anonymous users included; name the principals to allow instead.',
      principal.loc,
    );
  }
  checkPrincipalValues(principal, report);
}

function checkPrincipalValues(principal: PrincipalBlock, report: Report): void {
  if (!principal.wildcard && principal.entries.length === 0) {
    report(
      'SUGGESTION',
      'EMPTY_OBJECT_PRINCIPAL',
      `Remove the empty ${elementName(principal)} object.`,
      principal.loc,
    );
  }
  for (const entry of principal.entries) {
    if (entry.values.length === 0) {
      report(
        'SUGGESTION',
        'EMPTY_ARRAY_PRINCIPAL',
        `Remove the empty ${entry.type} principal list.`,
        entry.loc,
      );
    }
    for (const value of entry.values) {
      const problem = checkPrincipalValue(entry.type, value.value);
      if (problem !== undefined) report('ERROR', problem.code, problem.message, value.loc);
    }
  }
}

export function checkResourceRules(statement: Statement, policyType: PolicyType, report: Report): void {
  if (policyType === 'trust') {
    if (statement.resource !== undefined) {
      report(
        'ERROR',
        'RESOURCE_NOT_ALLOWED',
        `A role trust policy applies to its role; it cannot contain ${statement.resource.negated ? 'NotResource' : 'Resource'}.`,
        statement.resource.loc,
      );
    }
    return;
  }
  if (statement.resource === undefined) {
    report(
      'ERROR',
      'MISSING_RESOURCE',
      'Policy statement must contain resources (Resource or NotResource).',
      statement.loc,
    );
  }
}

export function checkPolicyTypeRules(statement: Statement, policyType: PolicyType, report: Report): void {
  const allow = statement.effect.value === 'Allow';
  if (policyType === 'scp') {
    if (allow && statement.conditions.length > 0) {
      report(
        'WARNING',
        'SCP_ALLOW_WITH_CONDITION',
        'Condition on an Allow statement in an SCP is rejected by older AWS Organizations grammars; prefer Deny statements with conditions.',
        statement.effect.loc,
      );
    }
    if (allow && statement.action?.negated === true) {
      report(
        'WARNING',
        'SCP_ALLOW_WITH_NOT_ACTION',
        'NotAction on an Allow statement in an SCP is rejected by older AWS Organizations grammars.',
        statement.action.loc,
      );
    }
    if (statement.resource?.negated === true) {
      report(
        'WARNING',
        'SCP_NOT_RESOURCE',
        'NotResource in an SCP is rejected by older AWS Organizations grammars.',
        statement.resource.loc,
      );
    }
  }
  if (policyType === 'rcp') {
    if (allow) {
      report(
        'ERROR',
        'RCP_ALLOW_NOT_SUPPORTED',
        'Resource control policies support only Deny statements.',
        statement.effect.loc,
      );
    }
    const principal = statement.principal;
    if (principal !== undefined && principal.negated) {
      report(
        'ERROR',
        'RCP_NOT_PRINCIPAL_NOT_SUPPORTED',
        'Resource control policies cannot use NotPrincipal.',
        principal.loc,
      );
    } else if (principal !== undefined && !isEveryone(principal)) {
      report(
        'ERROR',
        'RCP_PRINCIPAL_MUST_BE_WILDCARD',
        'In a resource control policy the Principal must be "*"; narrow it with conditions such as aws:PrincipalAccount.',
        principal.loc,
      );
    }
    if (statement.action?.negated === true) {
      report(
        'ERROR',
        'RCP_NOT_ACTION_NOT_SUPPORTED',
        'Resource control policies cannot use NotAction.',
        statement.action.loc,
      );
    }
    for (const action of statement.action?.negated === false ? statement.action.values : []) {
      if (action.value === '*') {
        report(
          'ERROR',
          'RCP_ACTION_WILDCARD_NOT_SUPPORTED',
          'Resource control policies cannot use "*" as an action; name the service (e.g. "s3:*").',
          action.loc,
        );
      }
    }
  }
}

/** `"*"` or `{"AWS": "*"}` and nothing else. */
function isEveryone(principal: PrincipalBlock): boolean {
  if (principal.entries.length === 0) return principal.wildcard;
  return principal.entries.every(
    (e) => e.type === 'AWS' && e.values.length > 0 && e.values.every((v) => v.value === '*'),
  );
}

function elementName(principal: PrincipalBlock): string {
  return principal.negated ? 'NotPrincipal' : 'Principal';
}
