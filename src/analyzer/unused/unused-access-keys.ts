/**
 * Unused admin access keys: an `Active` long-term key (`AKIA...`) no event of the tracking period
 * was signed with (the access log's `userIdentity.accessKeyId`). Keys created within the period
 * are not judged yet; inactive keys are already disabled.
 */
import type { Finding } from '../findings.js';
import type { AnalysisData } from '../data.js';
import { describePeriod } from './period.js';
import { isoOrNull, unusedFinding } from './finding.js';

/**
 * @example
 * unusedAccessKeyFindings(data).map((f) => f.subject.name); // ['AKIA...']
 */
export function unusedAccessKeyFindings(data: AnalysisData): Finding[] {
  const period = describePeriod(data.now.getTime() - data.periodStart.getTime());
  return data.accessKeys
    .filter(
      ({ key, usedInPeriod }) =>
        key.status === 'Active' && key.createDate <= data.periodStart && !usedInPeriod,
    )
    .map(({ key, lastUsed }) =>
      unusedFinding(
        'UNUSED_ACCESS_KEY',
        { kind: 'access-key', name: key.accessKeyId },
        `Access key ${key.accessKeyId} of ${key.userName} was not used in the last ${period} (${lastUsed === undefined ? 'no use in the log' : `last used ${lastUsed.toISOString()}`}): deactivate or delete it.`,
        { userName: key.userName, lastUsed: isoOrNull(lastUsed), createDate: key.createDate.toISOString() },
      ),
    );
}
