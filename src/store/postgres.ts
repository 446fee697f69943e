/**
 * The shared store: PostgreSQL through a `pg` pool, for several control-plane replicas.
 *
 * All tables live in one schema (`public` unless told otherwise), set as each connection's
 * `search_path`, so several credplane installations (or test runs) can share a database.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { AwsError } from '../errors.js';
import { migrateToLatest } from './migrations/index.js';
import type { Database } from './schema.js';
import { startPostgresFeed } from './coordination/postgres-feed.js';
import { startPostgresLeadership } from './coordination/postgres-leadership.js';
import type { GenerationFeed, Leadership } from './coordination/types.js';
import { GENERATION_QUERY, type StoreCoordination } from './sql/context.js';
import { createSqlStore, type SqlStoreOptions } from './sql-store.js';
import type { Store } from './store.js';

export interface PostgresStoreOptions extends SqlStoreOptions {
  /** `postgres://user@host:port/database` */
  url: string;
  /** Schema for the tables; created if missing. `public` by default. */
  schema?: string;
  /** Pool size (default 10). */
  maxConnections?: number;
  /** The connections' `application_name` (`credplane`), as `pg_stat_activity` shows them. */
  applicationName?: string;
  /** Told of a pooled connection the server closed (a restart, `pg_terminate_backend`, a timeout). */
  onConnectionError?: (error: Error) => void;
  /** How long opening a connection may take before the request fails (503); 5000 ms by default. */
  connectTimeoutMs?: number;
  /** The generation feed's periodic check (`coordination/postgres-feed.ts`); 1000 ms by default. */
  feedCheckEveryMs?: number;
  /** How often a follower tries for leadership and the leader checks its session; 2000 ms by default. */
  leadershipCheckEveryMs?: number;
}

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Connects to PostgreSQL, creates the schema if needed and brings it up to date.
 *
 * @example
 * const store = await openPostgresStore({ url: 'postgres://credplane@127.0.0.1:5432/credplane' });
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_RE.test(schema)) {
    throw new AwsError('ValidationError', `Store schema name ${schema} is not valid: use [a-z_][a-z0-9_]*.`);
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    // Checked above to be a plain identifier, so it cannot break out of the option string.
    options: `-c search_path=${schema}`,
    application_name: options.applicationName ?? 'credplane',
    // Without a bound, a request waits for a connection as long as the database is away; with it,
    // it fails with ServiceUnavailable (database-errors.ts) that the client retries.
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
  });
  // An idle pooled connection that the server closes (a restart, pg_terminate_backend,
  // idle_session_timeout) is reported here; without a listener it would kill the process. The pool
  // drops that connection and opens a new one for the next query; a query caught on it fails with
  // ServiceUnavailable (database-errors.ts), which the clients retry.
  pool.on('error', (error) => options.onConnectionError?.(error));
  // The pool listens on idle connections only. A connection checked out between two queries (a
  // transaction in progress) that the server closes (`pg_ctl stop -m fast` sends every backend a
  // FATAL 57P01) emits 'error' with nobody listening, which would end the process too. Listen for
  // good: its next query fails "not queryable" (ServiceUnavailable), and the pool discards it.
  pool.on('connect', (client) => {
    client.on('error', (error) => options.onConnectionError?.(error));
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
    await migrateToLatest(db, schema);
  } catch (error) {
    await db.destroy();
    if (error instanceof AwsError) throw error;
    // The URL may carry a password: name only the host part in the message.
    throw new AwsError(
      'ServiceFailure',
      `Cannot open the PostgreSQL store at ${describeUrl(options.url)}: ${(error as Error).message}`,
      {
        status: 500,
        cause: error,
      },
    );
  }
  const coordination = postgresCoordination(db, { ...options, schema });
  return createSqlStore(db, {
    ...options,
    notifySchema: schema,
    coordination,
    close: async () => {
      await coordination.close();
      await db.destroy();
    },
  });
}

/**
 * The generation feed and leadership, each on a dedicated session opened on first use (one-off
 * commands such as `credplane apply` open neither).
 */
function postgresCoordination(
  db: Kysely<Database>,
  options: PostgresStoreOptions & { schema: string },
): StoreCoordination & { close(): Promise<void> } {
  const session = {
    url: options.url,
    schema: options.schema,
    applicationName: options.applicationName ?? 'credplane',
    ...(options.onConnectionError === undefined ? {} : { onError: options.onConnectionError }),
  };
  let feed: Promise<GenerationFeed> | undefined;
  let leadership: Promise<Leadership> | undefined;
  return {
    generationFeed() {
      feed ??= startPostgresFeed({
        ...session,
        readGeneration: async () => Number((await db.executeQuery(GENERATION_QUERY)).rows[0]?.generation),
        ...(options.feedCheckEveryMs === undefined ? {} : { checkEveryMs: options.feedCheckEveryMs }),
      });
      return feed;
    },
    leadership() {
      leadership ??= startPostgresLeadership({
        ...session,
        ...(options.leadershipCheckEveryMs === undefined
          ? {}
          : { checkEveryMs: options.leadershipCheckEveryMs }),
      });
      return leadership;
    },
    async close() {
      await (await feed)?.close();
      await (await leadership)?.close();
    },
  };
}

function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}
