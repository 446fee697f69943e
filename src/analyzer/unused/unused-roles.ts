/**
 * Unused roles: no credential issued for the role and no access made with it in the tracking
 * period (no access-log event names it, no last-accessed aggregate was touched in it).
 *
 * As Access Analyzer does, only roles that existed for the whole period are judged: a role created
 * within the period is skipped (it may simply not have started yet).
 */
import type { Finding } from '../findings.js';
import type { AnalysisData, RoleData } from '../data.js';
import { describePeriod } from './period.js';
import { isoOrNull, unusedFinding } from './finding.js';

/** True when the log shows the role issued or used in the period. */
export function roleUsedInPeriod(role: RoleData, periodStart: Date): boolean {
  return role.activity.eventCount > 0 || role.lastAccessed.some((a) => a.lastAccessed >= periodStart);
}

/** The newest use of the role the store knows of (events in the period, aggregates over all time). */
export function roleLastUsed(role: RoleData): Date | undefined {
  let last = role.activity.lastEvent;
  for (const a of role.lastAccessed) if (last === undefined || last < a.lastAccessed) last = a.lastAccessed;
  return last;
}

/**
 * @example
 * unusedRoleFindings(data).map((f) => f.subject.name); // ['forgotten-role']
 */
export function unusedRoleFindings(data: AnalysisData): Finding[] {
  const period = describePeriod(data.now.getTime() - data.periodStart.getTime());
  const out: Finding[] = [];
  for (const roleData of data.roles) {
    const { role } = roleData;
    if (role.createDate > data.periodStart) continue;
    if (roleUsedInPeriod(roleData, data.periodStart)) continue;
    const last = roleLastUsed(roleData);
    out.push(
      unusedFinding(
        'UNUSED_ROLE',
        { kind: 'role', name: role.roleName, arn: role.arn },
        `Role ${role.roleName} was not used in the last ${period} (${last === undefined ? 'never used' : `last used ${last.toISOString()}`}): delete it, or its workloads' credentials remain a standing risk.`,
        {
          lastAccessed: isoOrNull(last),
          trackingPeriod: period,
          workloads: roleData.workloads.map((w) => `${w.kind}/${w.name}`),
        },
      ),
    );
  }
  return out;
}
