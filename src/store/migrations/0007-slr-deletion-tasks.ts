/**
 * Service-linked role deletion tasks: what `DeleteServiceLinkedRole` returned and what
 * `GetServiceLinkedRoleDeletionStatus` answers for it (IAM API Reference). Keyed by account and
 * task id, so a task is found only in the account that made it.
 */
import type { Kysely, Migration } from 'kysely';

export const slrDeletionTasks: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('slr_deletion_tasks')
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('task_id', 'text', (c) => c.notNull())
      .addColumn('role_name', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      /** JSON `[{ region, resources }]`, empty unless the role was in use. */
      .addColumn('role_usage', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('slr_deletion_tasks_pk', ['account_id', 'task_id'])
      .execute();
  },
};
