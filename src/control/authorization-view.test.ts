import { describe, expect, it } from 'vitest';
import { findAwsManagedPolicy } from '../catalog/aws-managed-policies.js';
import { openStore } from '../store/open.js';
import type { GenerationFeed, Store } from '../store/store.js';
import { PolicyCache } from './policy-cache.js';
import { AuthorizationView } from './authorization-view.js';

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** `store` with its `generation()` answered by `generation` instead. */
function withGeneration(store: Store, generation: () => Promise<number>): Store {
  return new Proxy(store, {
    get: (target, property, receiver) =>
      property === 'generation' ? generation : Reflect.get(target, property, receiver),
  });
}

async function snapshotOver(store: Store): Promise<AuthorizationView> {
  const snapshot = new AuthorizationView({
    store,
    policies: new PolicyCache(),
    awsManaged: findAwsManagedPolicy,
    openAdminSecret: () => 'x'.repeat(40),
  });
  await snapshot.start();
  return snapshot;
}

describe('AuthorizationView.refresh', () => {
  it('never lets a caller rely on a generation read that began before it called', async () => {
    const store = await openStore(':memory:');
    const pending: ((n: number) => void)[] = [];
    let gated = false;
    const snapshot = await snapshotOver(
      withGeneration(store, () =>
        gated ? new Promise<number>((resolve) => pending.push(resolve)) : store.generation(),
      ),
    );
    gated = true;
    const first = snapshot.refresh();
    let laterDone = false;
    const later = Promise.all([snapshot.refresh(), snapshot.refresh()]).then(() => {
      laterDone = true;
    });
    expect(pending).toHaveLength(1);
    pending[0]!(0);
    await first;
    // The two later callers share one read of their own, started after the first one ended.
    await new Promise((r) => setImmediate(r));
    expect(laterDone).toBe(false);
    expect(pending).toHaveLength(2);
    pending[1]!(0);
    await later;
    expect(pending).toHaveLength(2);
    snapshot.stop();
    await store.close();
  });

  it('drops what it loaded when another writer moved the generation, and keeps it when not', async () => {
    const store = await openStore(':memory:');
    await store.createAccount({ accountId: '111122223333' });
    await store.createRole('111122223333', { roleName: 'app', assumeRolePolicyDocument: TRUST });
    let reported = 0;
    const snapshot = await snapshotOver(withGeneration(store, () => Promise.resolve(reported)));
    const first = await snapshot.role('111122223333', 'app');
    expect(await snapshot.role('111122223333', 'app')).toBe(first);
    reported += 1;
    const reloaded = await snapshot.role('111122223333', 'app');
    expect(reloaded).not.toBe(first);
    expect(reloaded?.role.roleName).toBe('app');
    snapshot.stop();
    await store.close();
  });

  it('serves what it holds when the store cannot be read', async () => {
    const store = await openStore(':memory:');
    await store.createAccount({ accountId: '111122223333' });
    await store.createRole('111122223333', { roleName: 'app', assumeRolePolicyDocument: TRUST });
    let down = false;
    const snapshot = await snapshotOver(
      withGeneration(store, () =>
        down ? Promise.reject(new Error('connection refused')) : Promise.resolve(0),
      ),
    );
    const first = await snapshot.role('111122223333', 'app');
    down = true;
    expect(await snapshot.role('111122223333', 'app')).toBe(first);
    snapshot.stop();
    await store.close();
  });
});

/** A generation feed the test drives: `live` and the notices are the test's. */
function fakeFeed(): GenerationFeed & { notify(generation: number): void; isLive: boolean } {
  const listeners = new Set<(generation: number) => void>();
  return {
    isLive: true,
    get live() {
      return this.isLive;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    notify(generation) {
      for (const listener of listeners) listener(generation);
    },
    close: () => Promise.resolve(),
  };
}

describe('Snapshot with a generation feed (PostgreSQL LISTEN/NOTIFY)', () => {
  it('reads no generation per request while the feed is live, and drops everything on a newer notice', async () => {
    const store = await openStore(':memory:');
    await store.createAccount({ accountId: '111122223333' });
    await store.createRole('111122223333', { roleName: 'app', assumeRolePolicyDocument: TRUST });
    const feed = fakeFeed();
    let reads = 0;
    const watched = new Proxy(store, {
      get: (target, property, receiver) =>
        property === 'generation'
          ? () => {
              reads += 1;
              return target.generation();
            }
          : property === 'generationFeed'
            ? () => Promise.resolve(feed)
            : Reflect.get(target, property, receiver),
    });
    const snapshot = await snapshotOver(watched);
    const readsAtStart = reads;
    const first = await snapshot.role('111122223333', 'app');
    await snapshot.refresh();
    expect(await snapshot.role('111122223333', 'app')).toBe(first);
    expect(reads).toBe(readsAtStart);

    // Another replica revoked the role's sessions: its notice drops the entry, the reload sees it.
    await store.revokeRoleSessions('111122223333', 'app', new Date('2026-01-01T00:00:00Z'));
    // (This store's own event already dropped it; an older or equal notice changes nothing more.)
    const afterOwn = await snapshot.role('111122223333', 'app');
    expect(afterOwn?.revokedBefore).toEqual(new Date('2026-01-01T00:00:00Z'));
    feed.notify(0);
    expect(await snapshot.role('111122223333', 'app')).toBe(afterOwn);
    feed.notify((await store.generation()) + 1);
    const reloaded = await snapshot.role('111122223333', 'app');
    expect(reloaded).not.toBe(afterOwn);

    // Feed down (its session reconnecting): back to one generation read per request.
    feed.isLive = false;
    const before = reads;
    await snapshot.refresh();
    expect(reads).toBe(before + 1);
    snapshot.stop();
    await store.close();
  });
});
