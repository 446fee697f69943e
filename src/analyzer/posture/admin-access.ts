/**
 * Roles that can do anything, and roles that can hand any role to a service.
 *
 * Both are answered by evaluating the role's identity policies and permissions boundary for its
 * own session (no request keys beyond the principal's):
 * - `ROLE_ALLOWS_FULL_ADMIN`: an action of a service that does not exist on a resource of it is
 *   allowed (only `*`, `*:*` or a `NotAction` of everything else grants that) and so is
 *   `iam:AttachRolePolicy` on a role (which excludes `PowerUserAccess`-style "all but IAM").
 *   `AdministratorAccess` is caught because it is evaluated, not because of its name.
 * - `PASS_ROLE_ON_STAR`: `iam:PassRole` on a role name nobody has is allowed, so any role of the
 *   account can be passed. A grant limited by an `iam:PassedToService` condition is not flagged
 *   (the condition key is absent in the probe). Not reported for full administrators (implied).
 */
import type { Finding } from '../findings.js';
import type { AnalysisData, RoleData } from '../data.js';
import { postureFinding } from './finding.js';
import { compileRole, roleAllows } from './role-policies.js';
import type { CompiledRole } from './role-policies.js';
import { splitArn } from '../../iam/arn.js';

const PROBE_SERVICE = 'credplaneprobe';

function decidingPolicies(role: CompiledRole, action: string, resource: string): string[] {
  const d = roleAllows(role, action, resource);
  return [...new Set(d.explanation.deciding.map((s) => s.policyName ?? s.policyId))];
}

/** True when the role's session may do everything (see the module comment). */
export function isFullAdmin(role: CompiledRole, data: RoleData): boolean {
  const { accountId } = data.role;
  const partition = splitArn(data.role.arn)?.partition ?? 'aws';
  return (
    roleAllows(
      role,
      `${PROBE_SERVICE}:ProbeAction`,
      `arn:${partition}:${PROBE_SERVICE}:us-east-1:${accountId}:probe/credplane-analyze`,
    ).decision === 'Allow' &&
    roleAllows(
      role,
      'iam:AttachRolePolicy',
      `arn:${partition}:iam::${accountId}:role/credplane-analyze-probe`,
    ).decision === 'Allow'
  );
}

/**
 * @example
 * adminAccessFindings(data).map((f) => f.code); // ['ROLE_ALLOWS_FULL_ADMIN']
 */
export function adminAccessFindings(data: AnalysisData): Finding[] {
  const out: Finding[] = [];
  for (const roleData of data.roles) {
    const { role } = roleData;
    const compiled = compileRole(roleData);
    const subject = { kind: 'role' as const, name: role.roleName, arn: role.arn };
    if (isFullAdmin(compiled, roleData)) {
      const policies = decidingPolicies(compiled, 'iam:AttachRolePolicy', '*');
      out.push(
        postureFinding(
          'ROLE_ALLOWS_FULL_ADMIN',
          subject,
          `Role ${role.roleName} may perform every action on every resource (granted by ${policies.join(', ')}).`,
          { policies },
          policies.length === 1 ? { policy: policies[0] } : undefined,
        ),
      );
      continue;
    }
    const partition = splitArn(role.arn)?.partition ?? 'aws';
    const probeRole = `arn:${partition}:iam::${role.accountId}:role/credplane-analyze-probe-${role.roleId}`;
    if (roleAllows(compiled, 'iam:PassRole', probeRole).decision === 'Allow') {
      const policies = decidingPolicies(compiled, 'iam:PassRole', probeRole);
      out.push(
        postureFinding(
          'PASS_ROLE_ON_STAR',
          subject,
          `Role ${role.roleName} may pass any role of the account to a service (iam:PassRole granted by ${policies.join(', ')} without a resource or iam:PassedToService limit): a workload could launch compute with a more privileged role.`,
          { policies },
          policies.length === 1 ? { policy: policies[0] } : undefined,
        ),
      );
    }
  }
  return out;
}
