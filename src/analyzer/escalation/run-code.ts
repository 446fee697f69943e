/**
 * "Pass a role to a service that runs code with it" (IAM User Guide, "Granting a user permissions
 * to pass a role to an AWS service"): besides `iam:PassRole`, the principal must be allowed to
 * start the compute the role is handed to. Which actions that takes, per service:
 *
 * - Lambda (`lambda.amazonaws.com`): `lambda:CreateFunction` and a way to run it,
 *   `lambda:InvokeFunction` or `lambda:AddPermission` (a resource policy letting itself invoke),
 *   on the same function;
 * - ECS tasks (`ecs-tasks.amazonaws.com`): `ecs:RegisterTaskDefinition` and `ecs:RunTask` (or
 *   `ecs:StartTask`) of that task definition;
 * - EC2 (`ec2.amazonaws.com`): `ec2:RunInstances` (the role reaches the instance through an
 *   instance profile; one holding the role is assumed to exist).
 *
 * Functions and task definitions are named by the caller, so the question is whether some name is
 * allowed: each Allow statement's own resource patterns for the action are instantiated (wildcards
 * filled) and tried, with a fixed probe name, all through the engine.
 */
import { parsePolicy } from '../../policy/index.js';
import type { Decision, StatementRef } from '../../policy/index.js';
import { principalDecision, PROBE_REGION } from './decide.js';
import type { EscalationPrincipal } from './principals.js';

export const CODE_SERVICES = [
  'lambda.amazonaws.com',
  'ecs-tasks.amazonaws.com',
  'ec2.amazonaws.com',
] as const;
export type CodeService = (typeof CODE_SERVICES)[number];

export interface RunCodeGrant {
  actions: string[];
  deciding: StatementRef[];
}

const PROBE_NAME = 'credplane-escalation';

/**
 * The resource patterns of the principal's Allow statements. Only candidates: each is filtered by
 * service and resource type, then decided by the engine, so an extra one costs a probe, no more.
 */
function allowedPatterns(principal: EscalationPrincipal): string[] {
  const out: string[] = [];
  for (const policy of principal.identityPolicies) {
    let doc;
    try {
      doc = parsePolicy(policy.document);
    } catch {
      continue;
    }
    for (const s of doc.statements) {
      if (s.effect.value !== 'Allow' || s.resource === undefined || s.resource.negated) continue;
      for (const r of s.resource.values) out.push(r.value);
    }
  }
  return out;
}

/** A concrete ARN matched by `pattern`: region and account filled with the probe's, other wildcards with `x`. */
export function instantiate(pattern: string, accountId: string): string | undefined {
  if (pattern.includes('${')) return undefined;
  const parts = pattern.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  if (/[*?]/.test(parts[3]!)) parts[3] = PROBE_REGION;
  if (/[*?]/.test(parts[4]!)) parts[4] = accountId;
  return parts.join(':').replace(/[*?]/g, 'x');
}

function candidates(principal: EscalationPrincipal, action: string, probe: string, kind: string): string[] {
  const out = new Set([probe]);
  for (const p of allowedPatterns(principal)) {
    const arn = instantiate(p, principal.accountId);
    if (arn !== undefined && arn.split(':')[2] === action.split(':')[0] && arn.includes(`:${kind}`))
      out.add(arn);
  }
  return [...out];
}

function allowed(d: Decision): boolean {
  return d.decision === 'Allow';
}

/** The prefilter (`identityMentions`), or a yes to everything in exhaustive mode. */
export type Mentions = (action: string) => boolean;

function first(
  principal: EscalationPrincipal,
  mentions: Mentions,
  actions: readonly string[],
  resource: string,
): { action: string; decision: Decision } | undefined {
  for (const action of actions) {
    if (!mentions(action)) continue;
    const decision = principalDecision(principal, action, resource);
    if (allowed(decision)) return { action, decision };
  }
  return undefined;
}

function lambdaGrant(p: EscalationPrincipal, mentions: Mentions): RunCodeGrant | undefined {
  if (!mentions('lambda:CreateFunction')) return undefined;
  const probe = `arn:${p.partition}:lambda:${PROBE_REGION}:${p.accountId}:function:${PROBE_NAME}`;
  for (const fn of candidates(p, 'lambda:CreateFunction', probe, 'function:')) {
    const create = principalDecision(p, 'lambda:CreateFunction', fn);
    if (!allowed(create)) continue;
    const run = first(p, mentions, ['lambda:InvokeFunction', 'lambda:AddPermission'], fn);
    if (run === undefined) continue;
    return {
      actions: ['lambda:CreateFunction', run.action],
      deciding: [...create.explanation.deciding, ...run.decision.explanation.deciding],
    };
  }
  return undefined;
}

function ecsGrant(p: EscalationPrincipal, mentions: Mentions): RunCodeGrant | undefined {
  if (!mentions('ecs:RegisterTaskDefinition')) return undefined;
  const register = principalDecision(p, 'ecs:RegisterTaskDefinition', '*');
  if (!allowed(register)) return undefined;
  const probe = `arn:${p.partition}:ecs:${PROBE_REGION}:${p.accountId}:task-definition/${PROBE_NAME}:1`;
  for (const td of candidates(p, 'ecs:RunTask', probe, 'task-definition/')) {
    const run = first(p, mentions, ['ecs:RunTask', 'ecs:StartTask'], td);
    if (run === undefined) continue;
    return {
      actions: ['ecs:RegisterTaskDefinition', run.action],
      deciding: [...register.explanation.deciding, ...run.decision.explanation.deciding],
    };
  }
  return undefined;
}

function ec2Grant(p: EscalationPrincipal, mentions: Mentions): RunCodeGrant | undefined {
  if (!mentions('ec2:RunInstances')) return undefined;
  const probe = `arn:${p.partition}:ec2:${PROBE_REGION}:${p.accountId}:instance/*`;
  const run = principalDecision(p, 'ec2:RunInstances', probe);
  return allowed(run)
    ? { actions: ['ec2:RunInstances'], deciding: [...run.explanation.deciding] }
    : undefined;
}

/**
 * Per code-running service, the actions by which `principal` can start code there (without the
 * `iam:PassRole`, which depends on the role), or nothing.
 */
export function runCodeGrants(
  principal: EscalationPrincipal,
  mentions: Mentions,
): Map<CodeService, RunCodeGrant> {
  const out = new Map<CodeService, RunCodeGrant>();
  const lambda = lambdaGrant(principal, mentions);
  if (lambda !== undefined) out.set('lambda.amazonaws.com', lambda);
  const ecs = ecsGrant(principal, mentions);
  if (ecs !== undefined) out.set('ecs-tasks.amazonaws.com', ecs);
  const ec2 = ec2Grant(principal, mentions);
  if (ec2 !== undefined) out.set('ec2.amazonaws.com', ec2);
  return out;
}
