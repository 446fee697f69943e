/**
 * Policy documents as IAM accepts them: the policy grammar for their type (`validatePolicy`), IAM's
 * size quotas (`LimitExceeded`, as IAM answers them), and for trust policies the check IAM makes
 * when it stores one: a role or user named as an AWS principal must exist (IAM swaps it for the
 * principal's unique id, so a missing one is an "Invalid principal in policy").
 *
 * Messages follow IAM's wording where it is known; other grammar errors keep the validator's own
 * message, which says precisely what is wrong.
 */
import { AwsError } from '../errors.js';
import { LimitExceededError } from '../iam/errors.js';
import { parsePolicy, validatePolicy, type PolicyFinding } from '../policy/index.js';
import type { PolicyDocument } from '../policy/index.js';
import type { OperationContext } from '../control/operation.js';
import { MalformedPolicyDocument } from './errors.js';

/** Where a document goes, which selects its grammar and quota. */
export type DocumentUse = 'trust' | 'role-inline' | 'managed' | 'boundary';

/** IAM's size quotas (characters, whitespace not counted) and how IAM words going over them. */
export const DOCUMENT_QUOTAS = {
  trust: 2048,
  'role-inline': 10_240,
  managed: 6144,
} as const;

const SYNTAX_ERROR = 'Syntax errors in policy.';

/** The JSON literal a finding points at, decoded when it is a string. */
function valueAt(text: string, finding: PolicyFinding): string | undefined {
  const { start, end } = finding.loc;
  if (start === undefined || end === undefined || end.offset <= start.offset) return undefined;
  const literal = text.slice(start.offset, Math.min(end.offset, start.offset + 2048));
  try {
    const value: unknown = JSON.parse(literal);
    return typeof value === 'string' ? value : literal;
  } catch {
    return literal;
  }
}

/** `Statement[0].Principal.AWS[1]` → `AWS`. */
function principalTypeAt(path: string): string {
  const match = /Principal\.([A-Za-z]+)/.exec(path);
  return match?.[1] ?? 'AWS';
}

/** IAM's message for a grammar error, where IAM's wording is known; else the validator's. */
export function iamMessage(finding: PolicyFinding, text: string): string {
  const value = valueAt(text, finding);
  switch (finding.code) {
    case 'JSON_SYNTAX_ERROR':
    case 'DUPLICATE_KEY':
    case 'INVALID_ELEMENT_TYPE':
    case 'NESTING_TOO_DEEP':
    case 'DOCUMENT_TOO_LARGE':
      return SYNTAX_ERROR;
    case 'INVALID_VERSION':
      return 'The policy failed legacy parsing';
    case 'PRINCIPAL_NOT_ALLOWED':
      return 'Policy document should not specify a principal.';
    case 'MISSING_PRINCIPAL':
      return 'Missing required field Principal';
    case 'RESOURCE_NOT_ALLOWED':
      return 'Has prohibited field Resource';
    case 'NOT_PRINCIPAL_NOT_ALLOWED':
      return 'Has prohibited field NotPrincipal';
    case 'MISSING_RESOURCE':
      return 'Policy statement must contain resources.';
    case 'MISSING_ACTION':
      return 'Policy statement must contain actions.';
    case 'MISSING_EFFECT':
      return 'Missing required field Effect';
    case 'INVALID_ACTION':
      return 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.';
    case 'INVALID_SID':
      return 'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*';
    case 'DUPLICATE_SID':
      return 'Statement IDs (SID) in a single policy must be unique.';
    case 'INVALID_PRINCIPAL':
    case 'UNKNOWN_PRINCIPAL_TYPE':
    case 'UNSUPPORTED_WILDCARD_IN_PRINCIPAL':
      return value === undefined
        ? 'Invalid principal in policy'
        : `Invalid principal in policy: "${principalTypeAt(finding.loc.path)}":"${value}"`;
    case 'INVALID_ARN':
    case 'INVALID_ARN_PREFIX':
      return value === undefined ? finding.message : `Resource ${value} must be in ARN format or "*".`;
    default:
      return finding.message;
  }
}

/**
 * Checks the grammar of `text` for its use; throws `MalformedPolicyDocument` on the first error
 * and resolves the parsed document (for quota and principal checks).
 */
export function parseForUse(text: string, use: DocumentUse): PolicyDocument {
  let findings: PolicyFinding[];
  try {
    findings = validatePolicy(text, {
      policyType: use === 'trust' ? 'trust' : use === 'boundary' ? 'boundary' : 'identity',
      ...(use === 'role-inline' ? { attachment: 'role-inline' as const } : {}),
      // Quotas are IAM's `LimitExceeded`, checked below, not a malformed document.
      sizeQuota: Number.MAX_SAFE_INTEGER,
    });
  } catch (error) {
    if (error instanceof AwsError) throw new MalformedPolicyDocument(SYNTAX_ERROR);
    throw error;
  }
  // IAM reports a prohibited element before a missing one: a permissions policy given as a trust
  // policy is "Has prohibited field Resource", the message users know.
  const errors = findings.filter((f) => f.severity === 'ERROR');
  const first = errors.find((f) => f.code.endsWith('_NOT_ALLOWED')) ?? errors[0];
  if (first !== undefined) throw new MalformedPolicyDocument(iamMessage(first, text));
  try {
    return parsePolicy(text);
  } catch {
    throw new MalformedPolicyDocument(SYNTAX_ERROR);
  }
}

/** Throws IAM's `LimitExceeded` when a trust or managed policy is over its quota. */
export function checkDocumentSize(document: PolicyDocument, use: 'trust' | 'managed'): void {
  if (use === 'trust' && document.size > DOCUMENT_QUOTAS.trust) {
    throw new LimitExceededError(`Cannot exceed quota for ACLSizePerRole: ${DOCUMENT_QUOTAS.trust}`);
  }
  if (use === 'managed' && document.size > DOCUMENT_QUOTAS.managed) {
    throw new LimitExceededError(`Cannot exceed quota for PolicySize: ${DOCUMENT_QUOTAS.managed}`);
  }
}

/** Throws IAM's `LimitExceeded` when a role's inline policies together pass 10,240 characters. */
export function checkInlineSize(totalSize: number, roleName: string): void {
  if (totalSize > DOCUMENT_QUOTAS['role-inline']) {
    throw new LimitExceededError(
      `Maximum policy size of ${DOCUMENT_QUOTAS['role-inline']} bytes exceeded for role ${roleName}`,
    );
  }
}

/** Size as IAM counts it (whitespace outside strings not counted) of a stored, valid document. */
export function documentSize(text: string): number {
  try {
    return parsePolicy(text).size;
  } catch {
    return text.length;
  }
}

const SAME_ACCOUNT_PRINCIPAL = /^arn:([^:]+):iam::(\d{12}):(role|user)\/(.+)$/;

/**
 * IAM resolves the role and user ARNs a trust policy names as AWS principals to their unique ids
 * when it stores the policy; a role or user that does not exist (or whose path differs) makes the
 * policy invalid (IAM User Guide, "IAM identifiers" → "Unique identifiers"). That holds for this
 * account and for every other account the store holds (else whoever may create users in that
 * account could later create the named one and be trusted); principals of accounts the store
 * does not hold cannot be checked here and are accepted.
 */
export async function checkTrustPrincipals(
  ctx: OperationContext,
  document: PolicyDocument,
): Promise<string[]> {
  const checked: string[] = [];
  const held = new Map<string, boolean>([[ctx.accountId, true]]);
  const holds = async (accountId: string): Promise<boolean> => {
    let known = held.get(accountId);
    if (known === undefined) {
      known = await ctx.store.getAccount(accountId).then(
        () => true,
        () => false,
      );
      held.set(accountId, known);
    }
    return known;
  };
  for (const statement of document.statements) {
    for (const entry of statement.principal?.entries ?? []) {
      if (entry.type !== 'AWS') continue;
      for (const { value } of entry.values) {
        const match = SAME_ACCOUNT_PRINCIPAL.exec(value);
        if (match === null || match[1] !== ctx.partition) continue;
        if (/[*?]/.test(value)) continue;
        const accountId = match[2]!;
        if (!(await holds(accountId))) continue;
        const name = match[4]!.slice(match[4]!.lastIndexOf('/') + 1);
        const found =
          match[3] === 'role'
            ? await ctx.store.findRole(accountId, name)
            : await ctx.store.findUser(accountId, name);
        if (found === undefined || found.arn !== value) {
          throw new MalformedPolicyDocument(`Invalid principal in policy: "AWS":"${value}"`);
        }
        checked.push(value);
      }
    }
  }
  return checked;
}

/**
 * Everything IAM checks on a role's trust policy before storing it. Returns the user and role
 * ARNs it found, for the store to check again, locked, in the transaction that writes the policy
 * (`trustPrincipals` of `CreateRoleInput`/`UpdateRoleInput`): checked only here, a principal
 * deleted before the write would stay named by ARN.
 *
 * @example
 * const trustPrincipals = await checkTrustPolicy(ctx, params.AssumeRolePolicyDocument);
 */
export async function checkTrustPolicy(ctx: OperationContext, text: string): Promise<string[]> {
  const document = parseForUse(text, 'trust');
  checkDocumentSize(document, 'trust');
  return checkTrustPrincipals(ctx, document);
}
