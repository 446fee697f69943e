/**
 * The principals of the access graph: roles (and IAM users, when the store has them), each with
 * its identity policies and permissions boundary compiled once for the policy engine, the session
 * it acts as, and for roles the trust policy. A principal is `{ arn, identity policies, boundary }`
 * whatever its kind, so users plug in beside roles (`UserInput`).
 */
import { splitArn } from '../../iam/arn.js';
import type { Tag, Workload } from '../../iam/types.js';
import { compilePolicy, parsePolicy, principalContextKeys } from '../../policy/index.js';
import type { CompiledPolicy, RequestPrincipal } from '../../policy/index.js';
import type { AnalysisData, NamedPolicy } from '../data.js';

/** The session name the graph's probes act under. */
export const GRAPH_SESSION = 'credplane-escalation';

/** An IAM user as the graph needs it (the store's users map onto this). */
export interface UserInput {
  arn: string;
  userName: string;
  accountId: string;
  userId?: string;
  /** Inline, then attached managed policies (and group policies), as `NamedPolicy`. */
  identityPolicies: NamedPolicy[];
  boundary?: NamedPolicy;
  tags?: Tag[];
}

export interface EscalationPrincipal {
  kind: 'role' | 'user';
  arn: string;
  name: string;
  accountId: string;
  partition: string;
  identity: CompiledPolicy[];
  boundary?: CompiledPolicy;
  /** Roles only: the trust policy; absent when it does not compile (then nobody can assume it). */
  trust?: CompiledPolicy;
  /**
   * Roles only: some Allow statement of the trust policy has `NotPrincipal`, `"*"` or an `AWS`
   * entry, the only forms that can name an IAM role or user (src/policy/match.ts,
   * `compilePrincipal`). False: no IAM principal can assume the role, whoever asks.
   */
  trustNamesIam: boolean;
  /** The identity policies as stored, for the graph's grant edges and `create-policy-version`. */
  identityPolicies: NamedPolicy[];
  /** Who the principal acts as: its role session or the user. */
  session: RequestPrincipal;
  /** Principal keys plus `aws:PrincipalTag/*`: the context every probe of this principal starts from. */
  baseContext: Record<string, string>;
  workloads: Workload[];
}

function compileOrSkip(
  text: string,
  id: string,
  kind: 'identity' | 'boundary' | 'trust',
): CompiledPolicy | undefined {
  try {
    return compilePolicy(parsePolicy(text), { id, kind });
  } catch {
    // A stored document the engine cannot parse grants nothing; the policy checks report it.
    return undefined;
  }
}

function namesIam(text: string): boolean {
  try {
    return parsePolicy(text).statements.some(
      (s) =>
        s.effect.value === 'Allow' &&
        s.principal !== undefined &&
        (s.principal.negated || s.principal.wildcard || s.principal.entries.some((e) => e.type === 'AWS')),
    );
  } catch {
    return false;
  }
}

function contextOf(session: RequestPrincipal, tags: readonly Tag[]): Record<string, string> {
  const keys: Record<string, string> = { ...principalContextKeys(session) };
  for (const tag of tags) keys[`aws:PrincipalTag/${tag.key}`] = tag.value;
  return keys;
}

/**
 * Every role of `data` (and every user given) as a graph principal.
 *
 * @example
 * const principals = principalsOf(await loadAnalysisData(store, options));
 */
export function principalsOf(data: AnalysisData, users: readonly UserInput[] = []): EscalationPrincipal[] {
  const out: EscalationPrincipal[] = [];
  for (const r of data.roles) {
    const { role } = r;
    const partition = splitArn(role.arn)?.partition ?? data.partition;
    const identity = r.identityPolicies.flatMap((p) => compileOrSkip(p.document, p.name, 'identity') ?? []);
    const boundary = r.boundary && compileOrSkip(r.boundary.document, r.boundary.name, 'boundary');
    const trust = compileOrSkip(role.assumeRolePolicyDocument, `${role.roleName}/trust`, 'trust');
    const session: RequestPrincipal = {
      type: 'AssumedRole',
      arn: `arn:${partition}:sts::${role.accountId}:assumed-role/${role.roleName}/${GRAPH_SESSION}`,
      roleArn: role.arn,
      roleId: role.roleId,
      userId: `${role.roleId}:${GRAPH_SESSION}`,
      account: role.accountId,
    };
    out.push({
      kind: 'role',
      arn: role.arn,
      name: role.roleName,
      accountId: role.accountId,
      partition,
      identity,
      ...(boundary === undefined ? {} : { boundary }),
      ...(trust === undefined ? {} : { trust }),
      trustNamesIam: trust !== undefined && namesIam(role.assumeRolePolicyDocument),
      identityPolicies: r.identityPolicies,
      session,
      baseContext: contextOf(session, role.tags),
      workloads: r.workloads,
    });
  }
  for (const u of users) {
    const partition = splitArn(u.arn)?.partition ?? data.partition;
    const identity = u.identityPolicies.flatMap((p) => compileOrSkip(p.document, p.name, 'identity') ?? []);
    const boundary = u.boundary && compileOrSkip(u.boundary.document, u.boundary.name, 'boundary');
    const session: RequestPrincipal = {
      type: 'User',
      arn: u.arn,
      account: u.accountId,
      userName: u.userName,
      ...(u.userId === undefined ? {} : { userId: u.userId }),
    };
    out.push({
      kind: 'user',
      arn: u.arn,
      name: u.userName,
      accountId: u.accountId,
      partition,
      identity,
      ...(boundary === undefined ? {} : { boundary }),
      trustNamesIam: false,
      identityPolicies: u.identityPolicies,
      session,
      baseContext: contextOf(session, u.tags ?? []),
      workloads: [],
    });
  }
  return out;
}
