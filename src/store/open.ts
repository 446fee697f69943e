/**
 * Picks the store implementation from one setting (`--store`): a PostgreSQL URL, or else a
 * SQLite file path (`:memory:` for a throw-away database).
 */
import { openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { SqlStoreOptions } from './sql-store.js';
import type { Store } from './store.js';

/** True for `postgres://...` and `postgresql://...`. @example isPostgresUrl('postgres://db/x') // true */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(value);
}

/**
 * Opens the store named by `urlOrPath` and runs its migrations. A PostgreSQL URL may name the
 * schema to use with a `schema` query parameter (`postgres://host/db?schema=credplane`), so that
 * one database can hold several independent credplane stores.
 *
 * @example
 * const store = await openStore(flags.store ?? join(dataDir, 'credplane.db'));
 */
export async function openStore(
  urlOrPath: string,
  options: SqlStoreOptions & { schema?: string } = {},
): Promise<Store> {
  if (isPostgresUrl(urlOrPath)) {
    const url = new URL(urlOrPath);
    const schema = url.searchParams.get('schema') ?? options.schema;
    url.searchParams.delete('schema');
    return openPostgresStore({ ...options, url: url.toString(), ...(schema ? { schema } : {}) });
  }
  const { schema: _schema, ...rest } = options;
  return openSqliteStore({ ...rest, file: urlOrPath });
}
