/**
 * The authorization decision for one request (IAM User Guide "Policy evaluation logic", "Policy
 * evaluation for requests within a single account", "Cross-account policy evaluation logic",
 * "Session policies", "Permissions boundaries").
 *
 * 1. An applicable `Deny` in any supplied policy → `ExplicitDeny`.
 * 2. SCPs and RCPs: each is a list of levels (root → OUs → account); every level must allow. "SCPs
 *    apply to principals of the account where the SCPs are attached": IAM users, roles, their
 *    sessions and the root user of `scpAccount` (anonymous callers, AWS service principals and web
 *    identities are no account's principals). RCPs apply to resources of `rcpAccount`, whoever calls.
 * 3. Same account: a resource-based policy may grant on its own, depending on how it names the
 *    caller (see `PrincipalStrength`): the caller itself (user ARN, role-session ARN, federated
 *    session ARN, or `*`) → allowed; the identity behind a session (role ARN, the IAM user behind a
 *    GetFederationToken session) → identity policies are not needed but the permissions boundary
 *    and the session policy still limit; the account → identity policies must allow too.
 *    Cross account: the principal side (identity + boundary + session + SCP) and the resource side
 *    (resource policy + RCP) must both allow.
 * 4. Identity-based policies, then the permissions boundary (when one is attached), then session
 *    policies (when the session has any; a GetFederationToken session without one has no
 *    permissions) must allow.
 *
 * A resource-based policy naming the role-**session** ARN is not limited by the session policy (nor
 * the boundary), as the IAM User Guide's session-policy section says; iam-simulate asserts the
 * opposite.
 *
 * Trust policies are resource policies that must explicitly allow: pass the role's trust policy as
 * `resource` (compiled with kind `trust`) and evaluate `sts:AssumeRole*` against the role ARN. A
 * resource policy statement without `Principal`/`NotPrincipal` is refused
 * (`MalformedPolicyDocumentError` `MISSING_PRINCIPAL`), never applied to every caller.
 */
import { missingPrincipal } from './compile.js';
import type { CompiledPolicy, CompiledStatement } from './compile.js';
import { createRequestContext } from './context.js';
import type { RequestContext, RequestPrincipal } from './context.js';
import type { Decision, Explanation, MissingAllow, StatementRef } from './explain.js';
import { parseArnValue, wildcardStrength } from './match.js';
import type { ParsedArn, PrincipalStrength } from './match.js';

/** The policies that apply to a request. Absent members do not apply. */
export interface PolicySet {
  /** The principal's identity-based policies (inline, managed, group). */
  identity?: readonly CompiledPolicy[];
  /** The principal's permissions boundary, if one is attached. */
  boundary?: CompiledPolicy;
  /**
   * Session policies passed when the session was created. `undefined` = the session has none
   * (for role sessions: no limit). For a `FederatedUser` caller, none means no permissions.
   */
  session?: readonly CompiledPolicy[];
  /** The resource's resource-based policy, or the role's trust policy for `sts:AssumeRole*`. */
  resource?: CompiledPolicy;
  /** SCP levels of `scpAccount`, root first; each level a list of attached SCPs. */
  scp?: readonly (readonly CompiledPolicy[])[];
  /**
   * The account `scp` is attached to: the SCPs limit only principals of that account. Absent = the
   * principal's account. Either way they never limit anonymous, service or web-identity callers.
   */
  scpAccount?: string;
  /** RCP levels of `rcpAccount`, root first. */
  rcp?: readonly (readonly CompiledPolicy[])[];
  /**
   * The account `rcp` is attached to: the RCPs limit only requests for that account's resources.
   * Absent = the resource's account (`resourceAccount`, else the principal's).
   */
  rcpAccount?: string;
  /**
   * The resource policy itself must allow (IAM role trust policies, KMS key policies). Defaults to
   * true when `resource.kind === 'trust'`.
   */
  resourcePolicyRequired?: boolean;
}

/** One request to authorize. */
export interface AuthorizationRequest {
  principal: RequestPrincipal;
  /** `service:ActionName`, any case. */
  action: string;
  /** The resource ARN, or `*` for actions without a resource type. */
  resource: string;
  /** The account that owns the resource; absent = the principal's account. */
  resourceAccount?: string;
  context: RequestContext;
}

const ALLOW = 1;
const DENY = 2;

/**
 * Per-call scan state. Evaluation is synchronous and never re-enters itself, so one instance is
 * reused (reset at the start of every call) rather than allocated per request.
 */
class Scan {
  matched: StatementRef[] | null = null;
  /** Strongest principal naming among the resource policy's applicable Allow statements. */
  strength: PrincipalStrength = 0;
  action = '';
  service = '';
  resource: ParsedArn = NO_RESOURCE;
  context: RequestContext = EMPTY_CONTEXT;
  principal: RequestPrincipal = ANONYMOUS;
  hasBoundary = false;
  /** Scanning the resource policy: a statement without a principal is refused. */
  resourceScan = false;

  reset(
    action: string,
    resource: ParsedArn,
    context: RequestContext,
    principal: RequestPrincipal,
    hasBoundary: boolean,
  ): void {
    const colon = action.indexOf(':');
    this.matched = null;
    this.strength = 0;
    this.action = action;
    this.service = colon < 0 ? action : action.slice(0, colon);
    this.resource = resource;
    this.context = context;
    this.principal = principal;
    this.hasBoundary = hasBoundary;
    this.resourceScan = false;
  }

  /** Tests one policy; returns ALLOW|DENY flags for its applicable statements. */
  policy(policy: CompiledPolicy): number {
    const bucket = policy.candidates(this.action, this.service);
    let flags = 0;
    const sure = bucket.sure;
    for (let i = 0; i < sure.length; i++) flags |= this.statement(sure[i] as CompiledStatement, false);
    const maybe = bucket.maybe;
    for (let i = 0; i < maybe.length; i++) flags |= this.statement(maybe[i] as CompiledStatement, true);
    return flags;
  }

  private statement(s: CompiledStatement, checkAction: boolean): number {
    if (checkAction && !s.matchesAction(this.action)) return 0;
    if (!s.matchesResource(this.resource, this.context)) return 0;
    let strength: PrincipalStrength = 3;
    const principal = s.principal;
    if (principal !== null) {
      if (principal.negated) {
        if (s.deny) {
          // Documented gotcha (access_policies_boundaries): Deny + NotPrincipal always denies a
          // principal with a permissions boundary, whatever NotPrincipal lists. Otherwise the caller
          // is exempt only when every layer of its identity is listed (NotPrincipal reference).
          if (principal.excludes(this.principal) && !this.hasBoundary) return 0;
        } else if (principal.strength(this.principal) !== 0) {
          // Allow + NotPrincipal grants "all principals except the ones named": a caller named in
          // any form (its session, role, user or account) is not granted by it.
          return 0;
        }
        strength = wildcardStrength(this.principal);
      } else {
        strength = principal.strength(this.principal);
        if (strength === 0) return 0;
      }
    } else if (this.resourceScan) {
      throw missingPrincipal(s.ref.policyKind, s.ref.loc);
    }
    if (!s.matchesConditions(this.context)) return 0;
    (this.matched ??= []).push(s.ref);
    if (s.deny) return DENY;
    if (strength > this.strength) this.strength = strength;
    return ALLOW;
  }

  /** OR of the flags of several policies. */
  all(policies: readonly CompiledPolicy[] | undefined): number {
    if (policies === undefined) return 0;
    let flags = 0;
    for (let i = 0; i < policies.length; i++) flags |= this.policy(policies[i] as CompiledPolicy);
    return flags;
  }
}

const EMPTY_CONTEXT = createRequestContext();
const NO_RESOURCE = parseArnValue('*');
const ANONYMOUS: RequestPrincipal = { type: 'Anonymous' };
const SCAN = new Scan();

const MISSING_IDENTITY: MissingAllow = { kind: 'identity' };
const MISSING_BOUNDARY: MissingAllow = { kind: 'boundary' };
const MISSING_SESSION: MissingAllow = { kind: 'session' };
const MISSING_RESOURCE: MissingAllow = { kind: 'resource' };
const NONE: readonly never[] = [];

/**
 * Decides one request.
 *
 * @example
 * const decision = evaluate(
 *   { principal, action: 's3:GetObject', resource: 'arn:aws:s3:::docs/a.txt', context },
 *   { identity: [compiledRolePolicy], boundary: compiledBoundary },
 * );
 * decision.decision; // 'Allow' | 'ImplicitDeny' | 'ExplicitDeny'
 */
export function evaluate(request: AuthorizationRequest, policies: PolicySet): Decision {
  const principal = request.principal;
  const scan = SCAN;
  scan.reset(
    request.action.toLowerCase(),
    parseArnValue(request.resource),
    request.context,
    principal,
    policies.boundary !== undefined,
  );

  let deny = false;
  const identityFlags = scan.all(policies.identity);
  const boundaryFlags = policies.boundary === undefined ? ALLOW : scan.policy(policies.boundary);
  const sessionFlags = scan.all(policies.session);
  deny = ((identityFlags | boundaryFlags | sessionFlags) & DENY) !== 0;

  // The resource policy's grant strength is measured on its own statements only.
  scan.strength = 0;
  scan.resourceScan = true;
  const resourceFlags = policies.resource === undefined ? 0 : scan.policy(policies.resource);
  scan.resourceScan = false;
  const strength = (resourceFlags & ALLOW) !== 0 ? scan.strength : 0;
  deny ||= (resourceFlags & DENY) !== 0;

  let scpMissing: MissingAllow[] | null = null;
  const scp = policies.scp;
  if (scp !== undefined && scpApplies(principal, policies.scpAccount)) {
    for (let level = 0; level < scp.length; level++) {
      const flags = scan.all(scp[level]);
      if ((flags & DENY) !== 0) deny = true;
      if ((flags & ALLOW) === 0) (scpMissing ??= []).push({ kind: 'scp', level });
    }
  }
  const rcp = policies.rcp;
  if (
    rcp !== undefined &&
    (policies.rcpAccount === undefined ||
      policies.rcpAccount === (request.resourceAccount ?? principal.account))
  ) {
    for (let level = 0; level < rcp.length; level++) {
      const flags = scan.all(rcp[level]);
      if ((flags & DENY) !== 0) deny = true;
      if ((flags & ALLOW) === 0) (scpMissing ??= []).push({ kind: 'rcp', level });
    }
  }

  const crossAccount =
    principal.account !== undefined &&
    request.resourceAccount !== undefined &&
    principal.account !== request.resourceAccount;
  const matched = scan.matched ?? NONE;
  // Drop references to this request's objects from the shared scan state.
  scan.reset('', NO_RESOURCE, EMPTY_CONTEXT, ANONYMOUS, false);

  if (deny) {
    return {
      decision: 'ExplicitDeny',
      explanation: explanation(matched, 'Deny', NONE, crossAccount, strength),
    };
  }

  const missing: MissingAllow[] = scpMissing ?? [];
  // (An empty array here is cheap: V8 allocates its backing store only on the first push.)
  const resourceAllows = (resourceFlags & ALLOW) !== 0;
  const hasIdentitySide =
    principal.type !== 'Service' && principal.type !== 'WebIdentity' && principal.type !== 'Anonymous';
  // The root user is allowed by its identity; boundaries and session policies cannot be attached.
  const identityAllows = principal.type === 'Root' || (identityFlags & ALLOW) !== 0;
  const boundaryAllows = (boundaryFlags & ALLOW) !== 0;
  const sessionRequired = policies.session !== undefined || principal.type === 'FederatedUser';
  const sessionAllows = !sessionRequired || (sessionFlags & ALLOW) !== 0;
  const resourceRequired = policies.resourcePolicyRequired ?? policies.resource?.kind === 'trust';

  if (crossAccount) {
    if (!resourceAllows) missing.push(MISSING_RESOURCE);
    if (!identityAllows) missing.push(MISSING_IDENTITY);
    if (!boundaryAllows) missing.push(MISSING_BOUNDARY);
    if (!sessionAllows) missing.push(MISSING_SESSION);
  } else if (!hasIdentitySide) {
    if (strength < 3) missing.push(MISSING_RESOURCE);
  } else {
    if (resourceRequired && !resourceAllows) missing.push(MISSING_RESOURCE);
    if (strength < 3) {
      if (strength < 2 && !identityAllows) missing.push(MISSING_IDENTITY);
      if (!boundaryAllows) missing.push(MISSING_BOUNDARY);
      if (!sessionAllows) missing.push(MISSING_SESSION);
    }
  }

  if (missing.length > 0) {
    return {
      decision: 'ImplicitDeny',
      explanation: { matched, deciding: NONE, missing, crossAccount, resourceGrant: strength },
    };
  }
  return { decision: 'Allow', explanation: explanation(matched, 'Allow', NONE, crossAccount, strength) };
}

/** "SCPs apply to principals of the account where the SCPs are attached" (policy-eval-denyallow). */
function scpApplies(principal: RequestPrincipal, scpAccount: string | undefined): boolean {
  switch (principal.type) {
    case 'User':
    case 'AssumedRole':
    case 'FederatedUser':
    case 'Root':
      return scpAccount === undefined || scpAccount === principal.account;
    case 'Anonymous':
    case 'Service':
    case 'WebIdentity':
      return false;
  }
}

function explanation(
  matched: readonly StatementRef[],
  effect: 'Allow' | 'Deny',
  missing: readonly MissingAllow[],
  crossAccount: boolean,
  resourceGrant: PrincipalStrength,
): Explanation {
  let deciding: readonly StatementRef[] = matched;
  for (let i = 0; i < matched.length; i++) {
    if ((matched[i] as StatementRef).effect !== effect) {
      deciding = matched.filter((m) => m.effect === effect);
      break;
    }
  }
  return { matched, deciding, missing, crossAccount, resourceGrant };
}
