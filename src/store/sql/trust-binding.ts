/**
 * Keeps trust policies bound to the principals they named when stored: when a user or role stops
 * carrying an ARN (deleted, or a user renamed or moved), every role trust policy that names that
 * ARN, in any account of the store (a trust policy may name another account's principal), is
 * rewritten, in the same transaction, to name the principal's unique id instead,
 * as IAM does (IAM User Guide, "IAM identifiers" → "Unique identifiers"). A principal created later
 * with the same ARN is then not trusted, and GetRole shows the unique id.
 */
import type { AccountId } from '../../iam/types.js';
import { unbindPrincipal } from '../../iam/principal-binding.js';
import type { Db, Emit } from './context.js';

/**
 * Rewrites the trust policies that name `arn` (of `accountId`'s principal) to name `replacement`:
 * the unique id of a deleted principal, or the new ARN of a renamed user. Every account's roles
 * are searched: a cross-account trust is bound to the unique id as well (IAM User Guide, "IAM
 * identifiers" → "Unique identifiers"), else a new principal of that name in `accountId` would be
 * trusted by the other account's role.
 */
export async function unbindTrustPrincipal(
  db: Db,
  emit: Emit,
  _accountId: AccountId,
  arn: string,
  replacement: string,
): Promise<void> {
  const rows = await db
    .selectFrom('roles')
    .select(['role_id', 'role_name', 'account_id', 'trust_policy'])
    .execute();
  for (const row of rows) {
    const next = unbindPrincipal(row.trust_policy, arn, replacement);
    if (next === undefined) continue;
    await db.updateTable('roles').set({ trust_policy: next }).where('role_id', '=', row.role_id).execute();
    emit({ entity: 'role', op: 'update', accountId: row.account_id, key: row.role_name });
  }
}
