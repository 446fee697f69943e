/**
 * The graph's only way to decide anything: the policy engine (`evaluate`), called as the request
 * path calls it. A principal's request is evaluated with its identity policies and permissions
 * boundary; `sts:AssumeRole` adds the target role's trust policy as the resource policy with the
 * role's account, exactly the policy set STS's `AssumeRole` hands `decide` (src/sts/assume-role.ts,
 * src/control/authorize.ts); a service principal's assumption is evaluated against the trust policy
 * alone, as the workload channels do (src/delivery/workload-issuer.ts).
 *
 * The context is what a session of the principal carries (principal keys, its tags, the region)
 * plus the operation's keys; request keys the analysis cannot know (`aws:SourceIp`,
 * `aws:SourceArn`, request tags) are absent, so conditions on them hold only under `…IfExists`
 * or negated operators, as the engine decides for any request without them.
 */
import { createRequestContext, evaluate } from '../../policy/index.js';
import type { CompiledPolicy, CompiledStatement, ContextInput, Decision } from '../../policy/index.js';
import type { EscalationPrincipal } from './principals.js';
import { GRAPH_SESSION } from './principals.js';

/** The region probes are made in (the analysis is region-independent; IAM and STS are global). */
export const PROBE_REGION = 'us-east-1';

export interface ProbeOptions {
  /** A resource-based policy of the target (a role's trust policy for `sts:AssumeRole`). */
  resourcePolicy?: CompiledPolicy;
  /** The target's account when it is not the principal's. */
  resourceAccount?: string;
  /** Operation keys, e.g. `iam:PassedToService`. */
  extra?: Readonly<Record<string, ContextInput>>;
}

const REGION = { 'aws:RequestedRegion': PROBE_REGION };
const NO_EXTRA: Readonly<Record<string, ContextInput>> = {};

/**
 * The engine's decision for `principal` performing `action` on `resource`.
 *
 * @example
 * principalDecision(p, 'iam:PutRolePolicy', 'arn:aws:iam::123456789012:role/web').decision;
 */
export function principalDecision(
  principal: EscalationPrincipal,
  action: string,
  resource: string,
  options: ProbeOptions = {},
): Decision {
  const context = createRequestContext(principal.baseContext, REGION, options.extra ?? NO_EXTRA);
  return evaluate(
    {
      principal: principal.session,
      action,
      resource,
      ...(options.resourceAccount === undefined ? {} : { resourceAccount: options.resourceAccount }),
      context,
    },
    {
      identity: principal.identity,
      ...(principal.boundary === undefined ? {} : { boundary: principal.boundary }),
      ...(options.resourcePolicy === undefined ? {} : { resource: options.resourcePolicy }),
    },
  );
}

/**
 * `sts:AssumeRole` of `role` by `principal`, as STS decides it: trust policy as the resource
 * policy (it must allow), identity side unless the trust names the caller itself.
 */
export function assumeDecision(
  principal: EscalationPrincipal,
  roleArn: string,
  roleAccount: string,
  trust: CompiledPolicy,
): Decision {
  return principalDecision(principal, 'sts:AssumeRole', roleArn, {
    resourcePolicy: trust,
    resourceAccount: roleAccount,
    extra: { 'sts:RoleSessionName': GRAPH_SESSION },
  });
}

/** Whether `trust` lets `service` (e.g. `lambda.amazonaws.com`) assume the role, as the workload channels ask. */
export function serviceMayAssume(
  trust: CompiledPolicy,
  service: string,
  roleArn: string,
  roleAccount: string,
): Decision {
  const context = createRequestContext({
    'aws:PrincipalServiceName': service,
    'aws:PrincipalIsAWSService': 'true',
    'aws:SourceAccount': roleAccount,
  });
  return evaluate(
    {
      principal: { type: 'Service', service },
      action: 'sts:AssumeRole',
      resource: roleArn,
      resourceAccount: roleAccount,
      context,
    },
    { resource: trust },
  );
}

/**
 * Whether any Allow statement of the principal's identity policies names `action` (by Action or
 * NotAction), ignoring resources and conditions. For actions no resource policy can grant, the
 * identity side must allow (IAM User Guide, "Policy evaluation logic"), so `false` here means the
 * engine's answer is a deny: an exact prefilter, never dropping an edge.
 */
export function identityMentions(principal: EscalationPrincipal, action: string): boolean {
  const lower = action.toLowerCase();
  const colon = lower.indexOf(':');
  const service = lower.slice(0, colon);
  for (const policy of principal.identity) {
    const bucket = policy.candidates(lower, service);
    for (const s of bucket.sure) if (!s.deny) return true;
    for (const s of bucket.maybe) if (!s.deny && s.matchesAction(lower)) return true;
  }
  return false;
}

/** The Allow statements of a trust policy that name `sts:AssumeRole`: computed once per role. */
export function assumeAllowStatements(trust: CompiledPolicy): CompiledStatement[] {
  const bucket = trust.candidates('sts:assumerole', 'sts');
  return [
    ...bucket.sure.filter((s) => !s.deny),
    ...bucket.maybe.filter((s) => !s.deny && s.matchesAction('sts:assumerole')),
  ];
}

/**
 * Whether one of `allows` (from `assumeAllowStatements`) names the principal, by the engine's own
 * principal matcher, as `evaluate` tests it before resources and conditions: `Principal` naming
 * it in any form, or `NotPrincipal` not naming it. A trust policy must allow explicitly, so
 * `false` means the engine's answer is a deny: an exact prefilter for `assume` edges.
 */
export function trustMayAllow(allows: readonly CompiledStatement[], principal: EscalationPrincipal): boolean {
  for (const s of allows) {
    const matcher = s.principal;
    if (matcher === null) return true;
    const strength = matcher.strength(principal.session);
    if (matcher.negated ? strength === 0 : strength !== 0) return true;
  }
  return false;
}
