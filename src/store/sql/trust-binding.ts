/**
 * Keeps trust policies bound to the principals they named when stored: when a user or role stops
 * carrying an ARN (deleted, or a user renamed or moved), every role trust policy of the account that
 * names that ARN is rewritten, in the same transaction, to name the principal's unique id instead,
 * as IAM does (IAM User Guide, "IAM identifiers" → "Unique identifiers"). A principal created later
 * with the same ARN is then not trusted, and GetRole shows the unique id.
 */
import type { AccountId } from '../../iam/types.js';
import { unbindPrincipal } from '../../iam/principal-binding.js';
import type { Db, Emit } from './context.js';

/**
 * Rewrites the trust policies of `accountId` that name `arn` to name `replacement`: the unique id
 * of a deleted principal, or the new ARN of a renamed user.
 */
export async function unbindTrustPrincipal(
  db: Db,
  emit: Emit,
  accountId: AccountId,
  arn: string,
  replacement: string,
): Promise<void> {
  const rows = await db
    .selectFrom('roles')
    .select(['role_id', 'role_name', 'trust_policy'])
    .where('account_id', '=', accountId)
    .execute();
  for (const row of rows) {
    const next = unbindPrincipal(row.trust_policy, arn, replacement);
    if (next === undefined) continue;
    await db.updateTable('roles').set({ trust_policy: next }).where('role_id', '=', row.role_id).execute();
    emit({ entity: 'role', op: 'update', accountId, key: row.role_name });
  }
}
