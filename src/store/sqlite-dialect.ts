/**
 * Kysely's SQLite dialect, with write transactions that take SQLite's write lock at `BEGIN`.
 *
 * A deferred `BEGIN` that reads and then writes cannot wait for another process's writer in WAL
 * mode: SQLite fails it with `SQLITE_BUSY` at once. `BEGIN IMMEDIATE` waits (up to
 * `busy_timeout`) before the transaction reads anything, so two processes sharing one file
 * queue up instead of failing. Store transactions are all writes, so nothing is lost.
 */
import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver } from 'kysely';

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0];

  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}
