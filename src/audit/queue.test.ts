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

const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('AccessLogQueue', () => {
  it('writes full batches at once, off the calling turn', async () => {
    const store = fakeStore();
    const queue = new AccessLogQueue({ store, batchSize: 3, flushIntervalMs: 10_000 });
    for (let i = 0; i < 7; i++) expect(queue.offer(event(i))).toBe(true);
    // Nothing is written inside offer: the request path never waits on the store.
    expect(store.appendAccessEvents).not.toHaveBeenCalled();
    await tick();
    await queue.flush();
    expect(store.batches.map((b) => b.length)).toEqual([3, 3, 1]);
    expect(store.stored.size).toBe(7);
    expect(queue.stats()).toMatchObject({ queued: 0, written: 7, refused: 0, dropped: 0, failedBatches: 0 });
  });

  it('writes a partial batch when the flush interval passes', async () => {
    const store = fakeStore();
    const queue = new AccessLogQueue({ store, batchSize: 100, flushIntervalMs: 20 });
    queue.offer(event(1));
    queue.offer(event(2));
    await tick(5);
    expect(store.appendAccessEvents).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(store.batches).toEqual([[event(1).eventId, event(2).eventId]]), {
      timeout: 1000,
    });
  });

  it('refuses offers when full (back-pressure) and counts them', async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const store = { appendAccessEvents: vi.fn(() => blocked) };
    const queue = new AccessLogQueue({ store, capacity: 3, batchSize: 2, flushIntervalMs: 1 });
    expect(queue.offer(event(1))).toBe(true);
    expect(queue.offer(event(2))).toBe(true);
    expect(queue.offer(event(3))).toBe(true);
    expect(queue.offer(event(4))).toBe(false);
    await tick(5);
    // The batch being written still counts against capacity until the store has it.
    expect(store.appendAccessEvents).toHaveBeenCalledTimes(1);
    expect(queue.offer(event(5))).toBe(false);
    expect(queue.stats()).toMatchObject({ queued: 3, refused: 2 });
    release();
    await queue.flush();
    expect(queue.offer(event(6))).toBe(true);
    await queue.close();
    expect(queue.stats()).toMatchObject({ written: 4, refused: 2, queued: 0 });
  });

  it('retries a failed batch with the same event ids, and logs no event content', async () => {
    const store = fakeStore(2);
    const logger = { warn: vi.fn(), error: vi.fn() } as unknown as Logger;
    const queue = new AccessLogQueue({ store, batchSize: 10, retryDelayMs: 1, logger });
    queue.offer(event(1));
    queue.offer(event(2));
    await queue.flush();
    expect(store.batches).toHaveLength(3);
    expect(store.batches[2]).toEqual(store.batches[0]);
    expect(store.stored.size).toBe(2);
    expect(queue.stats()).toMatchObject({ written: 2, failedBatches: 2, queued: 0 });
    const logged = JSON.stringify((logger.warn as ReturnType<typeof vi.fn>).mock.calls);
    expect(logged).toContain('SQLITE_BUSY');
    expect(logged).not.toContain('wJalr');
    expect(logged).not.toContain('GetObject');
  });

  it('drains everything on close and refuses later offers', async () => {
    const store = fakeStore();
    const queue = new AccessLogQueue({ store, batchSize: 4, flushIntervalMs: 60_000 });
    for (let i = 0; i < 10; i++) queue.offer(event(i));
    await queue.close();
    expect(store.stored.size).toBe(10);
    expect(queue.offer(event(11))).toBe(false);
    expect(queue.stats()).toMatchObject({ written: 10, refused: 1, queued: 0, dropped: 0 });
  });

  it('gives up after the close timeout when the store stays down, counting the dropped events', async () => {
    const store = fakeStore(Number.POSITIVE_INFINITY);
    const logger = { warn: vi.fn(), error: vi.fn() } as unknown as Logger;
    const queue = new AccessLogQueue({ store, retryDelayMs: 5, maxRetryDelayMs: 10, logger });
    queue.offer(event(1));
    queue.offer(event(2));
    const started = Date.now();
    await queue.close(60);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(queue.stats()).toMatchObject({ written: 0, dropped: 2, queued: 0 });
    expect(logger.error).toHaveBeenCalledWith({ dropped: 2 }, expect.any(String));
  });

  it('rejects a capacity or batch size below one', () => {
    expect(() => new AccessLogQueue({ store: fakeStore(), capacity: 0 })).toThrow(RangeError);
    expect(() => new AccessLogQueue({ store: fakeStore(), batchSize: 0 })).toThrow(RangeError);
  });
});
