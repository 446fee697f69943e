import { describe, expect, it } from 'vitest';
import { findAwsManagedPolicy } from '../catalog/aws-managed-policies.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
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
