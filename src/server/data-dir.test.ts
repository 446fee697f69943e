import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { privateDataDirectory } from './data-dir.js';

const root = mkdtempSync(join(tmpdir(), 'credplane-data-dir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const mode = (p: string) => statSync(p).mode & 0o7777;

describe('privateDataDirectory', () => {
  it('creates a missing directory 0700 and narrows an existing one of its own to 0700', () => {
    const fresh = join(root, 'a', 'b');
    privateDataDirectory(fresh);
    expect(mode(fresh)).toBe(0o700);
    const plain = join(root, 'plain');
    mkdirSync(plain);
    chmodSync(plain, 0o755);
    privateDataDirectory(plain);
    expect(mode(plain)).toBe(0o700);
  });

  // `credplane up` often runs as root: `--data-dir /tmp` must not make /tmp 0700 for everyone.
  it('refuses a directory others may write to (such as /tmp), and leaves its mode alone', () => {
    const shared = join(root, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    expect(() => privateDataDirectory(shared)).toThrow(/writable by others/);
    expect(mode(shared)).toBe(0o1777);
    const groupWritable = join(root, 'group');
    mkdirSync(groupWritable);
    chmodSync(groupWritable, 0o775);
    expect(() => privateDataDirectory(groupWritable)).toThrow(/writable by others/);
    expect(mode(groupWritable)).toBe(0o775);
  });

  it('refuses a path that is not a directory', () => {
    const file = join(root, 'file');
    writeFileSync(file, '');
    chmodSync(file, 0o644);
    expect(() => privateDataDirectory(file)).toThrow();
    expect(mode(file)).toBe(0o644);
  });
});
