/**
 * Role session revocation: sessions issued before a recorded time are refused.
 */
import type { AccountId, RoleRevocation } from '../../iam/types.js';
import { SqlContext } from './context.js';

export class SessionRevocationSql extends SqlContext {
  async revokeRoleSessions(
    accountId: AccountId,
    roleName: string,
    issuedBefore: Date,
  ): Promise<RoleRevocation> {
    return this.write(async (db, emit) => {
      const role = await this.lockRole(db, accountId, roleName);
      const existing = await db
        .selectFrom('role_revocations')
        .selectAll()
        .where('role_id', '=', role.role_id)
        .executeTakeFirst();
      const wanted = issuedBefore.toISOString();
      if (existing !== undefined && existing.revoked_before >= wanted) {
        return { roleId: role.role_id, revokedBefore: new Date(existing.revoked_before) };
      }
      if (existing === undefined) {
        await db
          .insertInto('role_revocations')
          .values({ role_id: role.role_id, revoked_before: wanted })
          .execute();
      } else {
        await db
          .updateTable('role_revocations')
          .set({ revoked_before: wanted })
          .where('role_id', '=', role.role_id)
          .execute();
      }
      emit({
        entity: 'role-revocation',
        op: existing === undefined ? 'create' : 'update',
        accountId,
        key: role.role_name,
      });
      return { roleId: role.role_id, revokedBefore: new Date(wanted) };
    });
  }

  async getRoleRevocation(roleId: string): Promise<RoleRevocation | undefined> {
    const row = await this.db
      .selectFrom('role_revocations')
      .selectAll()
      .where('role_id', '=', roleId)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : { roleId: row.role_id, revokedBefore: new Date(row.revoked_before) };
  }
}
