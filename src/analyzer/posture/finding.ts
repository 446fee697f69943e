/** The posture findings' codes, titles and severities in one table, so each code keeps one title. */
import type { Finding, FindingLocation, Severity } from '../findings.js';
import type { JsonValue } from '../../iam/types.js';

export const POSTURE_CODES = {
  ROLE_SHARED_BY_WORKLOADS: ['WARNING', 'Role used by more than one workload'],
  ROLE_SHARED_BY_UNRELATED_WORKLOADS: ['SECURITY_WARNING', 'Role used by workloads of different kinds'],
  IMDSV1_ALLOWED: ['SECURITY_WARNING', 'Instance allows IMDSv1 (HttpTokens=optional)'],
  ACCOUNT_DEFAULT_ALLOWS_IMDSV1: ['WARNING', 'Account default for new instances allows IMDSv1'],
  HOP_LIMIT_ABOVE_ONE: ['WARNING', 'IMDS hop limit above 1 on an instance without containers'],
  WEB_IDENTITY_TRUST_WITHOUT_SUB: ['SECURITY_WARNING', 'Web identity trust without a sub condition'],
  WEB_IDENTITY_TRUST_WITHOUT_AUD: ['WARNING', 'Web identity trust without an aud condition'],
  TRUST_OPEN_TO_ANYONE: ['SECURITY_WARNING', 'Trust policy lets any AWS account assume the role'],
  TRUST_OPEN_TO_OTHER_ACCOUNTS: [
    'WARNING',
    'Trust policy lets other accounts assume the role unconditionally',
  ],
  ROLE_ALLOWS_FULL_ADMIN: ['SECURITY_WARNING', 'Role allows every action on every resource'],
  PASS_ROLE_ON_STAR: ['SECURITY_WARNING', 'Role may pass any role (iam:PassRole on *)'],
  LONG_MAX_SESSION_DURATION: ['WARNING', 'Role sessions may last longer than 4 hours'],
} as const satisfies Record<string, readonly [Severity, string]>;

export type PostureCode = keyof typeof POSTURE_CODES;

/** Builds a posture finding with its code's severity and title. */
export function postureFinding(
  code: PostureCode,
  subject: Finding['subject'],
  message: string,
  details?: { [key: string]: JsonValue },
  location?: FindingLocation,
): Finding {
  const [severity, title] = POSTURE_CODES[code];
  return {
    code,
    severity,
    category: 'posture',
    title,
    message,
    subject,
    ...(location === undefined ? {} : { location }),
    ...(details === undefined ? {} : { details }),
  };
}
