/**
 * The data directory and the store of the `credplane` commands: `--data-dir` and `--store`
 * declared once, and one way to open the store they name.
 *
 * Commands that read (logs, analyze, policy) refuse a store that does not exist yet, so a
 * mistyped `--data-dir` is reported rather than answered from a new, empty store; commands that
 * write (apply, revoke-sessions, cluster) create the data directory and the store, with the
 * account, as `credplane up` does on its first start.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';

export const DEFAULT_DATA_DIR = '.credplane';

/** The help of `--data-dir` for commands that open the store or keys themselves. */
export const DATA_DIR_HELP = 'where state, keys and AWS config files live';
/** The help of `--data-dir` for commands that talk to a running `credplane up`. */
export const RUNNING_DATA_DIR_HELP = 'the data directory of the running `credplane up`';

export interface StoreLocation {
  dataDir: string;
  store?: string;
}

export const dataDirOption = (description: string = DATA_DIR_HELP): Option =>
  new Option('--data-dir <dir>', description).default(DEFAULT_DATA_DIR);

export const storeOption = (): Option =>
  new Option('--store <url>', 'postgres://... or a SQLite file (default: <data-dir>/credplane.db)');

/** Adds `--data-dir` and `--store`. */
export function withStoreOptions(command: Command): Command {
  return command.addOption(dataDirOption()).addOption(storeOption());
}

/** There is no store where `--data-dir` points (and no `--store`). */
export class NoStoreError extends Error {
  /** The process exit code; a command may raise it to its own usage code. */
  exitCode = 1;

  constructor(file: string) {
    super(
      `no credplane store at ${path.resolve(file)} (pass the --data-dir of \`credplane up\`, or --store)`,
    );
    this.name = 'NoStoreError';
  }
}

export type OpenMode =
  /** Reading: the store must exist already. */
  | { create: false }
  /** Writing: create the data directory and the store, and the account in it. */
  | { create: true; accountId: string };

/**
 * The store of `--store`, else `<data-dir>/credplane.db`.
 *
 * @example
 * const store = await openCliStore(opts, { create: false });
 */
export async function openCliStore(opts: StoreLocation, mode: OpenMode): Promise<Store> {
  const file = path.join(opts.dataDir, 'credplane.db');
  if (opts.store === undefined) {
    if (mode.create) fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    else if (!fs.existsSync(file)) throw new NoStoreError(file);
  }
  const store = await openStore(opts.store ?? file);
  if (mode.create) {
    try {
      if (!(await store.listAccounts()).some((a) => a.accountId === mode.accountId)) {
        await store.createAccount({ accountId: mode.accountId });
      }
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  return store;
}

/**
 * Runs `work` with the store open, and closes it after.
 *
 * @example
 * await withCliStore(opts, { create: false }, async (store) => store.listAccounts());
 */
export async function withCliStore<T>(
  opts: StoreLocation,
  mode: OpenMode,
  work: (store: Store) => Promise<T>,
): Promise<T> {
  const store = await openCliStore(opts, mode);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
