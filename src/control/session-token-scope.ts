/**
 * What credentials from `GetSessionToken` may call. AWS STS API Reference, "GetSessionToken":
 * the temporary credentials "cannot call any IAM API operations unless MFA authentication
 * information is included in the request" and "cannot call any STS API except AssumeRole or
 * GetCallerIdentity". A session obtained with an MFA code (`SerialNumber`/`TokenCode`) may
 * call IAM; the STS limit holds for both. This limits API calls, not permissions: `iam:PassRole`, which
 * is checked inside other operations and is no IAM API operation, is left to the policies.
 */
import type { AuthenticatedCaller } from './authenticate.js';
import { AccessDeniedError } from './errors.js';

/** The STS operations a session from GetSessionToken without MFA may call. */
const STS_ALLOWED = new Set(['AssumeRole', 'GetCallerIdentity']);

/**
 * Throw `AccessDenied` when `auth` holds GetSessionToken credentials without MFA and the request
 * is an operation of `service` they may not call.
 *
 * @example
 * requireSessionTokenScope(auth, 'iam', 'CreateRole'); // throws for a GetSessionToken session
 */
export function requireSessionTokenScope(auth: AuthenticatedCaller, service: string, action: string): void {
  if (auth.caller.session?.sessionType !== 'user') return;
  const withMfa = auth.caller.session.mfaAuthenticatedAt !== undefined;
  const refused = (service === 'iam' && !withMfa) || (service === 'sts' && !STS_ALLOWED.has(action));
  if (!refused) return;
  throw new AccessDeniedError(
    `User: ${auth.caller.arn} is not authorized to perform: ${service}:${action.slice(0, 128)} ` +
      'with credentials from GetSessionToken that include no MFA authentication',
  );
}
