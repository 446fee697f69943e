/**
 * The first schema: every table the `Store` needs. Only `text` and `integer` columns, so the
 * same DDL runs on SQLite and PostgreSQL.
 */
import type { Kysely, Migration } from 'kysely';

export const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('accounts')
      .addColumn('account_id', 'text', (c) => c.primaryKey())
      .addColumn('alias', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('roles')
      .addColumn('role_id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('role_name', 'text', (c) => c.notNull())
      .addColumn('name_key', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('arn', 'text', (c) => c.notNull())
      .addColumn('trust_policy', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('max_session_duration', 'integer', (c) => c.notNull())
      .addColumn('permissions_boundary_arn', 'text')
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('roles_name_unique', ['account_id', 'name_key'])
      .execute();
    await db.schema.createIndex('roles_boundary').on('roles').column('permissions_boundary_arn').execute();

    await db.schema
      .createTable('role_policies')
      .addColumn('role_id', 'text', (c) => c.notNull().references('roles.role_id').onDelete('cascade'))
      .addColumn('policy_name', 'text', (c) => c.notNull())
      .addColumn('name_key', 'text', (c) => c.notNull())
      .addColumn('document', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('role_policies_pk', ['role_id', 'name_key'])
      .execute();

    await db.schema
      .createTable('managed_policies')
      .addColumn('policy_id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('policy_name', 'text', (c) => c.notNull())
      .addColumn('name_key', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('arn', 'text', (c) => c.notNull().unique())
      .addColumn('description', 'text')
      .addColumn('default_version', 'integer', (c) => c.notNull())
      .addColumn('next_version', 'integer', (c) => c.notNull())
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('managed_policies_name_unique', ['account_id', 'name_key'])
      .execute();

    await db.schema
      .createTable('policy_versions')
      .addColumn('policy_id', 'text', (c) =>
        c.notNull().references('managed_policies.policy_id').onDelete('cascade'),
      )
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('document', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('policy_versions_pk', ['policy_id', 'version'])
      .execute();

    await db.schema
      .createTable('role_attachments')
      .addColumn('role_id', 'text', (c) => c.notNull().references('roles.role_id').onDelete('cascade'))
      .addColumn('policy_arn', 'text', (c) => c.notNull())
      .addColumn('policy_id', 'text', (c) => c.references('managed_policies.policy_id'))
      .addColumn('policy_name', 'text', (c) => c.notNull())
      .addColumn('attached_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('role_attachments_pk', ['role_id', 'policy_arn'])
      .execute();
    await db.schema
      .createIndex('role_attachments_policy')
      .on('role_attachments')
      .column('policy_arn')
      .execute();

    await db.schema
      .createTable('instance_profiles')
      .addColumn('instance_profile_id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('instance_profile_name', 'text', (c) => c.notNull())
      .addColumn('name_key', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('arn', 'text', (c) => c.notNull())
      .addColumn('role_id', 'text', (c) => c.references('roles.role_id'))
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('instance_profiles_name_unique', ['account_id', 'name_key'])
      .execute();
    await db.schema.createIndex('instance_profiles_role').on('instance_profiles').column('role_id').execute();

    await db.schema
      .createTable('oidc_providers')
      .addColumn('arn', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('client_ids', 'text', (c) => c.notNull())
      .addColumn('thumbprints', 'text', (c) => c.notNull())
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('oidc_providers_url_unique', ['account_id', 'url'])
      .execute();

    await db.schema
      .createTable('workloads')
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role_name', 'text', (c) => c.notNull())
      .addColumn('settings', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('workloads_pk', ['account_id', 'kind', 'name'])
      .execute();

    await db.schema
      .createTable('access_keys')
      .addColumn('access_key_id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('user_name', 'text', (c) => c.notNull())
      .addColumn('sealed_secret', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('key_ring')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('sealed', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('role_revocations')
      .addColumn('role_id', 'text', (c) => c.primaryKey().references('roles.role_id').onDelete('cascade'))
      .addColumn('revoked_before', 'text', (c) => c.notNull())
      .execute();
  },
};
