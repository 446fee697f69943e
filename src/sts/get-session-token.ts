/**
 * `GetSessionToken` for a long-term access key: a session that acts as the key's user. Session
 * credentials cannot call it (STS answers AccessDenied), and no permission is needed otherwise.
 */
import { issueTemporaryCredentials } from '../crypto/index.js';
import { AccessDeniedError } from '../control/errors.js';
import type { QueryParams } from '../protocol/query.js';
import type { XmlNode } from '../protocol/xml.js';
import type { StsContext } from './context.js';
import { credentialsXml } from './credentials-xml.js';
import { durationSeconds } from './parameters.js';

export function getSessionToken(ctx: StsContext, params: QueryParams): XmlNode {
  const { caller } = ctx.auth;
  if (caller.session !== undefined || caller.userName === undefined) {
    throw new AccessDeniedError('Cannot call GetSessionToken with session credentials');
  }
  const duration = durationSeconds(params, 43_200, 900, 129_600);
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
    },
    ctx.keyRing(),
    now,
  );
  return { Credentials: credentialsXml(credentials) };
}
