/** The unused-access findings' codes, titles and severities, as Access Analyzer's finding types. */
import type { Finding, Severity } from '../findings.js';
import type { JsonValue } from '../../iam/types.js';

export const UNUSED_CODES = {
  UNUSED_ROLE: ['WARNING', 'Role unused in the tracking period'],
  UNUSED_SERVICE_PERMISSIONS: ['WARNING', 'Role grants services it did not use'],
  UNUSED_ACTION_PERMISSIONS: ['SUGGESTION', 'Role grants actions it did not use'],
  UNUSED_ACCESS_KEY: ['WARNING', 'Admin access key unused in the tracking period'],
  UNUSED_USER: ['WARNING', 'IAM user unused in the tracking period'],
} as const satisfies Record<string, readonly [Severity, string]>;

export type UnusedCode = keyof typeof UNUSED_CODES;

export function unusedFinding(
  code: UnusedCode,
  subject: Finding['subject'],
  message: string,
  details: { [key: string]: JsonValue },
): Finding {
  const [severity, title] = UNUSED_CODES[code];
  return { code, severity, category: 'unused', title, message, subject, details };
}

/** A date for `details`: ISO-8601 text, or null. */
export function isoOrNull(date: Date | undefined): string | null {
  return date === undefined ? null : date.toISOString();
}

/** At most `n` items of a list for a one-line message. */
export function listForMessage(items: readonly string[], n = 8): string {
  return items.length <= n
    ? items.join(', ')
    : `${items.slice(0, n).join(', ')} and ${items.length - n} more`;
}
