/**
 * The embedded store: one SQLite file (or `:memory:`) through better-sqlite3, in WAL mode so
 * readers never wait for the writer, with foreign keys enforced.
 */
import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import { Kysely } from 'kysely';
import { ImmediateSqliteDialect } from './sqlite-dialect.js';
import { sqliteGenerationRead } from './sqlite-generation.js';
import { sqliteAccessEventInsert } from './sqlite-access-events.js';
import { migrateToLatest } from './migrations/index.js';
import type { Database } from './schema.js';
import { createSqlStore, type SqlStoreOptions } from './sql-store.js';
import type { Store } from './store.js';

export interface SqliteStoreOptions extends SqlStoreOptions {
  /** A file path, or `:memory:` for a private in-memory database. */
  file: string;
  /** How long a write waits for another process's write lock, in ms (default 5000). */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating if needed) a SQLite store and brings its schema up to date.
 *
 * @example
 * const store = await openSqliteStore({ file: join(dataDir, 'credplane.db') });
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  if (options.file !== ':memory:') ownerOnly(options.file);
  const sqlite = new BetterSqlite3(options.file);
  try {
    if (options.file !== ':memory:') sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    // WAL makes NORMAL durable across application crashes; only power loss can drop the last commits.
    sqlite.pragma('synchronous = NORMAL');
  } catch (error) {
    sqlite.close();
    throw error;
  }
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: sqlite }) });
  let readGeneration: ReturnType<typeof sqliteGenerationRead>;
  let insertAccessEvent: ReturnType<typeof sqliteAccessEventInsert>;
  try {
    await migrateToLatest(db);
    // Prepared once the schema has its `store_generation` table.
    readGeneration = sqliteGenerationRead(sqlite);
    insertAccessEvent = sqliteAccessEventInsert(sqlite);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return createSqlStore(db, { ...options, close: () => db.destroy(), readGeneration, insertAccessEvent });
}

/**
 * The database holds the access log and sealed secrets: owner read/write only (0600), whatever
 * the umask. SQLite creates the `-wal` and `-shm` files with the database file's permissions
 * (https://www.sqlite.org/tempfiles.html), so making the database 0600 before opening it covers
 * them; ones left by an earlier run are narrowed too.
 *
 * Each file is opened without following a symbolic link and narrowed through its descriptor
 * (`fchmod`), and only when it is a regular file: `credplane up` often runs as root, and a store
 * path naming a device (`/dev/null`) or a link to another file must not change that file's mode
 * (a `/dev/null` made 0600 breaks every other user's programs on the machine).
 */
function ownerOnly(file: string): void {
  narrow(file, fs.constants.O_CREAT);
  for (const f of [`${file}-wal`, `${file}-shm`, `${file}-journal`]) narrow(f, 0);
}

function narrow(file: string, create: number): void {
  let fd: number;
  try {
    fd = fs.openSync(
      file,
      fs.constants.O_RDWR | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK | create,
      0o600,
    );
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && create === 0) return;
    if (code === 'ELOOP') throw new Error(`The SQLite store ${file} is a symbolic link; refusing to use it`);
    throw error;
  }
  try {
    if (!fs.fstatSync(fd).isFile()) throw new Error(`The SQLite store ${file} is not a regular file`);
    fs.fchmodSync(fd, 0o600);
  } finally {
    fs.closeSync(fd);
  }
}
