/**
 * The store generation: one row whose number every committed change to the IAM model advances, in
 * the same transaction as the change. A server compares it with the generation its caches were
 * loaded at before it uses them, so that a write by any other process or replica (`credplane
 * revoke-sessions`, `credplane apply`, a second server) applies to the next request.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const storeGeneration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('store_generation')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('generation', 'bigint', (c) => c.notNull())
      .execute();
    await sql`insert into store_generation (id, generation) values (1, 0)`.execute(db);
  },
};
