/**
 * Which principals can do everything, decided by the engine with the probe the posture check uses
 * (src/analyzer/posture/admin-access.ts): an action of a service that does not exist, on a
 * resource of it, is allowed (only `*`, `*:*` or a `NotAction` of everything else grants that),
 * and so is `iam:AttachRolePolicy` on a role (which excludes "all but IAM" grants).
 */
import { principalDecision } from './decide.js';
import type { EscalationPrincipal } from './principals.js';

const PROBE_SERVICE = 'credplaneprobe';

/**
 * @example
 * isAdministrator(principal); // true for a role with AdministratorAccess attached
 */
export function isAdministrator(p: EscalationPrincipal): boolean {
  return (
    principalDecision(
      p,
      `${PROBE_SERVICE}:ProbeAction`,
      `arn:${p.partition}:${PROBE_SERVICE}:us-east-1:${p.accountId}:probe/credplane-escalation`,
    ).decision === 'Allow' &&
    principalDecision(
      p,
      'iam:AttachRolePolicy',
      `arn:${p.partition}:iam::${p.accountId}:role/credplane-escalation-probe`,
    ).decision === 'Allow'
  );
}
