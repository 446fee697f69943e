/**
 * The access log's batched insert on the SQLite store: one prepared better-sqlite3 statement run
 * per event, inside the transaction `AccessLogSql.appendAccessEvents` already holds on the
 * store's single connection, instead of a Kysely multi-row insert built and compiled for every
 * batch. The drain runs on the event loop that answers requests; in-process, batches of 100
 * events cost 38 µs of CPU per event through Kysely and 20 µs this way (docs/benchmarks.md).
 * PostgreSQL keeps the Kysely insert.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Insertable } from 'kysely';
import type { AccessEventsTable } from './schema.js';

/** Inserts one row unless its `event_id` is stored already; `true` when it was inserted. */
export type LocalAccessEventInsert = (row: Insertable<AccessEventsTable>) => boolean;

export function sqliteAccessEventInsert(sqlite: BetterSqlite3.Database): LocalAccessEventInsert {
  const insert = sqlite.prepare(
    `insert into access_events (event_id, event_time, account_id, role_name, role_key, principal_arn,
       channel, event_source, event_name, decision, error_code, record)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (event_id) do nothing`,
  );
  return (row) => {
    // Only within the caller's transaction: alone, each row would be a transaction of its own.
    if (!sqlite.inTransaction) throw new Error('access events are inserted within a transaction');
    return (
      insert.run(
        row.event_id,
        row.event_time,
        row.account_id,
        row.role_name ?? null,
        row.role_key ?? null,
        row.principal_arn ?? null,
        row.channel,
        row.event_source,
        row.event_name,
        row.decision,
        row.error_code ?? null,
        row.record,
      ).changes > 0
    );
  };
}
