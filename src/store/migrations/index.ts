/**
 * Schema migrations, compiled into the program (no migration folder to ship or find at run
 * time) and applied by Kysely's `Migrator` each time a store opens. Applied migrations are
 * recorded, so reopening an up-to-date database changes nothing.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { AwsError } from '../../errors.js';
import type { Database } from '../schema.js';
import { initial } from './0001-initial.js';
import { settingsAccessLog } from './0002-settings-access-log.js';
import { storeGeneration } from './0003-store-generation.js';
import { nodes } from './0004-nodes.js';
import { usersGroups } from './0005-users-groups.js';
import { mfaDevices } from './0006-mfa-devices.js';
import { slrDeletionTasks } from './0007-slr-deletion-tasks.js';
import { mfaDrift } from './0008-mfa-drift.js';

/** In order; names sort in application order. Never edit a released migration: add one. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
  '0002-settings-access-log': settingsAccessLog,
  '0003-store-generation': storeGeneration,
  '0004-nodes': nodes,
  '0005-users-groups': usersGroups,
  '0006-mfa-devices': mfaDevices,
  '0007-slr-deletion-tasks': slrDeletionTasks,
  '0008-mfa-drift': mfaDrift,
};

const provider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...MIGRATIONS }),
};

/**
 * Brings the schema up to date.
 *
 * @example
 * await migrateToLatest(db); // PostgreSQL: migrateToLatest(db, 'credplane')
 */
export async function migrateToLatest(db: Kysely<Database>, schema?: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider,
    // On PostgreSQL, Kysely looks for its bookkeeping tables in every schema unless told which.
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new AwsError('ServiceFailure', `Store migration ${failed} failed.`, { status: 500, cause: error });
  }
}
