/**
 * IAM users and groups: users (`AIDA…`), groups (`AGPA…`), group membership, the inline and
 * attached managed policies of both (one table each, keyed by the owner's unique id, whose prefix
 * tells users from groups), and the last use of each access key.
 *
 * Existing access keys keep their `user_name`; the admin they belong to becomes a stored user at
 * the next start (`server/admin.ts`, `ensureAdminUser`), which knows the store's partition for the
 * user's ARN, so this migration is DDL only.
 */
import type { Kysely, Migration } from 'kysely';

export const usersGroups: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('users')
      .addColumn('user_id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('user_name', 'text', (c) => c.notNull())
      .addColumn('name_key', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('arn', 'text', (c) => c.notNull())
      .addColumn('permissions_boundary_arn', 'text')
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('users_name_unique', ['account_id', 'name_key'])
      .execute();
    await db.schema.createIndex('users_boundary').on('users').column('permissions_boundary_arn').execute();

    await db.schema
      .createTable('groups')
      .addColumn('group_id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('group_name', 'text', (c) => c.notNull())
      .addColumn('name_key', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('arn', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('groups_name_unique', ['account_id', 'name_key'])
      .execute();

    await db.schema
      .createTable('group_members')
      .addColumn('group_id', 'text', (c) => c.notNull().references('groups.group_id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.user_id').onDelete('cascade'))
      .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'user_id'])
      .execute();
    await db.schema.createIndex('group_members_user').on('group_members').column('user_id').execute();

    await db.schema
      .createTable('principal_policies')
      .addColumn('owner_id', 'text', (c) => c.notNull())
      .addColumn('policy_name', 'text', (c) => c.notNull())
      .addColumn('name_key', 'text', (c) => c.notNull())
      .addColumn('document', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('principal_policies_pk', ['owner_id', 'name_key'])
      .execute();

    await db.schema
      .createTable('principal_attachments')
      .addColumn('owner_id', 'text', (c) => c.notNull())
      .addColumn('policy_arn', 'text', (c) => c.notNull())
      .addColumn('policy_id', 'text', (c) => c.references('managed_policies.policy_id'))
      .addColumn('policy_name', 'text', (c) => c.notNull())
      .addColumn('attached_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('principal_attachments_pk', ['owner_id', 'policy_arn'])
      .execute();
    await db.schema
      .createIndex('principal_attachments_policy')
      .on('principal_attachments')
      .column('policy_arn')
      .execute();

    await db.schema.alterTable('access_keys').addColumn('last_used_at', 'text').execute();
    await db.schema.alterTable('access_keys').addColumn('last_used_service', 'text').execute();
    await db.schema.alterTable('access_keys').addColumn('last_used_region', 'text').execute();
    await db.schema
      .createIndex('access_keys_user')
      .on('access_keys')
      .columns(['account_id', 'user_name'])
      .execute();
  },
};
