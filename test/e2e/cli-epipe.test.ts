/**
 * `credplane logs ... | head`: when the reader of stdout goes away early, the command ends quietly
 * (exit 0, nothing on stderr) instead of dying on an unhandled EPIPE with a stack trace.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { AccessEventInput } from '../../src/store/store.js';
import { ACCOUNT, CLI, isolatedEnv, tempDir } from './support.js';

/** A data directory whose access log prints far more than a pipe buffer (64 KiB) holds. */
async function dataDirWithManyEvents(): Promise<string> {
  const dataDir = tempDir('epipe');
  const store = await openStore(path.join(dataDir, 'credplane.db'));
  try {
    await store.createAccount({ accountId: ACCOUNT });
    const now = Date.now();
    const events: AccessEventInput[] = Array.from({ length: 2000 }, (_, i) => ({
      eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      eventTime: new Date(now - 60_000 + i),
      accountId: ACCOUNT,
      roleName: 'reader',
      channel: 'gateway',
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      decision: 'allow',
      record: { requestParameters: { bucketName: 'logs', key: `object-${i}-${'x'.repeat(200)}` } },
    }));
    await store.appendAccessEvents(events);
  } finally {
    await store.close();
  }
  return dataDir;
}

/** Runs the CLI, reads its first chunk of stdout, then closes the pipe (as `head -1` does). */
function runAndCloseEarly(args: string[], dir: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: isolatedEnv(dir),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.once('data', () => child.stdout.destroy());
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

describe('a closed stdout (credplane logs | head)', () => {
  it.each([['table'], ['json'], ['cloudtrail']])(
    '--format %s ends with exit 0 and no stack trace',
    async (format) => {
      const dataDir = await dataDirWithManyEvents();
      const result = await runAndCloseEarly(
        ['logs', '--data-dir', dataDir, '--format', format, '--limit', '2000', '--since', '1h'],
        dataDir,
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    },
  );
});
