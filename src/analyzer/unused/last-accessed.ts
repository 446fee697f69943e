/**
 * IAM's "Access Advisor" for one role: for every service its policies grant, when the role last
 * used it and, per action, when it last used that action (`GetServiceLastAccessedDetails` with
 * `Granularity=ACTION_LEVEL`), from the access log's last-accessed aggregates. An access counts
 * when it was allowed; denied attempts are not use of a permission.
 */
import { loadService } from '../../catalog/iam-actions.js';
import type { LastAccessed } from '../../store/store.js';
import type { RoleData } from '../data.js';
import { grantedActions, serviceOf } from './granted-actions.js';

export interface ActionLastAccessed {
  actionName: string;
  lastAccessedTime: Date;
  lastAccessedEntity: string;
  /** The most recent resource the action was used on. */
  lastAccessedResource: string;
}

export interface ServiceLastAccessed {
  serviceNamespace: string;
  serviceName: string;
  /** Absent when the role never used the service (while the log holds). */
  lastAuthenticated?: Date;
  lastAuthenticatedEntity?: string;
  totalAuthenticatedEntities: number;
  trackedActionsLastAccessed: ActionLastAccessed[];
}

/**
 * The trust-side checks of the role's own credential issuance (`sts:AssumeRole*`,
 * `sts:TagSession`, `sts:SetSourceIdentity` on the role itself): the log records them for the
 * role whose credentials were issued, but they are its trust policy at work, not use of its
 * identity permissions.
 */
function isOwnIssuance(a: LastAccessed, roleArn: string | undefined): boolean {
  return (
    roleArn !== undefined &&
    a.resource === roleArn &&
    /^sts:(assumerole\w*|tagsession|setsourceidentity)$/i.test(a.action)
  );
}

/**
 * The newest allowed access per lower-cased action. Pass the role's ARN to leave out its own
 * issuance checks (see `isOwnIssuance`).
 */
export function lastUseByAction(
  aggregates: readonly LastAccessed[],
  roleArn?: string,
): Map<string, LastAccessed> {
  const out = new Map<string, LastAccessed>();
  for (const a of aggregates) {
    if (a.allowedCount <= 0 || isOwnIssuance(a, roleArn)) continue;
    const key = a.action.toLowerCase();
    const seen = out.get(key);
    if (seen === undefined || seen.lastAccessed < a.lastAccessed) out.set(key, a);
  }
  return out;
}

/**
 * The role's Access Advisor report, services in namespace order.
 *
 * @example
 * (await serviceLastAccessed(roleData)).map((s) => [s.serviceNamespace, s.lastAuthenticated]);
 */
export async function serviceLastAccessed(data: RoleData): Promise<ServiceLastAccessed[]> {
  const granted = await grantedActions(data.identityPolicies, data.boundary);
  const byAction = lastUseByAction(data.lastAccessed, data.role.arn);
  const services = new Map<string, ServiceLastAccessed>();
  for (const action of granted) {
    const namespace = serviceOf(action);
    let entry = services.get(namespace);
    if (entry === undefined) {
      entry = {
        serviceNamespace: namespace,
        serviceName: (await loadService(namespace))?.name ?? namespace,
        totalAuthenticatedEntities: 0,
        trackedActionsLastAccessed: [],
      };
      services.set(namespace, entry);
    }
    const use = byAction.get(action.toLowerCase());
    if (use === undefined) continue;
    entry.trackedActionsLastAccessed.push({
      actionName: action.slice(action.indexOf(':') + 1),
      lastAccessedTime: use.lastAccessed,
      lastAccessedEntity: data.role.arn,
      lastAccessedResource: use.resource,
    });
    if (entry.lastAuthenticated === undefined || entry.lastAuthenticated < use.lastAccessed) {
      entry.lastAuthenticated = use.lastAccessed;
      entry.lastAuthenticatedEntity = data.role.arn;
      entry.totalAuthenticatedEntities = 1;
    }
  }
  return [...services.values()].sort((a, b) => a.serviceNamespace.localeCompare(b.serviceNamespace));
}
