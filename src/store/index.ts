/** The store: one interface, SQLite and PostgreSQL implementations. */
export type * from './store.js';
export { openStore, isPostgresUrl } from './open.js';
export { openSqliteStore, type SqliteStoreOptions } from './sqlite.js';
export { openPostgresStore, type PostgresStoreOptions } from './postgres.js';
export type { SqlStoreOptions } from './sql-store.js';
