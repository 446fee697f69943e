/**
 * Unused permissions at service and action level: the actions a role's policies grant
 * (`granted-actions.ts`) minus those the last-accessed aggregates show it used, with an allowed
 * access, in the tracking period.
 *
 * - `UNUSED_SERVICE_PERMISSIONS`: services granted of which no action was used;
 * - `UNUSED_ACTION_PERMISSIONS`: for services that were used, the actions that were not.
 *
 * Roles without any use (reported as `UNUSED_ROLE`, or too young to judge and not started yet) get
 * neither. A role younger than the period that has been used is judged over its life so far, so a
 * workload run for a few minutes shows what it did not need; `details.trackedSince` says from when.
 */
import type { Finding } from '../findings.js';
import type { AnalysisData, RoleData } from '../data.js';
import { grantedActions, serviceOf } from './granted-actions.js';
import { isoOrNull, listForMessage, unusedFinding } from './finding.js';
import { lastUseByAction } from './last-accessed.js';
import { roleUsedInPeriod } from './unused-roles.js';

/** What a role's use leaves unused. */
export interface UnusedPermissions {
  unusedServices: { service: string; grantedActions: number; lastAccessed: Date | undefined }[];
  unusedActions: { action: string; lastAccessed: Date | undefined }[];
  trackedSince: Date;
}

/**
 * Computes the role's unused services and actions over `[periodStart, now]`.
 *
 * @example
 * const { unusedActions } = await unusedPermissionsOf(roleData, periodStart);
 */
export async function unusedPermissionsOf(role: RoleData, periodStart: Date): Promise<UnusedPermissions> {
  const granted = await grantedActions(role.identityPolicies, role.boundary);
  const lastUse = lastUseByAction(role.lastAccessed, role.role.arn);
  const usedInPeriod = new Set(
    [...lastUse.entries()].filter(([, a]) => a.lastAccessed >= periodStart).map(([action]) => action),
  );
  const usedServices = new Set([...usedInPeriod].map(serviceOf));
  const byService = new Map<string, string[]>();
  for (const action of granted) {
    const service = serviceOf(action);
    byService.set(service, [...(byService.get(service) ?? []), action]);
  }
  const unusedServices: UnusedPermissions['unusedServices'] = [];
  const unusedActions: UnusedPermissions['unusedActions'] = [];
  for (const [service, actions] of byService) {
    if (!usedServices.has(service)) {
      let last: Date | undefined;
      for (const a of actions) {
        const t = lastUse.get(a.toLowerCase())?.lastAccessed;
        if (t !== undefined && (last === undefined || last < t)) last = t;
      }
      unusedServices.push({ service, grantedActions: actions.length, lastAccessed: last });
      continue;
    }
    for (const action of actions) {
      if (usedInPeriod.has(action.toLowerCase())) continue;
      unusedActions.push({ action, lastAccessed: lastUse.get(action.toLowerCase())?.lastAccessed });
    }
  }
  const created = role.role.createDate;
  return { unusedServices, unusedActions, trackedSince: created > periodStart ? created : periodStart };
}

/**
 * @example
 * (await unusedPermissionFindings(data)).map((f) => f.details?.unusedActions);
 */
export async function unusedPermissionFindings(data: AnalysisData): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const roleData of data.roles) {
    const { role } = roleData;
    if (!roleUsedInPeriod(roleData, data.periodStart)) continue;
    const unused = await unusedPermissionsOf(roleData, data.periodStart);
    const subject = { kind: 'role' as const, name: role.roleName, arn: role.arn };
    const since = unused.trackedSince.toISOString();
    if (unused.unusedServices.length > 0) {
      const names = unused.unusedServices.map((s) => s.service);
      out.push(
        unusedFinding(
          'UNUSED_SERVICE_PERMISSIONS',
          subject,
          `Role ${role.roleName} did not use ${names.length} granted service${names.length === 1 ? '' : 's'} since ${since}: ${listForMessage(names)}.`,
          {
            trackedSince: since,
            unusedServices: names,
            services: unused.unusedServices.map((s) => ({
              service: s.service,
              grantedActions: s.grantedActions,
              lastAccessed: isoOrNull(s.lastAccessed),
            })),
          },
        ),
      );
    }
    if (unused.unusedActions.length > 0) {
      const names = unused.unusedActions.map((a) => a.action);
      const lastAccessed: { [action: string]: string } = {};
      for (const a of unused.unusedActions)
        if (a.lastAccessed !== undefined) lastAccessed[a.action] = a.lastAccessed.toISOString();
      out.push(
        unusedFinding(
          'UNUSED_ACTION_PERMISSIONS',
          subject,
          `Role ${role.roleName} did not use ${names.length} granted action${names.length === 1 ? '' : 's'} of services it uses since ${since}: ${listForMessage(names)}.`,
          { trackedSince: since, unusedActions: names, lastAccessed },
        ),
      );
    }
  }
  return out;
}
