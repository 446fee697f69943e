import type { XmlNode } from '../protocol/xml.js';
import type { StsContext } from './context.js';

/**
 * `GetCallerIdentity` needs no permission: AWS answers it even when a policy denies
 * `sts:GetCallerIdentity` (and for revoked sessions), so credplane does too.
 */
export function getCallerIdentity(ctx: StsContext): XmlNode {
  const { caller } = ctx.auth;
  return { Arn: caller.arn, UserId: caller.userId, Account: caller.accountId };
}
