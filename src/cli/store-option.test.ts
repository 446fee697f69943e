import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NoStoreError, openCliStore, withCliStore } from './store-option.js';

const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-store-option-'));

describe('openCliStore', () => {
  it('refuses, for reading, a data directory without a store, and creates nothing there', async () => {
    const dir = path.join(tempDir(), 'mistyped');
    const opening = openCliStore({ dataDir: dir }, { create: false });
    await expect(opening).rejects.toBeInstanceOf(NoStoreError);
    await expect(opening).rejects.toThrow(
      `no credplane store at ${path.join(dir, 'credplane.db')} (pass the --data-dir of \`credplane up\`, or --store)`,
    );
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('creates, for writing, the data directory (owner only), the store and the account', async () => {
    const dir = path.join(tempDir(), 'new');
    await withCliStore({ dataDir: dir }, { create: true, accountId: '111122223333' }, async () => undefined);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    const accounts = await withCliStore({ dataDir: dir }, { create: false }, (store) => store.listAccounts());
    expect(accounts.map((a) => a.accountId)).toEqual(['111122223333']);
  });

  it('opens --store instead of <data-dir>/credplane.db, and does not create the data directory for it', async () => {
    const root = tempDir();
    const file = path.join(root, 'elsewhere.db');
    const dataDir = path.join(root, 'unused');
    await withCliStore(
      { dataDir, store: file },
      { create: true, accountId: '111122223333' },
      async () => undefined,
    );
    expect(fs.existsSync(file)).toBe(true);
    expect(fs.existsSync(dataDir)).toBe(false);
    const accounts = await withCliStore({ dataDir, store: file }, { create: false }, (s) => s.listAccounts());
    expect(accounts.map((a) => a.accountId)).toEqual(['111122223333']);
  });
});
