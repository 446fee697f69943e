/**
 * Kysely's SQLite dialect, with write transactions that take SQLite's write lock at `BEGIN`.
 *
 * A deferred `BEGIN` that reads and then writes cannot wait for another process's writer in WAL
 * mode: SQLite fails it with `SQLITE_BUSY` at once. `BEGIN IMMEDIATE` waits (up to
 * `busy_timeout`) before the transaction reads anything, so two processes sharing one file
 * queue up instead of failing. Store transactions are all writes, so nothing is lost.
 */
import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase,
} from 'kysely';

/** Distinct statements kept prepared; the store issues a few dozen shapes (batch sizes vary). */
const PREPARED_STATEMENTS = 512;

/**
 * The database with its prepared statements kept by SQL text. Kysely prepares every query it runs,
 * and preparing costs more than running the small statements of the request path (the access-log
 * append, the store generation read). A statement runs to completion before the next one starts
 * (better-sqlite3 is synchronous and the store streams no query), so one can serve again; SQLite
 * re-prepares it by itself after a schema change.
 */
function withStatementCache(database: SqliteDatabase): SqliteDatabase {
  const statements = new Map<string, ReturnType<SqliteDatabase['prepare']>>();
  return {
    close: () => database.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql);
        if (statements.size >= PREPARED_STATEMENTS) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0];

  constructor(config: ConstructorParameters<typeof SqliteDialect>[0] & { database: SqliteDatabase }) {
    const cached = { ...config, database: withStatementCache(config.database) };
    super(cached);
    this.#config = cached;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}
