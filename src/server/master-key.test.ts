import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMasterKey, MasterKeyError, parseMasterKey } from './master-key.js';

let dataDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-master-key-'));
});
afterEach(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const keyFile = () => path.join(dataDir, 'master.key');

/** The same 32 bytes spelled with a non-zero value in the 2 unused bits of the last character. */
function withTrailingBits(canonical: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const last = alphabet.indexOf(canonical[42]!);
  return `${canonical.slice(0, 42)}${alphabet[last | 1]}=`;
}

describe('parseMasterKey', () => {
  const key = randomBytes(32);

  it.each([
    ['hex', key.toString('hex')],
    ['upper-case hex', key.toString('hex').toUpperCase()],
    ['base64', key.toString('base64')],
    ['base64 without padding', key.toString('base64').replace(/=$/, '')],
    ['base64url', key.toString('base64url')],
    ['base64 with a trailing newline', `${key.toString('base64')}\n`],
  ])('accepts %s of 32 bytes', (_, text) => {
    expect(parseMasterKey(text)).toEqual(key);
  });

  it.each([
    ['empty', ''],
    ['31 bytes of hex', randomBytes(31).toString('hex')],
    ['33 bytes of hex', randomBytes(33).toString('hex')],
    ['31 bytes of base64', randomBytes(31).toString('base64')],
    ['33 bytes of base64', randomBytes(33).toString('base64')],
    ['a passphrase', 'correct horse battery staple correct horse!'],
    ['hex with a stray character', `${key.toString('hex').slice(0, 63)}g`],
    ['base64 with non-zero trailing bits', withTrailingBits(key.toString('base64'))],
  ])('rejects %s', (_, text) => {
    expect(parseMasterKey(text)).toBeUndefined();
  });
});

describe('loadMasterKey from CREDPLANE_MASTER_KEY', () => {
  it('uses the variable and touches no file', () => {
    const key = randomBytes(32);
    const loaded = loadMasterKey({ dataDir, env: { CREDPLANE_MASTER_KEY: key.toString('base64') } });
    expect(loaded).toEqual({ key, source: 'env' });
    expect(fs.existsSync(keyFile())).toBe(false);
  });

  it('rejects a malformed value with a clear message that does not echo it', () => {
    const value = randomBytes(16).toString('hex');
    let thrown: unknown;
    try {
      loadMasterKey({ dataDir, env: { CREDPLANE_MASTER_KEY: value } });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MasterKeyError);
    expect((thrown as Error).message).toMatch(
      /CREDPLANE_MASTER_KEY must be the base64 or hex encoding of exactly 32/,
    );
    expect((thrown as Error).message).not.toContain(value);
  });

  it('rejects an empty value rather than silently falling back to the file', () => {
    expect(() => loadMasterKey({ dataDir, env: { CREDPLANE_MASTER_KEY: '' } })).toThrow(MasterKeyError);
  });
});

describe('loadMasterKey from <dataDir>/master.key', () => {
  it('creates the file with mode 0600 on first use and reads the same key afterwards', () => {
    const created = loadMasterKey({ dataDir, env: {} });
    expect(created.source).toBe('created');
    expect(created.file).toBe(keyFile());
    expect(created.key).toHaveLength(32);
    expect(fs.statSync(keyFile()).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dataDir)).toEqual(['master.key']); // the temporary file is gone
    const again = loadMasterKey({ dataDir, env: {} });
    expect(again.source).toBe('file');
    expect(again.key).toEqual(created.key);
  });

  it('creates a missing data directory', () => {
    const nested = path.join(dataDir, 'a', 'b');
    const created = loadMasterKey({ dataDir: nested, env: {} });
    expect(fs.statSync(path.join(nested, 'master.key')).mode & 0o777).toBe(0o600);
    expect(loadMasterKey({ dataDir: nested, env: {} }).key).toEqual(created.key);
  });

  it('refuses a group/world-readable key file (0644)', () => {
    fs.writeFileSync(keyFile(), randomBytes(32).toString('hex'), { mode: 0o644 });
    fs.chmodSync(keyFile(), 0o644);
    expect(() => loadMasterKey({ dataDir, env: {} })).toThrow(MasterKeyError);
    expect(() => loadMasterKey({ dataDir, env: {} })).toThrow(/mode 0644.*chmod 600/);
    fs.chmodSync(keyFile(), 0o640);
    expect(() => loadMasterKey({ dataDir, env: {} })).toThrow(/mode 0640/);
  });

  it('reads base64, hex and raw 32-byte key files', () => {
    const key = randomBytes(32);
    for (const content of [key.toString('base64') + '\n', key.toString('hex'), key]) {
      fs.writeFileSync(keyFile(), content, { mode: 0o600 });
      expect(loadMasterKey({ dataDir, env: {} })).toEqual({ key, source: 'file', file: keyFile() });
      fs.rmSync(keyFile());
    }
  });

  it('refuses a key file that holds no key, without echoing it', () => {
    fs.writeFileSync(keyFile(), 'not-a-key-but-maybe-a-password\n', { mode: 0o600 });
    expect(() => loadMasterKey({ dataDir, env: {} })).toThrow(/must hold 32 bytes/);
    try {
      loadMasterKey({ dataDir, env: {} });
    } catch (error) {
      expect((error as Error).message).not.toContain('maybe-a-password');
    }
  });

  it('refuses a symbolic link and a directory', () => {
    const target = path.join(dataDir, 'elsewhere.key');
    fs.writeFileSync(target, randomBytes(32).toString('hex'), { mode: 0o600 });
    fs.symlinkSync(target, keyFile());
    expect(() => loadMasterKey({ dataDir, env: {} })).toThrow(/symbolic link/);
    fs.rmSync(keyFile());
    fs.mkdirSync(keyFile());
    expect(() => loadMasterKey({ dataDir, env: {} })).toThrow(MasterKeyError);
  });

  it('never overwrites an existing key file', () => {
    const key = randomBytes(32);
    fs.writeFileSync(keyFile(), key.toString('base64'), { mode: 0o600 });
    for (let i = 0; i < 3; i++) expect(loadMasterKey({ dataDir, env: {} }).key).toEqual(key);
    expect(fs.readFileSync(keyFile(), 'utf8')).toBe(key.toString('base64'));
  });
});
