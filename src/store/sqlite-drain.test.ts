/**
 * The SQLite drain in a worker thread (sqlite-drain.ts): events reach the store through the
 * worker's own connection, and a worker that dies mid-batch loses no acknowledged event — the
 * queue retries on a new worker, and a log abandoned after the worker died is replayed from its
 * journal (docs/access-log.md).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { journalKey } from '../audit/journal-format.js';
import { replayJournals } from '../audit/journal-replay.js';
import { JournaledAccessLog } from '../audit/journaled-log.js';
import { openSqliteStore } from './sqlite.js';
import { DrainWorkerError, SqliteAccessLogWriter } from './sqlite-drain.js';
import type { AccessEventInput, Store } from './store.js';

const KEY = journalKey(Buffer.alloc(32, 5));
const ACCOUNT = '111122223333';

function event(n: number): AccessEventInput {
  return {
    eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    eventTime: new Date(1_800_000_000_000 + n),
    accountId: ACCOUNT,
    roleName: 'Web',
    channel: 'sts',
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRole',
    decision: 'allow',
    accesses: [{ action: 'sts:AssumeRole', resource: `arn:aws:iam::${ACCOUNT}:role/Web`, allowed: true }],
    record: { n, nested: { list: [1, 'two'] } },
  };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});

async function setup(): Promise<{ dir: string; file: string; store: Store; writer: SqliteAccessLogWriter }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-drain-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'credplane.db');
  const store = await openSqliteStore({ file });
  cleanups.push(() => store.close());
  await store.createAccount({ accountId: ACCOUNT });
  const writer = new SqliteAccessLogWriter({ file });
  cleanups.push(() => writer.close());
  return { dir, file, store, writer };
}

async function storedIds(store: Store): Promise<string[]> {
  return (await store.listAccessEvents({ limit: 100_000 })).map((e) => e.eventId).sort();
}

describe('SqliteAccessLogWriter', () => {
  it('writes batches through its worker, as the store itself would (records, aggregates, duplicates skipped)', async () => {
    const { store, writer } = await setup();
    await writer.appendAccessEvents([event(1), event(2)]);
    await writer.appendAccessEvents([event(2), event(3)]); // 2 again: skipped, counted once
    const events = await store.listAccessEvents({});
    expect(events.map((e) => e.eventId)).toEqual([event(1), event(2), event(3)].map((e) => e.eventId));
    expect(events[1]?.record).toEqual({ n: 2, nested: { list: [1, 'two'] } });
    expect(events[1]?.eventTime.toISOString()).toBe(event(2).eventTime.toISOString());
    const last = await store.listLastAccessed(ACCOUNT);
    expect(last).toHaveLength(1);
    expect(last[0]?.allowedCount).toBe(3);
    expect(writer.started).toBe(1);
  });

  it('rejects a batch the worker cannot write, naming the error and not the event, and keeps working', async () => {
    const { store, writer } = await setup();
    // A time that has no ISO form: the worker's store throws a RangeError for the batch.
    const broken = { ...event(9), eventTime: new Date(Number.NaN), record: { secret: 'do-not-echo' } };
    const failure = await writer.appendAccessEvents([event(8), broken]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DrainWorkerError);
    expect((failure as Error).message).toBe('access log worker: RangeError');
    expect(await storedIds(store)).toEqual([]); // the batch's transaction rolled back as a whole
    await writer.appendAccessEvents([event(8)]);
    expect(await storedIds(store)).toEqual([event(8).eventId]);
    expect(writer.started).toBe(1);
  });

  it('rejects the batches in flight when the worker dies, and starts a new one for the next', async () => {
    const { store, writer } = await setup();
    await writer.appendAccessEvents([event(1)]);
    const inFlight = writer.appendAccessEvents([event(2)]);
    await writer.terminate();
    await expect(inFlight).rejects.toBeInstanceOf(DrainWorkerError);
    await writer.appendAccessEvents([event(3)]);
    expect(writer.started).toBe(2);
    // Event 2 may or may not have been committed before the worker died; 1 and 3 are there.
    expect(await storedIds(store)).toEqual(expect.arrayContaining([event(1).eventId, event(3).eventId]));
  });

  it('refuses batches once closed', async () => {
    const { writer } = await setup();
    await writer.close();
    await expect(writer.appendAccessEvents([event(1)])).rejects.toBeInstanceOf(DrainWorkerError);
  });
});

describe('JournaledAccessLog on the worker drain', () => {
  it('loses no acknowledged event when the worker is killed mid-drain: the queue retries on a new worker', async () => {
    const { dir, store, writer } = await setup();
    const log = new JournaledAccessLog({
      dir: path.join(dir, 'access-journal'),
      key: KEY,
      store: writer,
      drainDelayMs: 1,
      batchSize: 10,
      afterClose: () => writer.close(),
    });
    const acknowledged: string[] = [];
    for (let n = 1; n <= 200; n++) if (await log.commit(event(n))) acknowledged.push(event(n).eventId);
    expect(acknowledged).toHaveLength(200);
    await new Promise((resolve) => setTimeout(resolve, 5)); // let a batch reach the worker
    await writer.terminate();
    await log.flush();
    expect(writer.started).toBeGreaterThanOrEqual(2);
    expect(await storedIds(store)).toEqual([...acknowledged].sort());
    await log.close();
    // Everything drained: the journal is gone, and the worker with it.
    expect(fs.readdirSync(path.join(dir, 'access-journal'))).toEqual([]);
  });

  it('loses no acknowledged event when the worker dies and the process goes with it: the journal replays', async () => {
    const { dir, file, store, writer } = await setup();
    const journalDir = path.join(dir, 'access-journal');
    // A drain that never gets to run: the process "dies" with every event still in the journal.
    const log = new JournaledAccessLog({ dir: journalDir, key: KEY, store: writer, drainDelayMs: 60_000 });
    const acknowledged: string[] = [];
    for (let n = 1; n <= 50; n++) if (await log.commit(event(n))) acknowledged.push(event(n).eventId);
    await writer.terminate();
    log.journal.close(); // what the kernel does for a killed process: the file stays
    expect(await storedIds(store)).toEqual([]);
    // The next start replays the journal of a process that is gone (here: this pid, as for pid 1 in a container).
    const restarted = await openSqliteStore({ file });
    cleanups.push(() => restarted.close());
    const result = await replayJournals({ dir: journalDir, key: KEY, store: restarted });
    expect(result.events).toBe(50);
    expect(await storedIds(store)).toEqual([...acknowledged].sort());
  });
});
