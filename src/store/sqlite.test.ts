import { MIGRATIONS } from './migrations/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from './open.js';
import { openSqliteStore } from './sqlite.js';
import { describeStore } from './store.suite.js';

const dir = mkdtempSync(join(tmpdir(), 'credplane-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileSeq = 0;
const freshFile = () => join(dir, `store-${++fileSeq}.db`);

describeStore('SQLite file', { open: () => openSqliteStore({ file: freshFile() }) });
describeStore('SQLite :memory:', { open: () => openStore(':memory:') });

describe('SQLite store on disk', () => {
  it('uses WAL journaling and enforces foreign keys', async () => {
    const file = freshFile();
    const store = await openSqliteStore({ file });
    await store.close();
    const raw = new BetterSqlite3(file, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
  });

  it('keeps data across reopen, and reopening runs no migration twice', async () => {
    const file = freshFile();
    const first = await openStore(file);
    await first.createAccount({ accountId: '111122223333' });
    const role = await first.createRole('111122223333', {
      roleName: 'persist',
      assumeRolePolicyDocument: '{}',
    });
    await first.putKeyRing(new Uint8Array([42]), 0);
    await first.close();

    const second = await openStore(file);
    expect(await second.getRole('111122223333', 'persist')).toEqual(role);
    expect((await second.getKeyRing())?.version).toBe(1);
    await second.close();

    const third = await openSqliteStore({ file });
    await third.close();
    const raw = new BetterSqlite3(file, { readonly: true });
    try {
      const rows = raw.prepare('select name from kysely_migration order by name').all() as { name: string }[];
      expect(rows.map((r) => r.name)).toEqual(Object.keys(MIGRATIONS));
    } finally {
      raw.close();
    }
  });

  it('opens a database another connection is using (WAL readers do not block)', async () => {
    const file = freshFile();
    const a = await openSqliteStore({ file });
    const b = await openSqliteStore({ file });
    await a.createAccount({ accountId: '444455556666' });
    expect((await b.getAccount('444455556666')).accountId).toBe('444455556666');
    await a.close();
    await b.close();
  });
});
