/**
 * The access log survives the process: `kill -9` in the middle of a burst of IAM calls, then open
 * the store the dead process left behind and find an event for every call whose 200 the client
 * received. And the data directory and the files that hold the log are private to the owner,
 * whatever the directory's mode was before `credplane up` (here 0755 under umask 022).
 */
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import { ACCOUNT, ADMIN, startCredplane, tempDir, type Credplane } from './support.js';

process.env.AWS_EC2_METADATA_DISABLED = 'true';
const isolation = tempDir('durability-env');
fs.writeFileSync(path.join(isolation, 'none'), '');
process.env.AWS_CONFIG_FILE = path.join(isolation, 'none');
process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(isolation, 'none');

const trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
  ],
});

describe('the access log across kill -9', () => {
  let plane: Credplane | undefined;
  afterAll(async () => {
    // A process killed by a signal has `exitCode` null: only stop one still running.
    if (plane !== undefined && plane.process.exitCode === null && plane.process.signalCode === null) {
      await plane.stop('SIGKILL');
    }
  });

  it('holds an event for every CreateRole that was answered 200, and keeps its files private', async () => {
    const previousUmask = process.umask(0o022);
    const dataDir = tempDir('durability');
    fs.chmodSync(dataDir, 0o755);
    try {
      plane = await startCredplane({ dataDir });
    } finally {
      process.umask(previousUmask);
    }
    const running = plane;
    const client = new IAMClient({
      endpoint: running.url,
      region: 'us-east-1',
      credentials: ADMIN,
      maxAttempts: 1,
    });

    // A bounded burst: 8 callers, at most 400 calls; the server dies once 40 have been answered.
    const acknowledged: string[] = [];
    let next = 0;
    let killed = false;
    const exited = new Promise<void>((resolve) => running.process.once('exit', () => resolve()));
    const caller = async (): Promise<void> => {
      while (!killed && next < 400) {
        const roleName = `burst-${next++}`;
        try {
          const out = await client.send(
            new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: trust }),
          );
          if (out.$metadata.httpStatusCode === 200) acknowledged.push(roleName);
        } catch {
          // The server died under this call: it was never answered.
          continue;
        }
        if (acknowledged.length >= 40 && !killed) {
          killed = true;
          running.process.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, caller));
    await exited;
    client.destroy();
    expect(killed).toBe(true);
    expect(acknowledged.length).toBeGreaterThanOrEqual(40);

    const store = await openStore(path.join(dataDir, 'credplane.db'));
    try {
      const events = await store.listAccessEvents({ accountId: ACCOUNT, limit: 10_000 });
      const logged = new Set(
        events
          .filter((e) => e.eventName === 'CreateRole' && e.errorCode === undefined)
          .map((e) => (e.record as { requestParameters: { roleName: string } }).requestParameters.roleName),
      );
      const missing = acknowledged.filter((name) => !logged.has(name));
      expect(missing).toEqual([]);
    } finally {
      await store.close();
    }

    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    const files = fs.readdirSync(dataDir).filter((f) => /^credplane\.db(-wal|-shm)?$/.test(f));
    expect(files).toContain('credplane.db');
    for (const file of files) {
      expect({ file, mode: fs.statSync(path.join(dataDir, file)).mode & 0o777 }).toEqual({
        file,
        mode: 0o600,
      });
    }
  });
});
