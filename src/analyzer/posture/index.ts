/**
 * Posture checks over one account's configuration and what the access log shows: one role per
 * workload, IMDSv2 enforcement, open or loose trust policies, administrator roles and long
 * sessions. Each is a pure function of `AnalysisData` (see `../load.ts`).
 */
import type { Finding } from '../findings.js';
import type { AnalysisData } from '../data.js';
import { adminAccessFindings } from './admin-access.js';
import { imdsFindings } from './imds.js';
import { openTrustFindings } from './open-trust.js';
import { sessionDurationFindings } from './session-duration.js';
import { roleSharingFindings } from './shared-roles.js';
import { webIdentityTrustFindings } from './web-identity-trust.js';

export { POSTURE_CODES } from './finding.js';
export type { PostureCode } from './finding.js';

/**
 * Every posture finding of the account.
 *
 * @example
 * const findings = postureFindings(await loadAnalysisData(store, { accountId, periodMs }));
 */
export function postureFindings(data: AnalysisData): Finding[] {
  return [
    ...imdsFindings(data),
    ...roleSharingFindings(data),
    ...webIdentityTrustFindings(data),
    ...openTrustFindings(data),
    ...adminAccessFindings(data),
    ...sessionDurationFindings(data),
  ];
}
