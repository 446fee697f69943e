/**
 * A role's policies compiled for the policy engine, and the principals the posture checks
 * evaluate them for. Posture questions ("is this role an administrator?", "can any account
 * assume it?") are answered by evaluating the real policies, never by matching their text.
 */
import {
  compilePolicy,
  createRequestContext,
  evaluate,
  parsePolicy,
  principalContextKeys,
} from '../../policy/index.js';
import type { CompiledPolicy, Decision, RequestPrincipal } from '../../policy/index.js';
import type { RoleData } from '../data.js';
import { splitArn } from '../../iam/arn.js';

/** The session name the probes run as. */
export const PROBE_SESSION = 'credplane-analyze';

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

export interface CompiledRole {
  identity: CompiledPolicy[];
  boundary?: CompiledPolicy;
  trust?: CompiledPolicy;
  /** The role's own session, as its workloads act. */
  session: RequestPrincipal;
}

/**
 * Compiles a role's identity policies, boundary and trust policy once.
 *
 * @example
 * const compiled = compileRole(roleData);
 * roleAllows(compiled, 'iam:PassRole', 'arn:aws:iam::123456789012:role/x').decision;
 */
export function compileRole(data: RoleData): CompiledRole {
  const { role } = data;
  const identity = data.identityPolicies.flatMap((p) => compileOrSkip(p.document, p.name, 'identity') ?? []);
  const boundary = data.boundary && compileOrSkip(data.boundary.document, data.boundary.name, 'boundary');
  const trust = compileOrSkip(role.assumeRolePolicyDocument, 'trust', 'trust');
  const partition = splitArn(role.arn)?.partition ?? 'aws';
  return {
    identity,
    ...(boundary === undefined ? {} : { boundary }),
    ...(trust === undefined ? {} : { trust }),
    session: {
      type: 'AssumedRole',
      arn: `arn:${partition}:sts::${role.accountId}:assumed-role/${role.roleName}/${PROBE_SESSION}`,
      roleArn: role.arn,
      roleId: role.roleId,
      userId: `${role.roleId}:${PROBE_SESSION}`,
      account: role.accountId,
    },
  };
}

/** What the role's session may do: identity policies and the boundary, no request keys beyond the principal's. */
export function roleAllows(role: CompiledRole, action: string, resource: string): Decision {
  return evaluate(
    {
      principal: role.session,
      action,
      resource,
      context: createRequestContext(principalContextKeys(role.session)),
    },
    { identity: role.identity, ...(role.boundary === undefined ? {} : { boundary: role.boundary }) },
  );
}
