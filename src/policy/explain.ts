/**
 * What a decision rests on, and AWS's AccessDenied message built from it.
 *
 * An explanation names the statements that decided (policy id/name/kind, statement index, Sid and
 * source location from the AST) and, for an implicit deny, every policy type that lacked an Allow,
 * so that each service can word its own `AccessDenied` the way AWS does.
 */
import type { Effect, PolicyType, SourceLocation } from './ast.js';
import type { RequestPrincipal } from './context.js';
import type { PrincipalStrength } from './match.js';

/** A statement of a compiled policy, as it appears in explanations. */
export interface StatementRef {
  policyId: string;
  policyName?: string;
  policyKind: PolicyType;
  statementIndex: number;
  sid?: string;
  effect: Effect;
  loc: SourceLocation;
}

/** A policy type (or SCP/RCP level, 0 = organization root) that did not allow the request. */
export type MissingAllow =
  { kind: 'identity' | 'boundary' | 'session' | 'resource' } | { kind: 'scp' | 'rcp'; level: number };

export type DecisionKind = 'Allow' | 'ImplicitDeny' | 'ExplicitDeny';

export interface Explanation {
  /** Every statement that applied to the request (action, resource, principal and conditions matched). */
  matched: readonly StatementRef[];
  /**
   * The statements that decided: the Deny statements for `ExplicitDeny`, the Allow statements for
   * `Allow`; empty for `ImplicitDeny`.
   */
  deciding: readonly StatementRef[];
  /** For `ImplicitDeny`: what lacked an Allow, most fundamental first (SCP, RCP, resource, identity, boundary, session). */
  missing: readonly MissingAllow[];
  /** Principal and resource are in different accounts: both sides had to allow. */
  crossAccount: boolean;
  /** How strongly an allowing resource-based policy named the caller (0 = not at all); see `PrincipalStrength`. */
  resourceGrant: PrincipalStrength;
}

export interface Decision {
  decision: DecisionKind;
  explanation: Explanation;
}

const KIND_PHRASE: Record<PolicyType, string> = {
  identity: 'an identity-based policy',
  resource: 'a resource-based policy',
  trust: 'a resource-based policy',
  boundary: 'a permissions boundary',
  session: 'a session policy',
  scp: 'a service control policy',
  rcp: 'a resource control policy',
};

/**
 * When several kinds deny, the message names one; organization policies first, then the resource,
 * then the principal's own (AWS's choice is not documented — **UNVERIFIED**).
 */
const DENY_PRECEDENCE: readonly PolicyType[] = [
  'scp',
  'rcp',
  'resource',
  'trust',
  'identity',
  'boundary',
  'session',
];

function firstByPrecedence(refs: readonly StatementRef[]): StatementRef | undefined {
  let best: StatementRef | undefined;
  for (const ref of refs) {
    if (
      best === undefined ||
      DENY_PRECEDENCE.indexOf(ref.policyKind) < DENY_PRECEDENCE.indexOf(best.policyKind)
    )
      best = ref;
  }
  return best;
}

const MISSING_PHRASE: Record<MissingAllow['kind'], string> = {
  identity: 'no identity-based policy allows',
  resource: 'no resource-based policy allows',
  boundary: 'no permissions boundary allows',
  session: 'no session policy allows',
  scp: 'no service control policy allows',
  rcp: 'no resource control policy allows',
};

/**
 * A short human reason for one missing Allow, with the SCP/RCP level.
 *
 * @example
 * describeMissingAllow({ kind: 'scp', level: 1 }); // 'an SCP at level 1 does not allow'
 */
export function describeMissingAllow(missing: MissingAllow): string {
  if (missing.kind === 'scp' || missing.kind === 'rcp') {
    return `an ${missing.kind.toUpperCase()} at level ${missing.level} does not allow`;
  }
  return MISSING_PHRASE[missing.kind];
}

/**
 * `Statement[2] (Sid "DenyOutsideVpc") of identity policy "ops" (line 14, column 5)`.
 *
 * @example
 * describeStatement(decision.explanation.deciding[0]);
 */
export function describeStatement(ref: StatementRef): string {
  const sid = ref.sid === undefined ? '' : ` (Sid "${ref.sid}")`;
  const where =
    ref.loc.start === undefined ? '' : ` (line ${ref.loc.start.line}, column ${ref.loc.start.column})`;
  return `Statement[${ref.statementIndex}]${sid} of ${ref.policyKind} policy "${ref.policyName ?? ref.policyId}"${where}`;
}

export interface AccessDeniedSubject {
  principal: RequestPrincipal;
  action: string;
  resource: string;
}

/**
 * AWS's AccessDenied message for a denied decision; `undefined` for `Allow`.
 *
 * - `User: <arn> is not authorized to perform: <action> on resource: <arn> because no identity-based policy allows the <action> action`
 * - `User: <arn> is not authorized to perform: <action> on resource: <arn> with an explicit deny in a service control policy`
 *
 * (Exact AWS wording is **UNVERIFIED**; this is the shape AWS and its docs show.)
 *
 * @example
 * const d = evaluate(request, policies);
 * if (d.decision !== 'Allow') throw new AccessDeniedError(accessDeniedMessage(request, d));
 */
export function accessDeniedMessage(subject: AccessDeniedSubject, decision: Decision): string | undefined {
  if (decision.decision === 'Allow') return undefined;
  const who =
    subject.principal.arn ??
    (subject.principal.type === 'Anonymous' ? 'anonymous' : (subject.principal.service ?? 'unknown'));
  const head = `User: ${who} is not authorized to perform: ${subject.action} on resource: ${subject.resource}`;
  if (decision.decision === 'ExplicitDeny') {
    const first = firstByPrecedence(decision.explanation.deciding);
    const phrase = first === undefined ? 'a policy' : KIND_PHRASE[first.policyKind];
    return `${head} with an explicit deny in ${phrase}`;
  }
  const first = decision.explanation.missing[0];
  const reason = first === undefined ? 'no identity-based policy allows' : MISSING_PHRASE[first.kind];
  return `${head} because ${reason} the ${subject.action} action`;
}
