import { MIGRATIONS } from './migrations/index.js';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPostgresUrl, openStore } from './open.js';
import { openPostgresStore } from './postgres.js';
import { describeStore } from './store.suite.js';

// CI provides PostgreSQL here with trust auth. An unreachable server fails the run on purpose.
const BASE_URL = process.env.CREDPLANE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const runId = `${process.pid}_${randomBytes(4).toString('hex')}`;
const schemas: string[] = [];
let schemaSeq = 0;
const freshSchema = () => {
  const schema = `credplane_test_${runId}_${++schemaSeq}`;
  schemas.push(schema);
  return schema;
};

let admin: pg.Client;
let connected = false;

beforeAll(async () => {
  admin = new pg.Client({ connectionString: BASE_URL });
  try {
    await admin.connect();
    connected = true;
  } catch (error) {
    throw new Error(
      `PostgreSQL is required for the store tests but ${BASE_URL} is unreachable (${(error as Error).message}). ` +
        'Start it (CI: 127.0.0.1:5432, database "test", trust auth) or set CREDPLANE_TEST_POSTGRES_URL.',
    );
  }
});

afterAll(async () => {
  if (!connected) return;
  for (const schema of schemas) await admin.query(`drop schema if exists "${schema}" cascade`);
  await admin.end();
});

describeStore('PostgreSQL', { open: () => openPostgresStore({ url: BASE_URL, schema: freshSchema() }) });

describe('PostgreSQL store', () => {
  it('survives the server closing its connections: 503 while they are gone, then it reconnects', async () => {
    const applicationName = `credplane_test_${runId}_terminated`;
    const lost: Error[] = [];
    const store = await openPostgresStore({
      url: BASE_URL,
      schema: freshSchema(),
      applicationName,
      onConnectionError: (error) => lost.push(error),
    });
    await store.createAccount({ accountId: '111122223333' });
    const killed = await admin.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
      [applicationName],
    );
    expect(killed.rowCount).toBeGreaterThan(0);
    // Without a listener on the pool, this error event would have ended the process.
    for (let i = 0; i < 50 && lost.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(lost.length).toBeGreaterThan(0);
    // The next calls: a retryable 503 at worst, then answered on a fresh connection.
    let account: string | undefined;
    for (let attempt = 0; attempt < 3 && account === undefined; attempt++) {
      try {
        account = (await store.getAccount('111122223333')).accountId;
      } catch (error) {
        expect(error).toMatchObject({ code: 'ServiceUnavailable', status: 503 });
      }
    }
    expect(account).toBe('111122223333');
    await store.close();
  });

  it('is chosen by openStore for postgres:// and postgresql:// URLs', () => {
    expect(isPostgresUrl('postgres://u@h/db')).toBe(true);
    expect(isPostgresUrl('postgresql://u@h/db')).toBe(true);
    expect(isPostgresUrl('/var/lib/credplane/store.db')).toBe(false);
    expect(isPostgresUrl(':memory:')).toBe(false);
  });

  it('keeps its tables in its own schema, and reopening runs no migration twice', async () => {
    const schema = freshSchema();
    const first = await openStore(BASE_URL, { schema });
    await first.createAccount({ accountId: '111122223333' });
    await first.close();
    const second = await openStore(BASE_URL, { schema });
    expect((await second.getAccount('111122223333')).accountId).toBe('111122223333');
    await second.close();
    const tables = await admin.query<{ table_name: string }>(
      'select table_name from information_schema.tables where table_schema = $1 order by table_name',
      [schema],
    );
    expect(tables.rows.map((r) => r.table_name)).toContain('roles');
    expect(tables.rows.map((r) => r.table_name)).toContain('kysely_migration');
    const applied = await admin.query<{ name: string }>(`select name from "${schema}".kysely_migration`);
    expect(applied.rows.map((r) => r.name)).toEqual(Object.keys(MIGRATIONS));
  });

  it('answers text PostgreSQL cannot hold (NUL) with InvalidInput, not a raw driver error', async () => {
    const store = await openPostgresStore({ url: BASE_URL, schema: freshSchema() });
    try {
      await store.createAccount({ accountId: '111122223333' });
      await expect(
        store.createRole('111122223333', { roleName: 'r', assumeRolePolicyDocument: 'nul:\u0000' }),
      ).rejects.toMatchObject({ code: 'InvalidInput', status: 400 });
      expect(await store.findRole('111122223333', 'r')).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(openPostgresStore({ url: BASE_URL, schema: 'x; drop table y' })).rejects.toMatchObject({
      code: 'ValidationError',
    });
  });

  it('fails with a typed error that does not echo the password when the server is unreachable', async () => {
    const error = await openPostgresStore({ url: 'postgres://u:hunter2@127.0.0.1:1/none' }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'ServiceFailure', status: 500 });
    expect((error as Error).message).not.toContain('hunter2');
  });
});
