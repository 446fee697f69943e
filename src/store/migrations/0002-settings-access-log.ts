/**
 * Account settings (EC2's instance metadata defaults), the access log with its last-accessed
 * aggregates, and role policy snapshots (what `policy tighten` keeps so `policy rollback` can
 * restore it).
 */
import type { Kysely, Migration } from 'kysely';

export const settingsAccessLog: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('account_settings')
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('account_settings_pk', ['account_id', 'name'])
      .execute();

    // No foreign key to roles: the log outlives the roles it names, as CloudTrail does.
    await db.schema
      .createTable('access_events')
      .addColumn('event_id', 'text', (c) => c.primaryKey())
      .addColumn('event_time', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('role_name', 'text')
      .addColumn('role_key', 'text')
      .addColumn('principal_arn', 'text')
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('event_source', 'text', (c) => c.notNull())
      .addColumn('event_name', 'text', (c) => c.notNull())
      .addColumn('decision', 'text', (c) => c.notNull())
      .addColumn('error_code', 'text')
      .addColumn('record', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('access_events_time')
      .on('access_events')
      .columns(['account_id', 'event_time', 'event_id'])
      .execute();
    await db.schema
      .createIndex('access_events_role_time')
      .on('access_events')
      .columns(['account_id', 'role_key', 'event_time'])
      .execute();

    await db.schema
      .createTable('last_accessed')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('role_name', 'text', (c) => c.notNull())
      .addColumn('role_key', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('resource', 'text', (c) => c.notNull())
      .addColumn('first_accessed', 'text', (c) => c.notNull())
      .addColumn('last_accessed', 'text', (c) => c.notNull())
      .addColumn('allowed_count', 'integer', (c) => c.notNull())
      .addColumn('denied_count', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('last_accessed_pk', ['account_id', 'role_key', 'action', 'resource'])
      .execute();

    await db.schema
      .createTable('role_policy_snapshots')
      .addColumn('snapshot_id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('role_key', 'text', (c) => c.notNull())
      .addColumn('role_name', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('snapshot', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('role_policy_snapshots_role')
      .on('role_policy_snapshots')
      .columns(['account_id', 'role_key', 'created_at'])
      .execute();
  },
};
