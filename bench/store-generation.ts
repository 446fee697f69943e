/**
 * Micro-benchmark of the per-request store generation check on SQLite (`Store.generation()`, which
 * `Snapshot.refresh` calls before each STS and gateway request; issue 16). One-off, not part of
 * `npm run bench`: `npx tsx bench/store-generation.ts [iterations]`. Prints ns per call of the
 * store's check, of the Kysely query it made before (same dialect and statement cache), and, on a
 * raw better-sqlite3 connection to the same file, of the prepared generation read alone and of
 * `PRAGMA data_version` (https://www.sqlite.org/pragma.html#pragma_data_version): both start a
 * WAL read transaction, which is most of their cost, so skipping the read when `data_version`
 * did not move would save nothing.
 */
import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely } from 'kysely';
import type { Database } from '../src/store/schema.js';
import { GENERATION_QUERY } from '../src/store/sql/context.js';
import { ImmediateSqliteDialect } from '../src/store/sqlite-dialect.js';
import { openSqliteStore } from '../src/store/sqlite.js';

const iterations = Number(process.argv[2] ?? 200_000);

async function time(name: string, fn: () => unknown): Promise<void> {
  for (let i = 0; i < 10_000; i++) await fn(); // warm-up
  const best: number[] = [];
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) await fn();
    best.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  best.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(46)} median ${best[2]!.toFixed(0).padStart(6)} ns/call  (best ${best[0]!.toFixed(0)})`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'credplane-bench-gen-'));
try {
  const file = join(dir, 'credplane.db');
  const store = await openSqliteStore({ file });
  await store.createAccount({ accountId: '111122223333' });
  const raw = new BetterSqlite3(file);
  const read = raw.prepare('select generation from store_generation where id = 1').pluck();
  const dataVersion = raw.prepare('pragma data_version').pluck();
  const kysely = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: new BetterSqlite3(file) }),
  });
  console.log(`${iterations} calls per round, 5 rounds, WAL file database`);
  for (let pass = 0; pass < 2; pass++) {
    await time('store.generation()', () => store.generation());
    await time('Kysely GENERATION_QUERY (the read before)', () => kysely.executeQuery(GENERATION_QUERY));
  }
  await time('raw prepared generation read (sync)', () => read.get());
  await time('raw PRAGMA data_version (sync)', () => dataVersion.get());
  raw.close();
  await kysely.destroy();
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
