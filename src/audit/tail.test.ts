import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../store/open.js';
import type { AccessEventInput, Store } from '../store/store.js';
import { AccessEventFollower, lastEvents } from './tail.js';

const ACCOUNT = '111122223333';
const T0 = Date.parse('2026-11-29T09:00:00Z');

function event(n: number, atMs: number, decision: AccessEventInput['decision'] = 'allow'): AccessEventInput {
  return {
    eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    eventTime: new Date(atMs),
    accountId: ACCOUNT,
    roleName: n % 2 === 0 ? 'even' : 'odd',
    channel: 'gateway',
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    decision,
    record: { n },
  };
}

let store: Store;
beforeEach(async () => {
  store = await openStore(':memory:');
  await store.createAccount({ accountId: ACCOUNT });
});
afterEach(async () => {
  await store.close();
});

const ids = (events: { eventId: string }[]): number[] => events.map((e) => Number(e.eventId.slice(-12)));

describe('lastEvents', () => {
  it('returns the newest `limit` of the window, oldest first, across pages', async () => {
    await store.appendAccessEvents(Array.from({ length: 25 }, (_, i) => event(i, T0 + i * 1000)));
    expect(ids(await lastEvents(store, { since: new Date(T0) }, 4, 7))).toEqual([21, 22, 23, 24]);
    expect(ids(await lastEvents(store, { since: new Date(T0 + 20_000), roleName: 'even' }, 100, 2))).toEqual([
      20, 22, 24,
    ]);
  });
});

describe('AccessEventFollower', () => {
  it('returns each new event once, including one written late with an earlier time', async () => {
    await store.appendAccessEvents([event(1, T0), event(2, T0 + 1000)]);
    const follower = new AccessEventFollower(store, { since: new Date(T0 - 60_000) }, { pageSize: 2 });
    follower.seen(await lastEvents(store, { since: new Date(T0 - 60_000) }, 100));
    expect(await follower.poll()).toEqual([]);

    await store.appendAccessEvents([event(3, T0 + 5000), event(4, T0 + 6000), event(5, T0 + 7000)]);
    expect(ids(await follower.poll())).toEqual([3, 4, 5]);
    // A batch flushed late: its event happened before the newest one already shown.
    await store.appendAccessEvents([event(6, T0 + 4000)]);
    expect(ids(await follower.poll())).toEqual([6]);
    expect(await follower.poll()).toEqual([]);
  });

  it('keeps the filter (denied only)', async () => {
    const follower = new AccessEventFollower(store, { deniedOnly: true });
    await store.appendAccessEvents([event(1, T0), event(2, T0 + 1, 'deny'), event(3, T0 + 2, 'audit-deny')]);
    expect(ids(await follower.poll())).toEqual([2, 3]);
  });
});
