/**
 * The store generation read of the SQLite store, on every request (`Snapshot.refresh` reads it
 * before each STS and gateway request; issue 16): one prepared better-sqlite3 statement, run
 * synchronously on the store's connection, without Kysely's asynchronous query round. Every call
 * reads the committed row, so another process's commit on the same data dir (`credplane
 * revoke-sessions` beside `credplane up`) is seen by the next call.
 *
 * `PRAGMA data_version` (https://www.sqlite.org/pragma.html#pragma_data_version) would tell when
 * another connection committed, but it starts a read transaction just as the row read does and
 * measured no cheaper (`bench/store-generation.ts`), so the row is simply read.
 *
 * While the connection is inside a transaction (a write of this process awaiting between its
 * statements) the reader does not answer: it would see that transaction's uncommitted generation.
 * The caller then reads through Kysely, which waits for the transaction to end.
 */
import type BetterSqlite3 from 'better-sqlite3';

/** Returns the committed generation, or `undefined` when it cannot be read here now (see above). */
export type LocalGenerationRead = () => number | undefined;

export function sqliteGenerationRead(sqlite: BetterSqlite3.Database): LocalGenerationRead {
  const row = sqlite.prepare('select generation from store_generation where id = 1').pluck();
  return () => {
    if (sqlite.inTransaction) return undefined;
    const value = row.get();
    if (value === undefined) throw new Error('store_generation has no row');
    return Number(value);
  };
}
