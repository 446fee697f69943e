/**
 * Who is calling: the identity a verified SigV4 signature resolves to. Every API (STS, IAM, the
 * gateway) receives the same `Caller`, and the authorizer builds the policy request context from it.
 */
import type { SessionClaims } from '../crypto/index.js';

export type CallerKind = 'User' | 'AssumedRole';

export interface Caller {
  kind: CallerKind;
  accountId: string;
  /** What `GetCallerIdentity` reports as `Arn` (the session ARN for role sessions). */
  arn: string;
  /** What `GetCallerIdentity` reports as `UserId` (`AIDA…` for users, `AROA…:session` for sessions). */
  userId: string;
  /** `aws:PrincipalArn`: the role ARN for role sessions (not the session ARN), the user ARN for users. */
  principalArn: string;
  /** The access key id the request was signed with. */
  accessKeyId: string;
  /** For users: the friendly name (`aws:username`). */
  userName?: string;
  /** For role sessions: the sealed claims the session token carried. */
  session?: SessionClaims;
}
