import { MIGRATIONS } from './migrations/index.js';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from './open.js';
import { openSqliteStore } from './sqlite.js';
import { sqliteGenerationRead } from './sqlite-generation.js';
import { describeStore } from './store.suite.js';

const dir = mkdtempSync(join(tmpdir(), 'credplane-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileSeq = 0;
const freshFile = () => join(dir, `store-${++fileSeq}.db`);

describeStore('SQLite file', { open: () => openSqliteStore({ file: freshFile() }) });
describeStore('SQLite :memory:', { open: () => openStore(':memory:') });

describe('SQLite store on disk', () => {
  it('keeps the database, its WAL and shared-memory files owner-only (0600) under umask 022', async () => {
    const file = freshFile();
    writeFileSync(file, '');
    chmodSync(file, 0o644);
    const previous = process.umask(0o022);
    try {
      const store = await openSqliteStore({ file });
      await store.createAccount({ accountId: '111122223333' });
      for (const f of [file, `${file}-wal`, `${file}-shm`]) {
        expect(existsSync(f)).toBe(true);
        expect({ f, mode: statSync(f).mode & 0o777 }).toEqual({ f, mode: 0o600 });
      }
      await store.close();
    } finally {
      process.umask(previous);
    }
  });

  // `credplane up --store <path>` runs as root on a host: pointed at a device (`/dev/null`) or
  // through a symbolic link, "owner-only" must not chmod what is not the store's own file — a
  // /dev/null made 0600 breaks every other user's programs on the machine.
  it('refuses a path that is not a regular file, and changes no mode through it', async () => {
    const fifo = freshFile();
    execFileSync('mkfifo', ['-m', '0666', fifo]);
    await expect(openSqliteStore({ file: fifo })).rejects.toThrow(/not a regular file/);
    expect(statSync(fifo).mode & 0o777).toBe(0o666);

    const target = freshFile();
    writeFileSync(target, '');
    chmodSync(target, 0o644);
    const link = freshFile();
    symlinkSync(target, link);
    await expect(openSqliteStore({ file: link })).rejects.toThrow(/symbolic link/);
    expect(statSync(target).mode & 0o777).toBe(0o644);

    // A WAL path that is a link to something else is not narrowed either.
    const file = freshFile();
    const other = freshFile();
    writeFileSync(other, '');
    chmodSync(other, 0o644);
    symlinkSync(other, `${file}-wal`);
    await expect(openSqliteStore({ file })).rejects.toThrow(/symbolic link/);
    expect(statSync(other).mode & 0o777).toBe(0o644);
  });

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

describe('SQLite store generation read (the per-request check)', () => {
  it('sees a commit by another connection at the next read, and its own writes too', async () => {
    const file = freshFile();
    const server = await openSqliteStore({ file });
    const g0 = await server.generation();
    // Another process on the same data dir (`credplane revoke-sessions` beside `up`).
    const other = await openSqliteStore({ file });
    await other.createAccount({ accountId: '111122223333' });
    expect(await server.generation()).toBe(g0 + 1);
    // A raw connection that commits the generation row alone.
    const raw = new BetterSqlite3(file);
    try {
      raw.prepare('update store_generation set generation = generation + 5 where id = 1').run();
      expect(await server.generation()).toBe(g0 + 6);
    } finally {
      raw.close();
    }
    await server.createAccount({ accountId: '444455556666' });
    expect(await server.generation()).toBe(g0 + 7);
    expect(await other.generation()).toBe(g0 + 7);
    await other.close();
    await server.close();
  });

  it("never reports its own connection's uncommitted generation", async () => {
    const file = freshFile();
    await (await openSqliteStore({ file })).close();
    const sqlite = new BetterSqlite3(file);
    try {
      const read = sqliteGenerationRead(sqlite);
      const g0 = read();
      expect(g0).toBe(0);
      sqlite.exec('begin immediate; update store_generation set generation = generation + 1 where id = 1');
      // Inside a transaction the reader defers (the store then waits for it through Kysely).
      expect(read()).toBeUndefined();
      sqlite.exec('rollback');
      expect(read()).toBe(g0);
    } finally {
      sqlite.close();
    }
  });

  it('answers a read begun during a write of this process with the committed generation', async () => {
    const store = await openSqliteStore({ file: freshFile() });
    const g0 = await store.generation();
    let during: Promise<number> | undefined;
    await store.transaction(async (tx) => {
      await tx.createAccount({ accountId: '111122223333' });
      during = store.generation();
    });
    expect(await during).toBe(g0 + 1);
    await store.close();
  });
});
