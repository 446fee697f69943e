/**
 * `GetSessionToken` for a long-term access key: a session that acts as the key's user. Session
 * credentials cannot call it (STS answers AccessDenied), and no permission is needed otherwise.
 * With `SerialNumber`/`TokenCode` the code of one of the user's virtual MFA devices is checked
 * first and the session is MFA-authenticated (`aws:MultiFactorAuthPresent`, `…Age`).
 */
import { issueTemporaryCredentials } from '../crypto/index.js';
import { AccessDeniedError } from '../control/errors.js';
import type { QueryParams } from '../protocol/query.js';
import type { XmlNode } from '../protocol/xml.js';
import type { StsContext } from './context.js';
import { credentialsXml } from './credentials-xml.js';
import { mfaParameters, verifyMfa } from './mfa.js';
import { durationSeconds } from './parameters.js';

export async function getSessionToken(ctx: StsContext, params: QueryParams): Promise<XmlNode> {
  const { caller } = ctx.auth;
  if (caller.session !== undefined || caller.userName === undefined) {
    throw new AccessDeniedError('Cannot call GetSessionToken with session credentials');
  }
  const duration = durationSeconds(params, 43_200, 900, 129_600);
  const mfa = mfaParameters(params);
  const mfaAuthenticatedAt = mfa === undefined ? undefined : await verifyMfa(ctx, mfa);
  const now = ctx.now();
  const issuedAt = Math.floor(now.getTime() / 1000);
  const credentials = issueTemporaryCredentials(
    {
      sessionType: 'user',
      accountId: caller.accountId,
      roleArn: caller.arn,
      roleId: caller.userId,
      roleName: caller.userName,
      roleSessionName: caller.userName,
      issuedAt,
      expiresAt: issuedAt + duration,
      sourcePrincipalArn: caller.arn,
      ...(mfaAuthenticatedAt === undefined ? {} : { mfaAuthenticatedAt }),
    },
    ctx.keyRing(),
    now,
  );
  return { Credentials: credentialsXml(credentials) };
}
