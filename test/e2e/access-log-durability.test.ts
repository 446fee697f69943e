/**
 * The access log survives the process: `kill -9` in the middle of a burst of signed IAM and STS
 * calls, start `credplane up` again on the same data directory (it replays the journal the dead
 * process left, docs/access-log.md), and find an event for every call whose 200 the client
 * received. A journal record planted in the data directory without the key adds nothing. And the
 * data directory and the files that hold the log are private to the owner, whatever the
 * directory's mode was before `credplane up` (here 0755 under umask 022).
 */
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeRecord, journalKey } from '../../src/audit/journal-format.js';
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
  let restarted: Credplane | undefined;
  afterAll(async () => {
    // A process killed by a signal has `exitCode` null: only stop one still running.
    for (const p of [plane, restarted]) {
      if (p !== undefined && p.process.exitCode === null && p.process.signalCode === null) {
        await p.stop('SIGKILL');
      }
    }
  });

  it('holds an event for every CreateRole and GetCallerIdentity answered 200, and keeps its files private', async () => {
    const previousUmask = process.umask(0o022);
    const dataDir = tempDir('durability');
    fs.chmodSync(dataDir, 0o755);
    try {
      plane = await startCredplane({ dataDir });
    } finally {
      process.umask(previousUmask);
    }
    const running = plane;
    const options = { endpoint: running.url, region: 'us-east-1', credentials: ADMIN, maxAttempts: 1 };
    const iam = new IAMClient(options);
    const sts = new STSClient(options);

    // A bounded burst: 8 callers, at most 800 calls; the server dies once 100 have been answered.
    const roles: string[] = [];
    const identityCalls: string[] = [];
    let next = 0;
    let killed = false;
    const exited = new Promise<void>((resolve) => running.process.once('exit', () => resolve()));
    const caller = async (): Promise<void> => {
      while (!killed && next < 800) {
        const n = next++;
        try {
          if (n % 2 === 0) {
            const out = await iam.send(
              new CreateRoleCommand({ RoleName: `burst-${n}`, AssumeRolePolicyDocument: trust }),
            );
            if (out.$metadata.httpStatusCode === 200) roles.push(`burst-${n}`);
          } else {
            const out = await sts.send(new GetCallerIdentityCommand({}));
            if (out.$metadata.httpStatusCode === 200) identityCalls.push(out.$metadata.requestId!);
          }
        } catch {
          // The server died under this call: it was never answered.
          continue;
        }
        if (roles.length + identityCalls.length >= 100 && !killed) {
          killed = true;
          running.process.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, caller));
    await exited;
    iam.destroy();
    sts.destroy();
    expect(killed).toBe(true);
    expect(roles.length).toBeGreaterThanOrEqual(40);
    expect(identityCalls.length).toBeGreaterThanOrEqual(40);

    // The dead process's journal is private, like the store.
    const journalDir = path.join(dataDir, 'access-journal');
    expect(fs.statSync(journalDir).mode & 0o777).toBe(0o700);
    const journals = fs.readdirSync(journalDir);
    expect(journals.length).toBeGreaterThan(0);
    for (const file of journals) expect(fs.statSync(path.join(journalDir, file)).mode & 0o777).toBe(0o600);

    // An attacker who can write the data directory but lacks the master key plants records: one
    // under a dead writer's name, one appended to the real journal.
    const forged = (n: number) =>
      encodeRecord(journalKey(Buffer.alloc(32, 1)), {
        eventId: `forged-${n}`,
        eventTime: new Date(),
        accountId: ACCOUNT,
        channel: 'sts',
        eventSource: 'sts.amazonaws.com',
        eventName: 'ForgedCall',
        decision: 'allow',
        record: { forged: true },
      });
    const host = os
      .hostname()
      .replace(/[^A-Za-z0-9.-]/g, '-')
      .slice(0, 64);
    fs.writeFileSync(path.join(journalDir, `${host}-2147483646-abc-0badf00d.0.journal`), forged(1), {
      mode: 0o600,
    });
    fs.appendFileSync(path.join(journalDir, journals[0]!), Buffer.concat([forged(2), Buffer.from('{"torn')]));

    // The next start replays what the dead process journaled, then serves.
    restarted = await startCredplane({ dataDir });
    // Left: the new process's own journal only; the dead one's and the planted one are replayed and gone.
    expect(fs.readdirSync(journalDir).filter((f) => journals.includes(f) || f.includes('0badf00d'))).toEqual(
      [],
    );
    expect(fs.readdirSync(journalDir)).toHaveLength(1);
    await restarted.stop('SIGTERM');
    // A clean stop drains its own journal into the store and leaves none behind.
    expect(fs.readdirSync(journalDir)).toEqual([]);

    const store = await openStore(path.join(dataDir, 'credplane.db'));
    try {
      const events = await store.listAccessEvents({ accountId: ACCOUNT, limit: 10_000 });
      const logged = new Set(
        events
          .filter((e) => e.eventName === 'CreateRole' && e.errorCode === undefined)
          .map((e) => (e.record as { requestParameters: { roleName: string } }).requestParameters.roleName),
      );
      expect(roles.filter((name) => !logged.has(name))).toEqual([]);
      const identities = new Set(
        events
          .filter((e) => e.eventName === 'GetCallerIdentity')
          .map((e) => (e.record as { requestID: string }).requestID),
      );
      expect(identityCalls.filter((id) => !identities.has(id))).toEqual([]);
      expect(events.filter((e) => e.eventName === 'ForgedCall')).toEqual([]);
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
