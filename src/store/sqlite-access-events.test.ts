import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from './migrations/index.js';
import type { Database } from './schema.js';
import { sqliteAccessEventInsert } from './sqlite-access-events.js';
import { ImmediateSqliteDialect } from './sqlite-dialect.js';

const dir = mkdtempSync(join(tmpdir(), 'credplane-access-insert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const row = (id: string) => ({
  event_id: id,
  event_time: '2026-12-07T00:00:00.000Z',
  account_id: '111122223333',
  role_name: 'Web',
  role_key: 'web',
  principal_arn: null,
  channel: 'sts',
  event_source: 'sts.amazonaws.com',
  event_name: 'GetCallerIdentity',
  decision: 'allow',
  error_code: null,
  record: '{"eventName":"GetCallerIdentity"}',
});

describe('the SQLite access-event insert', () => {
  it('inserts within a transaction, skips an id already stored, and refuses to run outside one', async () => {
    const sqlite = new BetterSqlite3(join(dir, 'a.db'));
    const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: sqlite }) });
    try {
      await migrateToLatest(db);
      const insert = sqliteAccessEventInsert(sqlite);
      expect(() => insert(row('e1'))).toThrow(/within a transaction/);
      const results = await db.transaction().execute(async () => [insert(row('e1')), insert(row('e1'))]);
      expect(results).toEqual([true, false]);
      const stored = await db.selectFrom('access_events').selectAll().execute();
      expect(stored).toEqual([row('e1')]);
      // Rolled back with the transaction it ran in.
      await expect(
        db.transaction().execute(async () => {
          insert(row('e2'));
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await db.selectFrom('access_events').select('event_id').execute()).toEqual([{ event_id: 'e1' }]);
    } finally {
      await db.destroy();
    }
  });
});
