/**
 * The principal edges of the access graph, "who can become whom", each decided by the policy
 * engine (never by reading names):
 *
 * - `assume`: `sts:AssumeRole` of the role, decided as STS decides it (decide.ts);
 * - `pass-role`: `iam:PassRole` of the role with `iam:PassedToService` set to a service the role
 *   trusts, plus the actions that run code there (run-code.ts);
 * - `put-role-policy`, `attach-role-policy`: `iam:PutRolePolicy`, `iam:AttachRolePolicy` (with
 *   `iam:PolicyARN` = AdministratorAccess) on the role;
 * - `update-assume-role-policy`: `iam:UpdateAssumeRolePolicy` on the role, and `sts:AssumeRole`
 *   allowed once the trust policy names the principal (evaluated with that trust policy);
 * - `create-policy-version`: `iam:CreatePolicyVersion` (with `SetAsDefault`, which needs no other
 *   permission) or `iam:SetDefaultPolicyVersion` on a customer managed policy attached to the target;
 * - `create-access-key`: `iam:CreateAccessKey` on a user.
 *
 * Cost: an edge that only the principal's identity policies can grant is probed only when one of
 * its Allow statements names the action (`identityMentions`, exact); `assume` is probed for every
 * pair, because a trust policy naming the caller grants without identity policies.
 */
import { compilePolicy, parsePolicy } from '../../policy/index.js';
import type { CompiledPolicy, Decision, StatementRef } from '../../policy/index.js';
import type { GraphEdgeKind } from '../../console/contract.js';
import {
  assumeAllowStatements,
  assumeDecision,
  identityMentions,
  principalDecision,
  serviceMayAssume,
  trustMayAllow,
} from './decide.js';
import type { EscalationPrincipal } from './principals.js';
import { CODE_SERVICES, runCodeGrants } from './run-code.js';
import type { CodeService } from './run-code.js';

export type PrincipalEdgeKind = Exclude<GraphEdgeKind, 'uses' | 'grants'>;

/** Edges by which the source obtains the target's credentials (it acts as the target afterwards). */
export const CREDENTIAL_EDGES: ReadonlySet<PrincipalEdgeKind> = new Set([
  'assume',
  'pass-role',
  'update-assume-role-policy',
  'create-access-key',
]);

export interface PrincipalEdge {
  /** Principal ARNs. */
  from: string;
  to: string;
  kind: PrincipalEdgeKind;
  /** The actions the engine allowed for the edge. */
  actions: string[];
  /** The deciding statements, e.g. `identity policy web/escalate Statement[0] (Sid PassAny)`. */
  because: string[];
  /** For `pass-role`: the service the role is passed to; for `create-policy-version`: the policy ARN. */
  via?: string;
}

export interface EdgeOptions {
  /**
   * Versions per customer managed policy ARN; `iam:SetDefaultPolicyVersion` is an edge only for a
   * policy with more than one. Absent: every policy is assumed to have another version.
   */
  policyVersionCounts?: ReadonlyMap<string, number>;
  /**
   * Probe every edge, without the `identityMentions` prefilter: slower, the same answer (the
   * differential test holds the prefilter to that).
   */
  exhaustive?: boolean;
}

/** `Statement[0] (Sid X) of identity policy web/escalate`. */
export function describeRef(ref: StatementRef): string {
  const sid = ref.sid === undefined ? '' : ` (Sid ${ref.sid})`;
  return `${ref.policyKind} policy ${ref.policyName ?? ref.policyId} Statement[${ref.statementIndex}]${sid}`;
}

function because(...decisions: Decision[]): string[] {
  const out = new Set<string>();
  for (const d of decisions) for (const ref of d.explanation.deciding) out.add(describeRef(ref));
  return [...out];
}

const allowed = (d: Decision): boolean => d.decision === 'Allow';

/** The trust policy `iam:UpdateAssumeRolePolicy` would let the principal write: it names itself. */
function selfTrust(p: EscalationPrincipal): CompiledPolicy {
  return compilePolicy(
    parsePolicy({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: p.arn }, Action: 'sts:AssumeRole' }],
    }),
    { id: `${p.arn}/rewritten-trust`, name: `trust naming ${p.arn}`, kind: 'trust' },
  );
}

const POLICY_ACTIONS = ['iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion'] as const;

/** Customer managed policy ARNs attached to the principal. */
function attachedCustomerPolicies(p: EscalationPrincipal): string[] {
  return p.identityPolicies.flatMap((x) => (x.source === 'customer-managed' && x.arn ? [x.arn] : []));
}

/**
 * Every principal edge among `principals`.
 *
 * @example
 * const edges = principalEdges(principalsOf(data));
 */
export function principalEdges(
  principals: readonly EscalationPrincipal[],
  options: EdgeOptions = {},
): PrincipalEdge[] {
  const out: PrincipalEdge[] = [];
  const roles = principals.filter((p) => p.kind === 'role');
  const users = principals.filter((p) => p.kind === 'user');
  // What each role's trust lets the code-running services do: per role, once.
  const trustedServices = new Map<string, CodeService[]>();
  for (const r of roles) {
    const trust = r.trust;
    trustedServices.set(
      r.arn,
      trust === undefined
        ? []
        : CODE_SERVICES.filter((s) => allowed(serviceMayAssume(trust, s, r.arn, r.accountId))),
    );
  }
  const exhaustive = options.exhaustive === true;
  const assumable = roles.filter((r) => r.trustNamesIam);
  const trustAllows = new Map(
    roles.map((r) => [r.arn, r.trust === undefined ? [] : assumeAllowStatements(r.trust)]),
  );
  const policyOwners = new Map<string, EscalationPrincipal[]>();
  for (const t of principals) {
    for (const arn of attachedCustomerPolicies(t)) {
      const list = policyOwners.get(arn) ?? [];
      list.push(t);
      policyOwners.set(arn, list);
    }
  }

  for (const p of principals) {
    const edge = (
      to: EscalationPrincipal,
      kind: PrincipalEdgeKind,
      actions: string[],
      why: string[],
      via?: string,
    ): void => {
      out.push({
        from: p.arn,
        to: to.arn,
        kind,
        actions,
        because: why,
        ...(via === undefined ? {} : { via }),
      });
    };
    const mentions = (action: string): boolean => options.exhaustive === true || identityMentions(p, action);
    const passRole = mentions('iam:PassRole');
    const code = passRole ? runCodeGrants(p, mentions) : new Map();
    const put = mentions('iam:PutRolePolicy');
    const attach = mentions('iam:AttachRolePolicy');
    const update = mentions('iam:UpdateAssumeRolePolicy');
    const rewritten = update ? selfTrust(p) : undefined;
    const adminArn = `arn:${p.partition}:iam::aws:policy/AdministratorAccess`;

    // Only trust policies that can name an IAM principal can let one assume the role.
    for (const r of exhaustive ? roles : assumable) {
      if (r === p || r.trust === undefined) continue;
      if (!exhaustive && !trustMayAllow(trustAllows.get(r.arn) ?? [], p)) continue;
      const d = assumeDecision(p, r.arn, r.accountId, r.trust);
      if (allowed(d)) edge(r, 'assume', ['sts:AssumeRole'], because(d));
    }

    if (code.size > 0 || put || attach || rewritten !== undefined) {
      for (const r of roles) {
        const self = r === p;
        if (!self && code.size > 0) {
          for (const service of trustedServices.get(r.arn) ?? []) {
            const grant = code.get(service);
            if (grant === undefined) continue;
            const d = principalDecision(p, 'iam:PassRole', r.arn, {
              extra: { 'iam:PassedToService': service },
            });
            if (!allowed(d)) continue;
            const why = new Set([...because(d), ...grant.deciding.map(describeRef)]);
            edge(r, 'pass-role', ['iam:PassRole', ...grant.actions], [...why], service);
          }
        }
        if (put) {
          const d = principalDecision(p, 'iam:PutRolePolicy', r.arn);
          if (allowed(d)) edge(r, 'put-role-policy', ['iam:PutRolePolicy'], because(d));
        }
        if (attach) {
          const d = principalDecision(p, 'iam:AttachRolePolicy', r.arn, {
            extra: { 'iam:PolicyARN': adminArn },
          });
          if (allowed(d)) edge(r, 'attach-role-policy', ['iam:AttachRolePolicy'], because(d));
        }
        if (!self && rewritten !== undefined) {
          const d = principalDecision(p, 'iam:UpdateAssumeRolePolicy', r.arn);
          if (!allowed(d)) continue;
          const assume = assumeDecision(p, r.arn, r.accountId, rewritten);
          if (allowed(assume)) {
            edge(
              r,
              'update-assume-role-policy',
              ['iam:UpdateAssumeRolePolicy', 'sts:AssumeRole'],
              because(d, assume),
            );
          }
        }
      }
    }

    const versioned = new Set<string>();
    for (const action of POLICY_ACTIONS) {
      if (!mentions(action)) continue;
      for (const [policyArn, owners] of policyOwners) {
        if (
          action === 'iam:SetDefaultPolicyVersion' &&
          (options.policyVersionCounts?.get(policyArn) ?? 2) < 2
        )
          continue;
        const d = principalDecision(p, action, policyArn);
        if (!allowed(d)) continue;
        for (const t of owners) {
          // One edge per target and policy: CreatePolicyVersion is enough, SetDefault the fallback.
          const key = `${t.arn}\u0000${policyArn}`;
          if (versioned.has(key)) continue;
          versioned.add(key);
          edge(t, 'create-policy-version', [action], because(d), policyArn);
        }
      }
    }

    if (mentions('iam:CreateAccessKey')) {
      for (const u of users) {
        if (u === p) continue;
        const d = principalDecision(p, 'iam:CreateAccessKey', u.arn);
        if (allowed(d)) edge(u, 'create-access-key', ['iam:CreateAccessKey'], because(d));
      }
    }
  }
  return out;
}
