/**
 * Turns failures of the database itself into `AwsError`s, so that callers of the `Store` only
 * ever see typed errors and no SQL text or server detail reaches a client.
 *
 * - PostgreSQL data exceptions (class 22, e.g. a NUL character in text) are the caller's input:
 *   `InvalidInput` (400).
 * - A database that cannot be reached (connection lost, server restarting, network errors):
 *   `ServiceUnavailable` (503), which the SDKs retry; so is a transaction PostgreSQL aborted
 *   as a deadlock's or a serialization failure's victim, which passes when retried.
 * - Any other database failure is `ServiceFailure` (500), with the original error as `cause` for
 *   the log.
 * Errors that are not the database's (including `AwsError`s and errors thrown by a
 * `transaction()` callback) pass through unchanged.
 */
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { AwsError } from '../errors.js';
import { InvalidInputError } from '../iam/errors.js';
import type { Store } from './store.js';

function isDatabaseError(error: unknown): error is Error & { code?: string } {
  if (error instanceof pg.DatabaseError || error instanceof BetterSqlite3.SqliteError) return true;
  // Network failures of the pg pool are Node system errors; a connection the server closed under
  // a query is a plain Error from pg.
  return (
    error instanceof Error &&
    (typeof (error as { syscall?: unknown }).syscall === 'string' || PG_CONNECTION_LOST.test(error.message))
  );
}

/** pg's words for a connection lost under a query or taken from the pool dead. */
const PG_CONNECTION_LOST =
  /^Connection terminated|^Client has encountered a connection error|timeout exceeded when trying to connect/;

/**
 * Failures of reaching the database rather than of the request: PostgreSQL's connection
 * exceptions (class 08), operator intervention (57P01 admin shutdown, 57P02 crash shutdown, 57P03
 * cannot connect now), too many connections (53300), and network errors. They pass when the
 * database is back, so they are answered 503, which the AWS SDKs retry.
 */
function isUnavailable(error: Error & { code?: string }): boolean {
  if (error instanceof BetterSqlite3.SqliteError) return false;
  const code = error.code ?? '';
  // 40P01 deadlock_detected and 40001 serialization_failure: PostgreSQL aborted this transaction
  // for another's sake (two trust policy saves that name each other's roles lock their rows in
  // opposite orders); the same request succeeds when retried.
  if (error instanceof pg.DatabaseError)
    return (
      code.startsWith('08') ||
      code.startsWith('57P') ||
      code === '53300' ||
      code === '40P01' ||
      code === '40001'
    );
  return true;
}

/** The `AwsError` a database failure stands for; anything else is returned as it is. */
export function mapDatabaseError(error: unknown): unknown {
  if (error instanceof AwsError || !isDatabaseError(error)) return error;
  if (error instanceof pg.DatabaseError && typeof error.code === 'string' && error.code.startsWith('22')) {
    return new InvalidInputError('A value in the request cannot be stored.', { cause: error });
  }
  if (isUnavailable(error)) {
    return new AwsError('ServiceUnavailable', 'The store is unavailable; retry the request.', {
      status: 503,
      cause: error,
    });
  }
  return new AwsError('ServiceFailure', 'The store failed to complete the request.', {
    status: 500,
    cause: error,
  });
}

/**
 * Wraps every method of a store so database failures reject as `AwsError`s.
 *
 * @example
 * return withDatabaseErrors(new SqlStore(db, shared));
 */
export function withDatabaseErrors(store: Store): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (error) {
          throw mapDatabaseError(error);
        }
        if (result instanceof Promise) {
          return result.catch((error: unknown) => {
            throw mapDatabaseError(error);
          });
        }
        return result;
      };
    },
  });
}
