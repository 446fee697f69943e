import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AccessEventInput } from '../store/store.js';
import { journalKey } from './journal-format.js';
import { replayJournals } from './journal-replay.js';
import { JournaledAccessLog } from './journaled-log.js';

const KEY = journalKey(Buffer.alloc(32, 3));

function event(n: number): AccessEventInput {
  return {
    eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    eventTime: new Date(1_800_000_000_000 + n),
    accountId: '111122223333',
    channel: 'sts',
    eventSource: 'sts.amazonaws.com',
    eventName: 'GetCallerIdentity',
    decision: 'allow',
    record: { n },
  };
}

/** A store that keeps event ids (skipping ones it has), and fails while `down`. */
function fakeStore() {
  const stored: string[] = [];
  const s = {
    down: false,
    stored,
    writes: 0,
    appendAccessEvents: async (events: AccessEventInput[]) => {
      await Promise.resolve();
      if (s.down) throw Object.assign(new Error('down'), { code: 'ECONNREFUSED' });
      s.writes++;
      for (const e of events) if (!stored.includes(e.eventId)) stored.push(e.eventId);
    },
  };
  return s;
}

const dirs: string[] = [];
const logs: JournaledAccessLog[] = [];
afterEach(async () => {
  for (const log of logs.splice(0)) await log.close(100);
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-jlog-'));
  dirs.push(dir);
  return dir;
}

function open(
  dir: string,
  store: ReturnType<typeof fakeStore>,
  extra: { capacity?: number; maxSegmentBytes?: number; batchSize?: number } = {},
) {
  const log = new JournaledAccessLog({ dir, key: KEY, store, drainDelayMs: 5, ...extra });
  logs.push(log);
  return log;
}

describe('JournaledAccessLog', () => {
  it('answers once the event is journaled, drains batches into the store, then deletes the journal', async () => {
    const dir = tempDir();
    const store = fakeStore();
    const log = open(dir, store);
    const answers = await Promise.all([1, 2, 3].map((n) => log.commit(event(n))));
    expect(answers).toEqual([true, true, true]);
    // Answered before any store write: the journal holds them.
    expect(store.stored).toEqual([]);
    expect(fs.readFileSync(log.journal.files()[0]!, 'utf8').split('\n')).toHaveLength(4);
    expect(log.append(event(4))).toBe(true);
    await log.flush();
    expect(store.stored).toEqual([1, 2, 3, 4].map((n) => event(n).eventId));
    // Four events, one store write.
    expect(store.writes).toBe(1);
    await log.close();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('writes the events committed in one turn with one write(2), and answers none before it', async () => {
    const dir = tempDir();
    const store = fakeStore();
    const log = open(dir, store);
    const writes = vi.spyOn(fs, 'writeSync');
    try {
      let answered = 0;
      const answers = [1, 2, 3].map((n) => log.commit(event(n)).then((ok) => (answered++, ok)));
      // Nothing is answered (nor written) within the turn that committed them.
      await Promise.resolve();
      expect(answered).toBe(0);
      expect(fs.readFileSync(log.journal.files()[0]!, 'utf8')).toBe('');
      expect(await Promise.all(answers)).toEqual([true, true, true]);
      expect(writes).toHaveBeenCalledTimes(1);
      // Committed in a later turn: a write of its own.
      expect(await log.commit(event(4))).toBe(true);
      expect(writes).toHaveBeenCalledTimes(2);
    } finally {
      writes.mockRestore();
    }
    const lines = fs.readFileSync(log.journal.files()[0]!, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    await log.flush();
    expect(store.stored).toEqual([1, 2, 3, 4].map((n) => event(n).eventId));
  });

  it('refuses every event of a turn whose write fails, and counts the waiting ones against the capacity', async () => {
    const dir = tempDir();
    const store = fakeStore();
    store.down = true;
    const log = open(dir, store, { capacity: 2 });
    // Two fit in the queue; the third of the same turn does not, although none is queued yet.
    expect(await Promise.all([1, 2, 3].map((n) => log.commit(event(n))))).toEqual([true, true, false]);
    store.down = false;
    await log.flush();
    const failing = vi.spyOn(fs, 'writeSync').mockImplementation(() => {
      throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
    });
    try {
      expect(await Promise.all([4, 5].map((n) => log.commit(event(n))))).toEqual([false, false]);
    } finally {
      failing.mockRestore();
    }
    await log.flush();
    expect(store.stored).toEqual([1, 2].map((n) => event(n).eventId));
    expect(log.stats()).toMatchObject({ journalFailures: 2 });
  });

  it('refuses when the journal cannot be written, and never answers an unjournaled event', async () => {
    const dir = tempDir();
    const store = fakeStore();
    const log = open(dir, store, { maxSegmentBytes: 1 });
    expect(await log.commit(event(1))).toBe(true);
    fs.rmSync(dir, { recursive: true });
    expect(await log.commit(event(2))).toBe(false);
    await log.flush();
    expect(store.stored).toEqual([event(1).eventId]);
    expect(log.stats()).toMatchObject({ journalFailures: 1, refused: 1 });
  });

  it('queues completions (append) without journaling them, and deletes each segment once its events are stored', async () => {
    const dir = tempDir();
    const store = fakeStore();
    // One record per segment: the drained count must match the journal's records exactly.
    const log = open(dir, store, { maxSegmentBytes: 1 });
    for (let n = 1; n <= 6; n += 2) {
      expect(await log.commit(event(n))).toBe(true);
      expect(log.append({ ...event(n), completes: true })).toBe(true);
    }
    expect(log.journal.files()).toHaveLength(3);
    await log.flush();
    // Only the segment being written is left, and it holds nothing undrained.
    expect(log.journal.files()).toHaveLength(1);
    expect(log.journal.empty).toBe(true);
    expect(await log.commit(event(7))).toBe(true);
    await log.flush();
    expect(log.journal.files()).toHaveLength(1);
    await log.close();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('never counts a completion as a journal record: a journal whose events are not stored survives', async () => {
    const dir = tempDir();
    const store = fakeStore();
    const log = open(dir, store, { maxSegmentBytes: 1, batchSize: 2 });
    // The first batch (event 1 and its completion) is stored; then the store goes down. (Set
    // before the commits: each commit waits for its turn's journal write, so a drain may start
    // between them.)
    const write = store.appendAccessEvents;
    store.appendAccessEvents = async (events) => {
      await write(events);
      store.down = true;
    };
    for (let n = 1; n <= 5; n += 2) {
      expect(await log.commit(event(n))).toBe(true);
      expect(log.append({ ...event(n), completes: true })).toBe(true);
    }
    await log.close(50);
    logs.length = 0;
    expect(store.stored).toEqual([event(1).eventId]);

    store.down = false;
    store.appendAccessEvents = write;
    const result = await replayJournals({ dir, key: KEY, store, staleMs: 0 });
    expect(result.events).toBe(2);
    expect(store.stored).toEqual([1, 3, 5].map((n) => event(n).eventId));
  });

  it('refuses beyond its capacity while the store is down, and the journal keeps what was answered', async () => {
    const dir = tempDir();
    const store = fakeStore();
    store.down = true;
    const log = open(dir, store, { capacity: 3 });
    const answers = await Promise.all([1, 2, 3, 4].map((n) => log.commit(event(n))));
    expect(answers).toEqual([true, true, true, false]);
    await log.close(50);
    logs.length = 0;

    // The next start in this data directory replays the three answered events.
    store.down = false;
    const result = await replayJournals({ dir, key: KEY, store, staleMs: 0 });
    expect(result).toMatchObject({ events: 3, damaged: 0 });
    expect(store.stored).toEqual([1, 2, 3].map((n) => event(n).eventId));
  });

  it('refuses an event the journal cannot encode alone, not the requests that share its write', async () => {
    const dir = tempDir();
    const store = fakeStore();
    const log = open(dir, store);
    // Past MAX_RECORD_BYTES (8 MiB): the journal refuses to encode it.
    const huge: AccessEventInput = { ...event(2), record: { padding: 'x'.repeat(9 * 1024 * 1024) } };
    const answers = await Promise.all([log.commit(event(1)), log.commit(huge), log.commit(event(3))]);
    expect(answers).toEqual([true, false, true]);
    expect(log.stats()).toMatchObject({ journalFailures: 1, refused: 1 });
    await log.flush();
    expect(store.stored).toEqual([1, 3].map((n) => event(n).eventId));
    expect(log.journal.empty).toBe(true);
  });

  it('refuses a committed event when completions fill the queue before its turn is written', async () => {
    const dir = tempDir();
    const store = fakeStore();
    store.down = true;
    const log = open(dir, store, { capacity: 2 });
    const waiting = [1, 2].map((n) => log.commit(event(n)));
    // Same turn, after both commits had room: a completion takes one of their two places.
    expect(log.append({ ...event(9), completes: true })).toBe(true);
    expect(await Promise.all(waiting)).toEqual([true, false]);
    await log.close(50);
    logs.length = 0;
    store.down = false;
    // The journal holds the answered event only.
    const result = await replayJournals({ dir, key: KEY, store, staleMs: 0 });
    expect(result).toMatchObject({ events: 1, damaged: 0, tornBytes: 0 });
    expect(store.stored).toEqual([event(1).eventId]);
  });

  it('refuses a whole turn on a short write, cuts it back, and the next turn and replay see no trace of it', async () => {
    const dir = tempDir();
    const store = fakeStore();
    store.down = true;
    const log = open(dir, store);
    expect(await log.commit(event(1))).toBe(true);
    const real = fs.writeSync;
    // The kernel takes part of the turn's buffer (a disk filling up): one record and a half.
    const short = vi
      .spyOn(fs, 'writeSync')
      .mockImplementation(((fd: number, buffer: Buffer) =>
        real(fd, buffer.subarray(0, Math.floor(buffer.length * 0.6)))) as typeof fs.writeSync);
    try {
      expect(await Promise.all([2, 3].map((n) => log.commit(event(n))))).toEqual([false, false]);
    } finally {
      short.mockRestore();
    }
    expect(await Promise.all([4, 5].map((n) => log.commit(event(n))))).toEqual([true, true]);
    await log.close(50);
    logs.length = 0;
    store.down = false;
    const result = await replayJournals({ dir, key: KEY, store, staleMs: 0 });
    expect(result).toMatchObject({ events: 3, damaged: 0, tornBytes: 0 });
    expect(store.stored).toEqual([1, 4, 5].map((n) => event(n).eventId));
  });
});
