/** The store's behavioural suite: the access log and role policy snapshots. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../store.js';
import { expectAwsError, type StoreSuite } from './support.js';

export function describeAccessLog(suite: StoreSuite): void {
  let store: Store;
  beforeAll(() => {
    store = suite.store;
  });
  const { newAccount, role } = suite;

  describe('access log', () => {
    const event = (acct: string, id: string, at: string, extra: Record<string, unknown> = {}) => ({
      eventId: id,
      eventTime: new Date(at),
      accountId: acct,
      roleName: 'Web',
      principalArn: `arn:aws:sts::${acct}:assumed-role/Web/s`,
      channel: 'gateway',
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      decision: 'allow' as const,
      record: { eventName: 'GetObject', requestParameters: { bucketName: 'b' } },
      accesses: [{ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', allowed: true }],
      ...extra,
    });

    it('appends events, lists them in time order with filters and a cursor', async () => {
      const acct = await newAccount();
      await store.appendAccessEvents([
        event(acct, 'e2', '2026-01-01T00:00:02.000Z'),
        event(acct, 'e1', '2026-01-01T00:00:01.000Z'),
        event(acct, 'e3', '2026-01-01T00:00:03.000Z', {
          decision: 'deny',
          errorCode: 'AccessDenied',
          roleName: 'Other',
        }),
      ]);
      const all = await store.listAccessEvents({ accountId: acct });
      expect(all.map((e) => e.eventId)).toEqual(['e1', 'e2', 'e3']);
      expect(all[0]).toMatchObject({
        channel: 'gateway',
        eventName: 'GetObject',
        record: { requestParameters: { bucketName: 'b' } },
      });
      expect(all[2]?.errorCode).toBe('AccessDenied');
      expect((await store.listAccessEvents({ accountId: acct, roleName: 'web' })).length).toBe(2);
      expect(
        (await store.listAccessEvents({ accountId: acct, deniedOnly: true })).map((e) => e.eventId),
      ).toEqual(['e3']);
      const since = await store.listAccessEvents({
        accountId: acct,
        since: new Date('2026-01-01T00:00:02Z'),
      });
      expect(since.map((e) => e.eventId)).toEqual(['e2', 'e3']);
      const after = await store.listAccessEvents({
        accountId: acct,
        after: { eventTime: new Date('2026-01-01T00:00:01Z'), eventId: 'e1' },
        limit: 1,
      });
      expect(after.map((e) => e.eventId)).toEqual(['e2']);
    });

    it('folds accesses into last-accessed aggregates once per event id', async () => {
      const acct = await newAccount();
      const first = event(acct, 'a1', '2026-01-01T00:00:05.000Z');
      await store.appendAccessEvents([first, event(acct, 'a2', '2026-01-01T00:00:01.000Z')]);
      // A retried batch: a1 again must not count twice.
      await store.appendAccessEvents([
        first,
        event(acct, 'a3', '2026-01-01T00:00:09.000Z', {
          decision: 'deny',
          accesses: [{ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', allowed: false }],
        }),
      ]);
      const rows = await store.listLastAccessed(acct);
      expect(rows).toEqual([
        {
          accountId: acct,
          roleName: 'Web',
          action: 's3:GetObject',
          resource: 'arn:aws:s3:::b/k',
          firstAccessed: new Date('2026-01-01T00:00:01.000Z'),
          lastAccessed: new Date('2026-01-01T00:00:09.000Z'),
          allowedCount: 2,
          deniedCount: 1,
        },
      ]);
      expect(await store.listLastAccessed(acct, { since: new Date('2026-01-02T00:00:00Z') })).toEqual([]);
      expect(await store.listLastAccessed(acct, { roleName: 'WEB' })).toHaveLength(1);
      expect((await store.listAccessEvents({ accountId: acct })).length).toBe(3);
    });

    it('stores an event id once: a replayed batch (a node agent resending after a lost answer) adds nothing', async () => {
      const acct = await newAccount();
      const first = event(acct, 'r1', '2026-01-01T00:00:01.000Z', { decision: 'deny', accesses: undefined });
      await store.appendAccessEvents([first]);
      // The batch again, with the stored one and a new one; a different record under the same id is
      // not a second event and does not replace the first.
      await store.appendAccessEvents([
        { ...first, record: { eventName: 'Other' } },
        event(acct, 'r2', '2026-01-01T00:00:02.000Z', { decision: 'deny', accesses: undefined }),
      ]);
      await store.appendAccessEvents([first]);
      const stored = await store.listAccessEvents({ accountId: acct });
      expect(stored.map((e) => e.eventId)).toEqual(['r1', 'r2']);
      expect(stored[0]!.record).toEqual(first.record);
    });

    it('completes a stored event (its outcome) without counting its accesses again', async () => {
      const acct = await newAccount();
      const first = event(acct, 'c1', '2026-01-01T00:00:05.000Z');
      await store.appendAccessEvents([first]);
      await store.appendAccessEvents([
        {
          ...first,
          completes: true,
          errorCode: 'NoSuchKey',
          record: { eventName: 'GetObject', requestID: 'TX1', errorCode: 'NoSuchKey' },
        },
      ]);
      const [stored] = await store.listAccessEvents({ accountId: acct });
      expect(stored).toMatchObject({ eventId: 'c1', errorCode: 'NoSuchKey', record: { requestID: 'TX1' } });
      expect((await store.listLastAccessed(acct))[0]?.allowedCount).toBe(1);
    });

    it('completes an event queued in the same batch (folded into its row), counting its accesses once', async () => {
      const acct = await newAccount();
      const first = event(acct, 'c2', '2026-01-01T00:00:06.000Z');
      const outcome = (requestID: string, errorCode?: string) => ({
        ...first,
        completes: true,
        ...(errorCode === undefined ? {} : { errorCode }),
        decision: 'allow' as const,
        record: { eventName: 'GetObject', requestID, ...(errorCode === undefined ? {} : { errorCode }) },
      });
      await store.appendAccessEvents([first, outcome('TX1', 'SlowDown'), outcome('TX2', 'NoSuchKey')]);
      const [stored] = await store.listAccessEvents({ accountId: acct });
      expect(stored).toMatchObject({ eventId: 'c2', errorCode: 'NoSuchKey', record: { requestID: 'TX2' } });
      expect((await store.listLastAccessed(acct))[0]?.allowedCount).toBe(1);

      // The same batch written again (a retry after a failure it did not see): nothing counted twice,
      // and a completion alongside an event already stored still applies.
      await store.appendAccessEvents([first, outcome('TX3')]);
      const [again] = await store.listAccessEvents({ accountId: acct });
      expect(again).toMatchObject({ eventId: 'c2', record: { requestID: 'TX3' } });
      expect(again?.errorCode).toBeUndefined();
      expect((await store.listAccessEvents({ accountId: acct })).length).toBe(1);
      expect((await store.listLastAccessed(acct))[0]?.allowedCount).toBe(1);
    });

    it('prunes old events and keeps the aggregates', async () => {
      const acct = await newAccount();
      await store.appendAccessEvents([
        event(acct, `${acct}-old`, '2020-01-01T00:00:00.000Z'),
        event(acct, `${acct}-new`, '2099-01-01T00:00:00.000Z'),
      ]);
      expect(await store.pruneAccessEvents(new Date('2021-01-01T00:00:00Z'))).toBeGreaterThanOrEqual(1);
      expect((await store.listAccessEvents({ accountId: acct })).map((e) => e.eventId)).toEqual([
        `${acct}-new`,
      ]);
      expect((await store.listLastAccessed(acct))[0]?.allowedCount).toBe(2);
    });
  });

  describe('role policy snapshots', () => {
    it('saves, lists newest first, and deletes snapshots of a role', async () => {
      const acct = await newAccount();
      await role(acct, 'Api');
      const a = await store.saveRolePolicySnapshot(acct, 'api', 'policy tighten', { inline: { p: 'x' } });
      const b = await store.saveRolePolicySnapshot(acct, 'Api', 'policy tighten', { inline: {} });
      expect(a.roleName).toBe('Api');
      const list = await store.listRolePolicySnapshots(acct, 'API');
      expect(list.map((s) => s.snapshotId).sort()).toEqual([a.snapshotId, b.snapshotId].sort());
      expect(list[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(list[1]!.createdAt.getTime());
      await store.deleteRolePolicySnapshot(a.snapshotId);
      expect((await store.listRolePolicySnapshots(acct, 'Api')).map((s) => s.snapshotId)).toEqual([
        b.snapshotId,
      ]);
      await expectAwsError(store.deleteRolePolicySnapshot(a.snapshotId), 'NoSuchEntity', 404);
      await expectAwsError(store.saveRolePolicySnapshot(acct, 'ghost', 'x', {}), 'NoSuchEntity', 404);
    });
  });
}
