import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { refreshAt, TokenFileRefresher, writeTokenFile } from './token-file.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-token-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  vi.useRealTimers();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('writeTokenFile', () => {
  it('writes the token exactly (no trailing newline), owner-only, leaving no temporary file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'sub', 'token');
    writeTokenFile(file, 'aaa.bbb.ccc');
    writeTokenFile(file, 'ddd.eee.fff');
    expect(fs.readFileSync(file, 'utf8')).toBe('ddd.eee.fff');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['token']);
  });

  it('refuses a token with CR or LF (SDKs reject such files)', () => {
    expect(() => writeTokenFile(path.join(tempDir(), 't'), 'a.b.c\n')).toThrow(/CR or LF/);
  });
});

describe('TokenFileRefresher', () => {
  it('renews at 80% of the lifetime', async () => {
    expect(refreshAt(1000, 2000)).toBe(1_800_000);
    vi.useFakeTimers();
    const dir = tempDir();
    const file = path.join(dir, 'token');
    let clock = 1_000_000;
    let n = 0;
    const refresher = new TokenFileRefresher({
      file,
      now: () => clock,
      mint: () => {
        n += 1;
        const issuedAt = Math.floor(clock / 1000);
        return Promise.resolve({ token: `token-${n}`, issuedAt, expiresAt: issuedAt + 1000 });
      },
    });
    await refresher.start();
    expect(fs.readFileSync(file, 'utf8')).toBe('token-1');
    clock += 799_000;
    await vi.advanceTimersByTimeAsync(799_000);
    expect(fs.readFileSync(file, 'utf8')).toBe('token-1');
    clock += 1000;
    await vi.advanceTimersByTimeAsync(1000);
    expect(fs.readFileSync(file, 'utf8')).toBe('token-2');
    refresher.stop();
  });
});
