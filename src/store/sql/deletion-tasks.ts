/**
 * Service-linked role deletion tasks: `DeleteServiceLinkedRole` records one per call and
 * `GetServiceLinkedRoleDeletionStatus` reads it back. Every read names the account, so a task id
 * is found only in the account that made it. Not part of the IAM model the caches read, so
 * recording one publishes no change and leaves the store generation as it was.
 */
import type { Selectable } from 'kysely';
import { EntityAlreadyExistsError } from '../../iam/errors.js';
import type { AccountId } from '../../iam/types.js';
import { toJson } from '../rows.js';
import type { SlrDeletionTasksTable } from '../schema.js';
import type { DeletionTask, DeletionTaskStatus, RecordDeletionTaskInput, RoleUsage } from '../store.js';
import { SqlContext, isUniqueViolation } from './context.js';

function toDeletionTask(row: Selectable<SlrDeletionTasksTable>): DeletionTask {
  return {
    accountId: row.account_id,
    deletionTaskId: row.task_id,
    roleName: row.role_name,
    status: row.status as DeletionTaskStatus,
    ...(row.reason === null ? {} : { reason: row.reason }),
    roleUsage: JSON.parse(row.role_usage) as RoleUsage[],
    createDate: new Date(row.created_at),
  };
}

/**
 * How many deletion tasks are kept per role: the newest. `DeleteServiceLinkedRole` records a task on
 * every call, a refused one too (the role in use), so without a bound a caller allowed only that
 * action could grow the store without end, each row carrying the role's whole usage list. IAM
 * documents no retention for tasks; a caller polls the one it was just given.
 */
export const DELETION_TASKS_KEPT_PER_ROLE = 10;

export class DeletionTasksSql extends SqlContext {
  async recordDeletionTask(accountId: AccountId, input: RecordDeletionTaskInput): Promise<DeletionTask> {
    return this.write(async (db) => {
      await this.requireAccount(db, accountId);
      const row = {
        account_id: accountId,
        task_id: input.deletionTaskId,
        role_name: input.roleName,
        status: input.status,
        reason: input.reason ?? null,
        role_usage: toJson(input.roleUsage ?? []),
        created_at: this.now(),
      };
      try {
        await db.insertInto('slr_deletion_tasks').values(row).execute();
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new EntityAlreadyExistsError(`Deletion task ${input.deletionTaskId} already exists.`);
        }
        throw error;
      }
      // Older tasks of the same role go, in the same write (the new one always stays).
      await db
        .deleteFrom('slr_deletion_tasks')
        .where('account_id', '=', accountId)
        .where('role_name', '=', input.roleName)
        .where('task_id', '<>', input.deletionTaskId)
        .where('task_id', 'not in', (eb) =>
          eb
            .selectFrom('slr_deletion_tasks')
            .select('task_id')
            .where('account_id', '=', accountId)
            .where('role_name', '=', input.roleName)
            .orderBy('created_at', 'desc')
            .orderBy('task_id', 'desc')
            .limit(DELETION_TASKS_KEPT_PER_ROLE),
        )
        .execute();
      return toDeletionTask(row);
    });
  }

  async findDeletionTask(accountId: AccountId, deletionTaskId: string): Promise<DeletionTask | undefined> {
    const row = await this.db
      .selectFrom('slr_deletion_tasks')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('task_id', '=', deletionTaskId)
      .executeTakeFirst();
    return row === undefined ? undefined : toDeletionTask(row);
  }
}
