/**
 * Long maximum session durations: a stolen session of a role whose `MaxSessionDuration` is above
 * 4 hours stays valid that long (revocation aside). IAM's default is 1 hour; 4 hours covers a
 * working session and the common CI jobs, so it is the threshold, as a WARNING.
 */
import type { Finding } from '../findings.js';
import type { AnalysisData } from '../data.js';
import { postureFinding } from './finding.js';

export const MAX_SESSION_THRESHOLD_SECONDS = 4 * 3600;

/**
 * @example
 * sessionDurationFindings(data); // a LONG_MAX_SESSION_DURATION finding per role above 4 h
 */
export function sessionDurationFindings(data: AnalysisData): Finding[] {
  return data.roles
    .filter(({ role }) => role.maxSessionDuration > MAX_SESSION_THRESHOLD_SECONDS)
    .map(({ role }) =>
      postureFinding(
        'LONG_MAX_SESSION_DURATION',
        { kind: 'role', name: role.roleName, arn: role.arn },
        `Role ${role.roleName} allows sessions of ${role.maxSessionDuration / 3600} hours (MaxSessionDuration=${role.maxSessionDuration}); at most 4 hours is recommended.`,
        { maxSessionDuration: role.maxSessionDuration, thresholdSeconds: MAX_SESSION_THRESHOLD_SECONDS },
      ),
    );
}
