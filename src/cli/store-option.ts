/**
 * The data directory and store options of the `credplane` commands.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Option } from 'commander';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';

export const dataDirOption = (): Option =>
  new Option('--data-dir <dir>', 'where state, keys and AWS config files live').default('.credplane');

/** The store of `--store` or `<data-dir>/credplane.db`, with the account present. */
export async function openDataStore(
  opts: { store?: string; dataDir: string },
  account: string,
): Promise<Store> {
  if (opts.store === undefined) fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const store = await openStore(opts.store ?? path.join(opts.dataDir, 'credplane.db'));
  if (!(await store.listAccounts()).some((a) => a.accountId === account)) {
    await store.createAccount({ accountId: account });
  }
  return store;
}
