/**
 * Role policy snapshots.
 */
import { randomUUID } from 'node:crypto';
import { type Selectable } from 'kysely';
import { NoSuchEntityError } from '../../iam/errors.js';
import type { AccountId, JsonValue } from '../../iam/types.js';
import { toJson } from '../rows.js';
import type { RolePolicySnapshotsTable } from '../schema.js';
import type { RolePolicySnapshot } from '../store.js';
import { SqlContext } from './context.js';

export class SnapshotsSql extends SqlContext {
  async saveRolePolicySnapshot(
    accountId: AccountId,
    roleName: string,
    reason: string,
    snapshot: JsonValue,
  ): Promise<RolePolicySnapshot> {
    return this.write(async (db) => {
      const role = await this.lockRole(db, accountId, roleName);
      const row = {
        snapshot_id: randomUUID(),
        account_id: accountId,
        role_key: role.name_key,
        role_name: role.role_name,
        reason,
        snapshot: toJson(snapshot),
        created_at: this.now(),
      };
      await db.insertInto('role_policy_snapshots').values(row).execute();
      return toSnapshot(row);
    });
  }

  async listRolePolicySnapshots(accountId: AccountId, roleName: string): Promise<RolePolicySnapshot[]> {
    const rows = await this.db
      .selectFrom('role_policy_snapshots')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('role_key', '=', roleName.toLowerCase())
      .orderBy('created_at', 'desc')
      .orderBy('snapshot_id', 'desc')
      .execute();
    return rows.map(toSnapshot);
  }

  async deleteRolePolicySnapshot(snapshotId: string): Promise<void> {
    await this.write(async (db) => {
      const result = await db
        .deleteFrom('role_policy_snapshots')
        .where('snapshot_id', '=', snapshotId)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) {
        throw new NoSuchEntityError(`Policy snapshot ${snapshotId} cannot be found.`);
      }
    });
  }
}

function toSnapshot(row: Selectable<RolePolicySnapshotsTable>): RolePolicySnapshot {
  return {
    snapshotId: row.snapshot_id,
    accountId: row.account_id,
    roleName: row.role_name,
    reason: row.reason,
    snapshot: JSON.parse(row.snapshot) as JsonValue,
    createdAt: new Date(row.created_at),
  };
}
