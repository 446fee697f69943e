/**
 * IAM's policy simulator, answered by the request path's own engine (`policy/evaluate.ts`): each
 * action is evaluated on each resource with the given identity policies, permissions boundary and
 * resource policy, and the answer is written in the simulator's vocabulary (IAM API Reference,
 * `EvaluationResult`, `ResourceSpecificResult`, `Statement`):
 *
 * - One `EvaluationResult` per action, whatever the number of resources. Its top-level decision is
 *   the most restrictive of the per-resource ones (`explicitDeny` > `implicitDeny` > `allowed`),
 *   and `ResourceSpecificResults` holds one entry per resource when resources were given. This is
 *   the simulator's current behaviour as the AWS SDK documentation states it ("The simulator now
 *   returns a single EvaluationResult per action, regardless of how many resource ARNs are
 *   provided"); older answers repeated the result per resource.
 * - `MatchedStatements` are the statements that decided: the Deny statements of an explicit deny,
 *   the Allow statements of an allow, none for an implicit deny.
 * - `MissingContextValues` are the condition keys of statements that apply to the action and
 *   resource and that no context entry supplied. Only what the caller gives is in the context: the
 *   simulator does not invent `aws:CurrentTime` or `aws:SourceIp` (the AWS CLI's own examples pass
 *   `aws:CurrentTime` as a context entry).
 * - Positions: the statement's start and end as the simulator reports them. The AWS CLI's example
 *   for `simulate-custom-policy` (a one-line policy whose statement object starts at 1-based
 *   column 37 and ends with the `}` at column 166) reports Start 1:38 and End 1:167, i.e. one past
 *   each: credplane reports the same.
 *
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html
 */
import {
  createRequestContext,
  evaluate,
  parseArnValue,
  type CompiledPolicy,
  type ContextInput,
  type Decision,
  type RequestContext,
  type RequestPrincipal,
  type StatementRef,
} from '../policy/index.js';
import { XmlMap, type XmlNode } from '../protocol/xml.js';

export type EvalDecision = 'allowed' | 'explicitDeny' | 'implicitDeny';

/** `PolicySourceType` of the IAM model. */
export type PolicySourceType =
  'user' | 'group' | 'role' | 'aws-managed' | 'user-managed' | 'resource' | 'none';

/** A policy taking part in a simulation, with how the simulator names it. */
export interface SimulatedPolicy {
  policy: CompiledPolicy;
  /** `SourcePolicyId`: an inline or managed policy's name, or `PolicyInputList.N`, `ResourcePolicy`. */
  sourceId: string;
  sourceType: PolicySourceType;
}

export interface SimulationSetup {
  principal: RequestPrincipal;
  identity: readonly SimulatedPolicy[];
  boundary?: SimulatedPolicy;
  resourcePolicy?: SimulatedPolicy;
  /** `ResourceOwner`, or the principal's account. */
  resourceOwner: string;
  context: Readonly<Record<string, ContextInput>>;
}

interface ResourceOutcome {
  resource: string;
  decision: EvalDecision;
  matched: StatementRef[];
  missing: string[];
  allowedByBoundary?: boolean;
  /** Cross-account simulations only: how each side decided on its own. */
  sides?: { identity: EvalDecision; resource?: EvalDecision };
}

const EVAL: Record<Decision['decision'], EvalDecision> = {
  Allow: 'allowed',
  ImplicitDeny: 'implicitDeny',
  ExplicitDeny: 'explicitDeny',
};
const SEVERITY: Record<EvalDecision, number> = { allowed: 0, implicitDeny: 1, explicitDeny: 2 };

/** The account of an ARN (`arn:partition:service:region:account:…`), or undefined when it has none. */
function accountOf(resource: string): string | undefined {
  const parts = resource.split(':');
  return parts.length >= 6 && /^\d{12}$/.test(parts[4] ?? '') ? parts[4] : undefined;
}

function simulateOne(setup: SimulationSetup, action: string, resource: string): ResourceOutcome {
  const context = createRequestContext(setup.context);
  const resourceAccount = accountOf(resource) ?? setup.resourceOwner;
  const identity = setup.identity.map((p) => p.policy);
  const request = { principal: setup.principal, action, resource, resourceAccount, context };
  const decision = evaluate(request, {
    identity,
    ...(setup.boundary === undefined ? {} : { boundary: setup.boundary.policy }),
    ...(setup.resourcePolicy === undefined ? {} : { resource: setup.resourcePolicy.policy }),
  });
  const all = [
    ...setup.identity,
    ...(setup.boundary === undefined ? [] : [setup.boundary]),
    ...(setup.resourcePolicy === undefined ? [] : [setup.resourcePolicy]),
  ];
  const outcome: ResourceOutcome = {
    resource,
    decision: EVAL[decision.decision],
    matched: [...decision.explanation.deciding],
    missing: missingKeys(all, action, resource, context),
  };
  if (setup.boundary !== undefined) {
    const boundaryId = setup.boundary.policy.id;
    const refs = decision.explanation.matched.filter((m) => m.policyId === boundaryId);
    outcome.allowedByBoundary =
      refs.some((m) => m.effect === 'Allow') && !refs.some((m) => m.effect === 'Deny');
  }
  if (decision.explanation.crossAccount) {
    // Each side's own answer, for `EvalDecisionDetails`: as if the resource were in the caller's
    // account, so that one side alone can allow.
    const oneSide = { principal: setup.principal, action, resource, context };
    outcome.sides = {
      identity: EVAL[evaluate(oneSide, { identity }).decision],
      ...(setup.resourcePolicy === undefined
        ? {}
        : { resource: EVAL[evaluate(oneSide, { resource: setup.resourcePolicy.policy }).decision] }),
    };
  }
  return outcome;
}

/** Condition keys of the statements that apply to `action` on `resource`, not in the context. */
function missingKeys(
  policies: readonly SimulatedPolicy[],
  action: string,
  resource: string,
  context: RequestContext,
): string[] {
  const given = new Set(context.keys());
  const lowerAction = action.toLowerCase();
  const parsed = parseArnValue(resource);
  const out: string[] = [];
  const seen = new Set<string>();
  for (const { policy } of policies) {
    for (const s of policy.statements) {
      if (!s.matchesAction(lowerAction) || !s.matchesResource(parsed, context)) continue;
      for (const key of s.conditionKeys) {
        const lower = key.toLowerCase();
        if (given.has(lower) || seen.has(lower)) continue;
        seen.add(lower);
        out.push(key);
      }
    }
  }
  return out;
}

function statementXml(ref: StatementRef, policies: ReadonlyMap<string, SimulatedPolicy>): XmlNode {
  const source = policies.get(ref.policyId);
  const start = ref.loc.start;
  const end = ref.loc.end;
  return {
    SourcePolicyId: source?.sourceId ?? ref.policyName ?? ref.policyId,
    SourcePolicyType: source?.sourceType ?? 'none',
    StartPosition: start === undefined ? undefined : { Line: start.line, Column: start.column + 1 },
    EndPosition: end === undefined ? undefined : { Line: end.line, Column: end.column },
  };
}

/**
 * `EvalDecisionDetails` for a cross-account simulation: how each side decided. IAM documents the
 * map's purpose ("a brief summary of how each policy type contributes") but not its keys; credplane
 * writes `IAM Policy` and `Resource Policy`. Same-account simulations omit it.
 */
function decisionDetails(o: ResourceOutcome): XmlMap | undefined {
  if (o.sides === undefined) return undefined;
  const entries: [string, string][] = [['IAM Policy', o.sides.identity]];
  if (o.sides.resource !== undefined) entries.push(['Resource Policy', o.sides.resource]);
  return new XmlMap(entries);
}

/**
 * Simulates every action on every resource (`*` when none is given) and returns the
 * `EvaluationResults` members, one per action.
 *
 * @example
 * const results = simulatePolicies(setup, ['s3:GetObject'], ['arn:aws:s3:::docs/a']);
 * results[0].EvalDecision; // 'allowed'
 */
export function simulatePolicies(
  setup: SimulationSetup,
  actions: readonly string[],
  resources: readonly string[],
): XmlNode[] {
  const byId = new Map<string, SimulatedPolicy>();
  for (const p of [...setup.identity, setup.boundary, setup.resourcePolicy]) {
    if (p !== undefined) byId.set(p.policy.id, p);
  }
  const targets = resources.length === 0 ? ['*'] : resources;
  return actions.map((action) => {
    const outcomes = targets.map((r) => simulateOne(setup, action, r));
    const worst = outcomes.reduce((a, b) => (SEVERITY[b.decision] > SEVERITY[a.decision] ? b : a));
    const matched = outcomes.filter((o) => o.decision === worst.decision).flatMap((o) => o.matched);
    const unique = [...new Map(matched.map((m) => [`${m.policyId}\u0000${m.statementIndex}`, m])).values()];
    const result: Record<string, XmlNode[keyof XmlNode]> = {
      EvalActionName: action,
      EvalResourceName: resources.length === 1 ? resources[0] : '*',
      EvalDecision: worst.decision,
      MatchedStatements: unique.map((m) => statementXml(m, byId)),
      // IAM lists missing keys at the top only for `*`; with resources, per resource.
      MissingContextValues: resources.length === 0 ? worst.missing : [],
      EvalDecisionDetails: resources.length === 0 ? undefined : decisionDetails(worst),
    };
    if (worst.allowedByBoundary !== undefined) {
      result.PermissionsBoundaryDecisionDetail = { AllowedByPermissionsBoundary: worst.allowedByBoundary };
    }
    if (resources.length > 0) {
      result.ResourceSpecificResults = outcomes.map((o) => ({
        EvalResourceName: o.resource,
        EvalResourceDecision: o.decision,
        MatchedStatements: o.matched.map((m) => statementXml(m, byId)),
        MissingContextValues: o.missing,
        EvalDecisionDetails: decisionDetails(o),
        PermissionsBoundaryDecisionDetail:
          o.allowedByBoundary === undefined
            ? undefined
            : { AllowedByPermissionsBoundary: o.allowedByBoundary },
      }));
    }
    return result;
  });
}

/**
 * Every condition key the policies test, first occurrence of each, as `GetContextKeysFor*Policy`
 * return them.
 */
export function contextKeysOf(policies: readonly CompiledPolicy[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const policy of policies) {
    for (const s of policy.statements) {
      for (const key of s.conditionKeys) {
        const lower = key.toLowerCase();
        if (seen.has(lower)) continue;
        seen.add(lower);
        out.push(key);
      }
    }
  }
  return out;
}
