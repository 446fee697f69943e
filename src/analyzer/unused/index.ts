/**
 * Unused access, as IAM Access Analyzer's unused-access analyzer finds it, over a tracking period:
 * unused roles, unused services and actions of used roles, unused access keys and users; plus the
 * per-role Access Advisor report (`serviceLastAccessed`).
 */
import type { Finding } from '../findings.js';
import type { AnalysisData } from '../data.js';
import { unusedAccessKeyFindings } from './unused-access-keys.js';
import { unusedPermissionFindings } from './unused-permissions.js';
import { unusedRoleFindings } from './unused-roles.js';
import { unusedUserFindings } from './unused-users.js';

export { UNUSED_CODES } from './finding.js';
export { DEFAULT_PERIOD, describePeriod, parsePeriod } from './period.js';
export { serviceLastAccessed } from './last-accessed.js';
export type { ServiceLastAccessed, ActionLastAccessed } from './last-accessed.js';
export { grantedActions } from './granted-actions.js';

/**
 * Every unused-access finding of the account.
 *
 * @example
 * const findings = await unusedFindings(await loadAnalysisData(store, { accountId, periodMs }));
 */
export async function unusedFindings(data: AnalysisData): Promise<Finding[]> {
  return [
    ...unusedRoleFindings(data),
    ...(await unusedPermissionFindings(data)),
    ...unusedAccessKeyFindings(data),
    ...unusedUserFindings(data),
  ];
}
