/**
 * Access-Analyzer-style validation: findings with a severity, a stable UPPER_SNAKE code, a
 * message and a location, for the grammar of a given policy type.
 *
 * Decisions on points the references leave open (see validate.test.ts):
 * - SCPs: `Condition` or `NotAction` on an `Allow` statement, and `NotResource`, are WARNINGs, not
 *   ERRORs. Older Access Analyzer checks rejected them, but AWS Organizations has since accepted the
 *   full IAM policy language in SCPs; an ERROR would reject policies AWS itself accepts, while a
 *   WARNING still tells users of older partitions or tooling.
 * - Size quotas (characters, insignificant whitespace not counted): identity policies 6,144 when
 *   managed (default), 10,240 inline on a role, 2,048 inline on a user, 5,120 inline on a group;
 *   boundaries 6,144 (they are managed policies); trust 2,048 (AWS's default, raisable to 4,096 —
 *   pass `sizeQuota`); SCP and RCP 5,120; session 2,048; resource policies have per-service quotas
 *   and are only checked when `sizeQuota` is given. Exceeding one is an ERROR: the document cannot
 *   be saved there.
 * - `Id` in identity-type policies is a WARNING: IAM's grammar reserves it for resource policies.
 */
import type { PolicyDocument, PolicyType, SourceLocation, Statement, ConditionOperatorName } from './ast.js';
import { checkResourceArn } from './arn-syntax.js';
import { MalformedPolicyDocumentError } from './errors.js';
import type { JsonNode } from './json-source.js';
import { buildPolicyDocument, readPolicySource } from './parse.js';
import type { ParsePolicyOptions } from './parse.js';
import { hasVariables, parseVariableTemplate } from './variables.js';
import {
  checkPolicyTypeRules,
  checkPrincipalRules,
  checkResourceRules,
  IDENTITY_LIKE,
} from './policy-type-rules.js';

export type FindingSeverity = 'ERROR' | 'SECURITY_WARNING' | 'WARNING' | 'SUGGESTION';

export interface PolicyFinding {
  severity: FindingSeverity;
  code: string;
  message: string;
  loc: SourceLocation;
}

export type IdentityAttachment = 'managed' | 'role-inline' | 'user-inline' | 'group-inline';

export interface ValidatePolicyOptions extends ParsePolicyOptions {
  policyType: PolicyType;
  /** Identity policies only: where the policy is attached, which selects the size quota. Default `managed`. */
  attachment?: IdentityAttachment;
  /** Overrides the size quota (characters, whitespace not counted). */
  sizeQuota?: number;
}

const IDENTITY_QUOTAS: Record<IdentityAttachment, number> = {
  managed: 6_144,
  'role-inline': 10_240,
  'user-inline': 2_048,
  'group-inline': 5_120,
};

const TYPE_QUOTAS: Record<Exclude<PolicyType, 'identity' | 'resource'>, number> = {
  boundary: 6_144,
  trust: 2_048,
  scp: 5_120,
  rcp: 5_120,
  session: 2_048,
};

/** Policy types whose documents describe what an identity may do: no principal, IAM's Sid rules. */

/** Operator families whose values take policy variables (IAM User Guide, IAM policy elements: Variables and
 * tags). */
const VARIABLE_OPERATORS: ReadonlySet<ConditionOperatorName> = new Set([
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Bool',
]);

/**
 * Validates a policy for one policy type. Never throws: a document that does not parse yields a
 * single ERROR finding (the parse error's issue code, message and location).
 *
 * @example
 * validatePolicy('{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Principal":"*"}}',
 *   { policyType: 'identity' });
 * // [ { severity: 'WARNING', code: 'MISSING_VERSION', ... },
 * //   { severity: 'ERROR', code: 'PRINCIPAL_NOT_ALLOWED', ... } ]
 */
export function validatePolicy(input: string | object, options: ValidatePolicyOptions): PolicyFinding[] {
  let root: JsonNode;
  let document: PolicyDocument;
  try {
    const source = readPolicySource(input, options);
    root = source.root;
    document = buildPolicyDocument(source);
  } catch (error) {
    if (error instanceof MalformedPolicyDocumentError) {
      return [{ severity: 'ERROR', code: error.issueCode, message: error.detail, loc: error.loc }];
    }
    throw error;
  }
  const findings: PolicyFinding[] = [];
  const report = (severity: FindingSeverity, code: string, message: string, loc: SourceLocation): void => {
    findings.push({ severity, code, message, loc });
  };
  checkDocument(document, options, report);
  const statementNodes = statementNodesOf(root);
  const seenSids = new Map<string, Statement>();
  for (const statement of document.statements) {
    checkSid(statement, options.policyType, seenSids, report);
    checkPrincipalRules(statement, options.policyType, report);
    checkResourceRules(statement, options.policyType, report);
    checkPolicyTypeRules(statement, options.policyType, report);
    checkActions(statement, report);
    checkResources(statement, document, report);
    checkConditions(statement, document, statementNodes[statement.index], report);
  }
  return findings;
}

export type Report = (severity: FindingSeverity, code: string, message: string, loc: SourceLocation) => void;

function checkDocument(document: PolicyDocument, options: ValidatePolicyOptions, report: Report): void {
  if (document.version === undefined) {
    report(
      'WARNING',
      'MISSING_VERSION',
      'Add "Version": "2012-10-17"; without it policy variables are not supported and are read as literal text.',
      document.loc,
    );
  }
  if (document.id !== undefined && IDENTITY_LIKE.has(options.policyType)) {
    report(
      'WARNING',
      'ID_NOT_SUPPORTED',
      `The Id element belongs in resource-based policies; it has no meaning in a ${options.policyType} policy.`,
      document.id.loc,
    );
  }
  const quota = sizeQuota(options);
  if (quota !== undefined && document.size > quota) {
    report(
      'ERROR',
      'POLICY_SIZE_EXCEEDS_QUOTA',
      `The policy is ${document.size} characters long (whitespace not counted); the quota for this policy type is ${quota}.`,
      document.loc,
    );
  }
}

function sizeQuota(options: ValidatePolicyOptions): number | undefined {
  if (options.sizeQuota !== undefined) return options.sizeQuota;
  if (options.policyType === 'resource') return undefined;
  if (options.policyType === 'identity') return IDENTITY_QUOTAS[options.attachment ?? 'managed'];
  return TYPE_QUOTAS[options.policyType];
}

function checkSid(
  statement: Statement,
  policyType: PolicyType,
  seen: Map<string, Statement>,
  report: Report,
): void {
  const sid = statement.sid;
  if (sid === undefined) return;
  if (sid.value === '') {
    report('SUGGESTION', 'EMPTY_SID', 'Remove the empty Sid or give the statement a name.', sid.loc);
    return;
  }
  if (IDENTITY_LIKE.has(policyType) && !/^[A-Za-z0-9]+$/.test(sid.value)) {
    report(
      'ERROR',
      'INVALID_SID',
      'In IAM identity policies a Sid may contain only letters (A-Z, a-z) and digits (0-9).',
      sid.loc,
    );
  }
  const first = seen.get(sid.value);
  if (first !== undefined) {
    report(
      'ERROR',
      'DUPLICATE_SID',
      `Sid "${sid.value}" is already used by statement ${first.index}; Sids must be unique within a policy.`,
      sid.loc,
    );
  } else {
    seen.set(sid.value, statement);
  }
}

const ACTION_PATTERN = /^[A-Za-z0-9*?-]+:[A-Za-z0-9*?]*$/;

function checkActions(statement: Statement, report: Report): void {
  const action = statement.action;
  if (action === undefined) return;
  if (action.values.length === 0) {
    report(
      'SUGGESTION',
      'EMPTY_ARRAY_ACTION',
      `Remove the empty ${action.negated ? 'NotAction' : 'Action'} list.`,
      action.loc,
    );
  }
  for (const value of action.values) {
    if (value.value === '*') continue;
    if (!ACTION_PATTERN.test(value.value)) {
      report(
        'ERROR',
        'INVALID_ACTION',
        `Action "${value.value.slice(0, 80)}" must be "*" or service:ActionName (letters, digits, * and ? only).`,
        value.loc,
      );
      continue;
    }
    const service = value.value.slice(0, value.value.indexOf(':'));
    if (service.includes('*') || service.includes('?')) {
      report(
        'SUGGESTION',
        'WILDCARD_IN_SERVICE_NAME',
        `Action "${value.value}" has a wildcard in its service prefix; it may grant actions of services you did not mean.`,
        value.loc,
      );
    }
  }
}

function checkResources(statement: Statement, document: PolicyDocument, report: Report): void {
  const resource = statement.resource;
  if (resource === undefined) return;
  if (resource.values.length === 0) {
    report(
      'SUGGESTION',
      'EMPTY_ARRAY_RESOURCE',
      `Remove the empty ${resource.negated ? 'NotResource' : 'Resource'} list.`,
      resource.loc,
    );
  }
  for (const value of resource.values) {
    const problem = checkResourceArn(value.value);
    if (problem !== undefined) report('ERROR', problem.code, problem.message, value.loc);
    checkVariables(value.value, value.loc, document, report);
  }
}

function checkConditions(
  statement: Statement,
  document: PolicyDocument,
  node: JsonNode | undefined,
  report: Report,
): void {
  const block = node?.kind === 'object' ? node.members.find((m) => m.key === 'Condition')?.value : undefined;
  if (block?.kind === 'object') {
    if (block.members.length === 0) {
      report('SUGGESTION', 'EMPTY_OBJECT_CONDITION', 'Remove the empty Condition object.', block.loc);
    }
    for (const op of block.members) {
      if (op.value.kind === 'object' && op.value.members.length === 0) {
        report('SUGGESTION', 'EMPTY_OBJECT_CONDITION', `Remove the empty ${op.key} object.`, op.value.loc);
      }
    }
  }
  const keysByOperator = new Map<string, Map<string, string>>();
  for (const entry of statement.conditions) {
    if (entry.values.length === 0) {
      report(
        'SUGGESTION',
        'EMPTY_ARRAY_CONDITION',
        `Remove the empty value list of ${entry.key.value}.`,
        entry.loc,
      );
    }
    let keys = keysByOperator.get(entry.operator.text);
    if (keys === undefined) keysByOperator.set(entry.operator.text, (keys = new Map()));
    const folded = entry.key.value.toLowerCase();
    const earlier = keys.get(folded);
    if (earlier !== undefined) {
      report(
        'ERROR',
        'DUPLICATE_KEYS_WITH_DIFFERENT_CASE',
        `Condition keys "${earlier}" and "${entry.key.value}" are the same key (keys are case-insensitive); merge them.`,
        entry.key.loc,
      );
    } else {
      keys.set(folded, entry.key.value);
    }
    if (!VARIABLE_OPERATORS.has(entry.operator.base)) continue;
    for (const value of entry.values) checkVariables(value.value, value.loc, document, report);
  }
}

function checkVariables(text: string, loc: SourceLocation, document: PolicyDocument, report: Report): void {
  if (!hasVariables(text)) return;
  if (document.version?.value !== '2012-10-17') {
    report(
      'ERROR',
      'VARIABLE_UNSUPPORTED_IN_VERSION',
      `"${text.slice(0, 80)}" uses policy-variable syntax, which only "Version": "2012-10-17" supports; under ${document.version?.value ?? 'no Version'} it is literal text.`,
      loc,
    );
    return;
  }
  for (const problem of parseVariableTemplate(text).problems) {
    report(
      'ERROR',
      problem.code,
      `${problem.message} (at character ${problem.offset + 1} of the value)`,
      loc,
    );
  }
}

/** The statement objects of the raw tree, in the same order as `PolicyDocument.statements`. */
function statementNodesOf(root: JsonNode): JsonNode[] {
  if (root.kind !== 'object') return [];
  const statement = root.members.find((m) => m.key === 'Statement')?.value;
  if (statement === undefined) return [];
  return statement.kind === 'array' ? statement.items : [statement];
}
