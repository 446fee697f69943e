/**
 * A data directory from before IAM users existed: its schema at migration 0004 and an admin key
 * whose user has no row. Opening it migrates, and the next start makes the admin a stored user
 * (the `AIDA…` id it had, `AdministratorAccess` attached) and keeps the very same key.
 */
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { legacyUserId } from '../control/legacy-user-id.js';
import { generateLongTermAccessKey, sealSecret } from '../crypto/index.js';
import { generateMasterKey } from '../crypto/master-key.js';
import { MIGRATIONS } from '../store/migrations/index.js';
import { openStore } from '../store/open.js';
import { ADMIN_USER, ensureAdminKey } from './admin.js';

const dir = mkdtempSync(join(tmpdir(), 'credplane-admin-upgrade-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ACCOUNT = '123456789012';

describe('ensureAdminKey on a data directory from before users', () => {
  it('migrates, makes the admin a user with its old id and AdministratorAccess, and keeps its key', async () => {
    const file = join(dir, 'credplane.db');
    const masterKey = generateMasterKey();
    const old = generateLongTermAccessKey();
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
    const before = Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name < '0005'));
    const migrated = await new Migrator({
      db,
      provider: { getMigrations: () => Promise.resolve(before) },
    }).migrateToLatest();
    expect(migrated.error).toBeUndefined();
    const now = new Date().toISOString();
    const raw = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
    await raw.insertInto('accounts').values({ account_id: ACCOUNT, alias: null, created_at: now }).execute();
    await raw
      .insertInto('access_keys')
      .values({
        access_key_id: old.accessKeyId,
        account_id: ACCOUNT,
        user_name: ADMIN_USER,
        sealed_secret: Buffer.from(sealSecret(old.secretAccessKey, old.accessKeyId, masterKey)).toString(
          'base64',
        ),
        status: 'Active',
        created_at: now,
      })
      .execute();
    await db.destroy();

    const store = await openStore(file);
    try {
      const key = await ensureAdminKey(store, ACCOUNT, masterKey, {});
      expect(key).toEqual(old);
      const user = await store.getUser(ACCOUNT, ADMIN_USER);
      expect(user.userId).toBe(legacyUserId(ACCOUNT, ADMIN_USER));
      expect(
        (await store.listAttachedUserPolicies(ACCOUNT, ADMIN_USER)).items.map((p) => p.policyArn),
      ).toEqual(['arn:aws:iam::aws:policy/AdministratorAccess']);
      expect((await store.listAccessKeys(ACCOUNT, ADMIN_USER)).map((k) => k.accessKeyId)).toEqual([
        old.accessKeyId,
      ]);
      // A second start changes nothing.
      expect(await ensureAdminKey(store, ACCOUNT, masterKey, {})).toEqual(old);
      expect((await store.listUsers(ACCOUNT)).items.map((u) => u.userName)).toEqual([ADMIN_USER]);
    } finally {
      await store.close();
    }
  });
});
