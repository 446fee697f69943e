/**
 * Virtual MFA devices: the sealed TOTP seed, the user a device is enabled for, and the last time
 * step accepted (the replay guard).
 */
import type { Kysely, Migration } from 'kysely';

export const mfaDevices: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('mfa_devices')
      .addColumn('serial_number', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('device_name', 'text', (c) => c.notNull())
      .addColumn('name_key', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('sealed_seed', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.references('users.user_id'))
      .addColumn('enabled_at', 'text')
      .addColumn('last_used_step', 'integer')
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('mfa_devices_name_unique', ['account_id', 'name_key'])
      .execute();
    await db.schema.createIndex('mfa_devices_user').on('mfa_devices').column('user_id').execute();
  },
};
