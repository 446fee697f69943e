/**
 * Unused IAM users: a user older than the tracking period that signed nothing in it, with a key
 * or a session of it (the access log's `userIdentity.type` `IAMUser` with its ARN). Access
 * Analyzer reports the unused credentials of such a user; credplane users have keys only, so the
 * user itself is the finding: delete it, or its keys. Users created within the period are not
 * judged yet.
 */
import type { Finding } from '../findings.js';
import type { AnalysisData } from '../data.js';
import { describePeriod } from './period.js';
import { isoOrNull, unusedFinding } from './finding.js';

/**
 * @example
 * unusedUserFindings(data).map((f) => f.subject.name); // ['ci-old']
 */
export function unusedUserFindings(data: AnalysisData): Finding[] {
  const period = describePeriod(data.now.getTime() - data.periodStart.getTime());
  return (data.users ?? [])
    .filter(({ user, usedInPeriod }) => user.createDate <= data.periodStart && !usedInPeriod)
    .map(({ user, lastUsed }) =>
      unusedFinding(
        'UNUSED_USER',
        { kind: 'user', name: user.userName, arn: user.arn },
        `User ${user.userName} signed no request in the last ${period} (${lastUsed === undefined ? 'no use in the log' : `last used ${lastUsed.toISOString()}`}): delete it or its access keys.`,
        { lastUsed: isoOrNull(lastUsed), createDate: user.createDate.toISOString() },
      ),
    );
}
