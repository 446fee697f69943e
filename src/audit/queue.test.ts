import type { Logger } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { AccessEventInput } from '../store/store.js';
import { AccessLogQueue } from './queue.js';

function event(n: number): AccessEventInput {
  return {
    eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    eventTime: new Date(1_800_000_000_000 + n),
    accountId: '111122223333',
    roleName: 'web',
    channel: 'gateway',
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    decision: 'allow',
    record: { n },
  };
}

/** A store that records each batch's event ids, and fails while `failures` > 0. */
function fakeStore(failures = 0) {
  const batches: string[][] = [];
  const stored = new Set<string>();
  let left = failures;
  return {
    batches,
    stored,
    appendAccessEvents: vi.fn(async (events: AccessEventInput[]) => {
      await Promise.resolve();
      batches.push(events.map((e) => e.eventId));
      if (left > 0) {
        left--;
        throw Object.assign(new Error('SQLITE_BUSY near "secretAccessKey=wJalrXUtnFEMI"'), {
          code: 'SQLITE_BUSY',
        });
      }
      for (const e of events) stored.add(e.eventId);
    }),
  };
}

// A timer, then an immediate: whichever of a 0 ms timer and the queue's `setImmediate` the event
// loop runs first on a busy machine, every immediate queued before this one has run.
const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(() => setImmediate(resolve), ms));

describe('AccessLogQueue', () => {
  it('answers each commit only once the store holds its event, off the calling turn', async () => {
    const store = fakeStore();
    const queue = new AccessLogQueue({ store, batchSize: 3 });
    const answered: boolean[] = [];
    const commits = Array.from({ length: 7 }, (_, i) =>
      queue.commit(event(i)).then((ok) => {
        // Resolved only after the store call that carried this event returned.
        expect(store.stored.has(event(i).eventId)).toBe(true);
        answered.push(ok);
      }),
    );
    // Nothing is written inside commit: the request handler never runs the store write itself.
    expect(store.appendAccessEvents).not.toHaveBeenCalled();
    await Promise.all(commits);
    expect(answered).toEqual(Array(7).fill(true));
    expect(store.batches.map((b) => b.length)).toEqual([3, 3, 1]);
    expect(queue.stats()).toMatchObject({ queued: 0, written: 7, refused: 0, dropped: 0, failedBatches: 0 });
  });

  it('group-commits: events that arrive during a write share the next transaction', async () => {
    let release!: () => void;
    const first = new Promise<void>((resolve) => (release = resolve));
    const batches: number[] = [];
    const store = {
      appendAccessEvents: vi.fn(async (events: AccessEventInput[]) => {
        batches.push(events.length);
        if (batches.length === 1) await first;
      }),
    };
    const queue = new AccessLogQueue({ store, batchSize: 100 });
    const one = queue.commit(event(0));
    await tick();
    expect(batches).toEqual([1]);
    // Five requests while the first write is in progress: one transaction for all five.
    const more = Array.from({ length: 5 }, (_, i) => queue.commit(event(i + 1)));
    await tick();
    expect(batches).toEqual([1]);
    release();
    expect(await Promise.all([one, ...more])).toEqual(Array(6).fill(true));
    expect(batches).toEqual([1, 5]);
  });

  it('an appended event rides with the next commit, or is written alone after lazyDelayMs', async () => {
    const store = fakeStore();
    const queue = new AccessLogQueue({ store, lazyDelayMs: 20 });
    expect(queue.append(event(1))).toBe(true);
    await tick();
    expect(store.appendAccessEvents).not.toHaveBeenCalled();
    // A request's commit arrives: one transaction carries both.
    expect(await queue.commit(event(2))).toBe(true);
    expect(store.batches).toEqual([[event(1).eventId, event(2).eventId]]);
    // Alone, it is written once the delay has passed.
    queue.append(event(3));
    await tick(5);
    expect(store.batches).toHaveLength(1);
    await tick(40);
    expect(store.batches).toEqual([[event(1).eventId, event(2).eventId], [event(3).eventId]]);
    await queue.close();
    expect(queue.append(event(4))).toBe(false);
  });

  it('refuses commits when full (back-pressure) and counts them', async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const store = { appendAccessEvents: vi.fn(() => blocked) };
    const queue = new AccessLogQueue({ store, capacity: 3, batchSize: 2 });
    const accepted = [queue.commit(event(1)), queue.commit(event(2)), queue.commit(event(3))];
    expect(await queue.commit(event(4))).toBe(false);
    await tick(5);
    // The batch being written still counts against capacity until the store has it.
    expect(store.appendAccessEvents).toHaveBeenCalledTimes(1);
    expect(await queue.commit(event(5))).toBe(false);
    expect(queue.stats()).toMatchObject({ queued: 3, refused: 2 });
    release();
    expect(await Promise.all(accepted)).toEqual([true, true, true]);
    expect(await queue.commit(event(6))).toBe(true);
    await queue.close();
    expect(queue.stats()).toMatchObject({ written: 4, refused: 2, queued: 0 });
  });

  it('answers false when the store has not taken the event by the deadline, and keeps it queued', async () => {
    const store = fakeStore(3);
    const queue = new AccessLogQueue({ store, batchSize: 10, retryDelayMs: 40, commitTimeoutMs: 20 });
    expect(await queue.commit(event(1))).toBe(false);
    expect(queue.stats()).toMatchObject({ timedOut: 1 });
    // The event is not lost: it is written once the store recovers (a refused call may be logged).
    await queue.flush();
    expect(store.stored.has(event(1).eventId)).toBe(true);
    expect(queue.stats()).toMatchObject({ written: 1, queued: 0 });
  });

  it('retries a failed batch with the same event ids, and logs no event content', async () => {
    const store = fakeStore(2);
    const logger = { warn: vi.fn(), error: vi.fn() } as unknown as Logger;
    const queue = new AccessLogQueue({ store, batchSize: 10, retryDelayMs: 1, logger });
    const commits = [queue.commit(event(1)), queue.commit(event(2))];
    expect(await Promise.all(commits)).toEqual([true, true]);
    expect(store.batches).toHaveLength(3);
    expect(store.batches[2]).toEqual(store.batches[0]);
    expect(store.stored.size).toBe(2);
    expect(queue.stats()).toMatchObject({ written: 2, failedBatches: 2, queued: 0 });
    const logged = JSON.stringify((logger.warn as ReturnType<typeof vi.fn>).mock.calls);
    expect(logged).toContain('SQLITE_BUSY');
    expect(logged).not.toContain('wJalr');
    expect(logged).not.toContain('GetObject');
  });

  it('drains everything on close and refuses later commits', async () => {
    const store = fakeStore();
    const queue = new AccessLogQueue({ store, batchSize: 4 });
    const commits = Array.from({ length: 10 }, (_, i) => queue.commit(event(i)));
    await queue.close();
    expect(store.stored.size).toBe(10);
    expect(await Promise.all(commits)).toEqual(Array(10).fill(true));
    expect(await queue.commit(event(11))).toBe(false);
    expect(queue.stats()).toMatchObject({ written: 10, refused: 1, queued: 0, dropped: 0 });
  });

  it('gives up after the close timeout when the store stays down, counting the dropped events', async () => {
    const store = fakeStore(Number.POSITIVE_INFINITY);
    const logger = { warn: vi.fn(), error: vi.fn() } as unknown as Logger;
    const queue = new AccessLogQueue({ store, retryDelayMs: 5, maxRetryDelayMs: 10, logger });
    const commits = [queue.commit(event(1)), queue.commit(event(2))];
    await queue.close(60);
    expect(await Promise.all(commits)).toEqual([false, false]);
    expect(queue.stats()).toMatchObject({ written: 0, dropped: 2, queued: 0 });
    expect(logger.error).toHaveBeenCalledWith({ dropped: 2 }, expect.any(String));
  });

  it('rejects a capacity or batch size below one', () => {
    expect(() => new AccessLogQueue({ store: fakeStore(), capacity: 0 })).toThrow(RangeError);
    expect(() => new AccessLogQueue({ store: fakeStore(), batchSize: 0 })).toThrow(RangeError);
  });
});
