/**
 * The placement index: current at every request (a write committed before the request is in its
 * answer), read from the store only when the store generation moved, one build for concurrent
 * requests, and no answer at all while the store cannot be read.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/store.js';
import { createIdentitySigner, type IdentitySigner } from '../imds/identity.js';
import { NodeWorkloads } from './node-workloads.js';
import { PlacementIndex } from './placement-index.js';

const ACCOUNT = '123456789012';
const A = 'i-0aaaaaaaaaaaaaaaa';
const B = 'i-0bbbbbbbbbbbbbbbb';
const ec2Trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** The store, with every call counted by method name, and a switch that makes every call fail. */
function spied(store: Store): { store: Store; calls: Map<string, number>; down: { on: boolean } } {
  const calls = new Map<string, number>();
  const down = { on: false };
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return (...args: unknown[]) => {
        calls.set(prop, (calls.get(prop) ?? 0) + 1);
        if (down.on) return Promise.reject(new Error('store away'));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls, down };
}

let base: Store;

async function place(name: string, instanceId: string, node: string, profile = 'web-profile'): Promise<void> {
  await base.putWorkload(ACCOUNT, {
    kind: 'ec2-instance',
    name,
    roleName: 'web',
    settings: { instanceId, instanceProfileName: profile, node },
  });
}

beforeEach(async () => {
  base = await openStore(':memory:');
  await base.createAccount({ accountId: ACCOUNT });
  for (const role of ['web', 'web-2'])
    await base.createRole(ACCOUNT, { roleName: role, assumeRolePolicyDocument: ec2Trust });
  await base.createInstanceProfile(ACCOUNT, { instanceProfileName: 'web-profile' });
  await base.addRoleToInstanceProfile(ACCOUNT, 'web-profile', 'web');
  await place('a', A, 'node-1');
  await place('b', B, 'node-2');
});

afterEach(async () => {
  await base.close();
});

const ids = (list: readonly { instanceId: string }[]): string[] => list.map((p) => p.instanceId);

describe('PlacementIndex', () => {
  it('sees a re-placed instance, a deleted workload and a profile given another role at the next read', async () => {
    const index = new PlacementIndex({ store: base, accountId: ACCOUNT });
    let now = await index.current();
    expect(ids(now.onNode('node-1'))).toEqual([A]);
    expect(now.instance(A)?.profile?.roles[0]?.roleName).toBe('web');

    await place('a', A, 'node-2');
    now = await index.current();
    expect(ids(now.onNode('node-1'))).toEqual([]);
    expect(ids(now.onNode('node-2')).sort()).toEqual([A, B]);
    expect(now.instance(A)?.workload.settings.node).toBe('node-2');

    await base.removeRoleFromInstanceProfile(ACCOUNT, 'web-profile', 'web');
    await base.addRoleToInstanceProfile(ACCOUNT, 'web-profile', 'web-2');
    expect((await index.current()).instance(A)?.profile?.roles[0]?.roleName).toBe('web-2');

    await base.deleteWorkload(ACCOUNT, 'ec2-instance', 'a');
    now = await index.current();
    expect(now.instance(A)).toBeUndefined();
    expect(ids(now.onNode('node-2'))).toEqual([B]);
  });

  it('reads the workloads once per store generation, and once for concurrent requests', async () => {
    const { store, calls } = spied(base);
    const index = new PlacementIndex({ store, accountId: ACCOUNT });
    const [x, y, z] = await Promise.all([index.current(), index.current(), index.current()]);
    expect(x).toBe(y);
    expect(y).toBe(z);
    expect(calls.get('listWorkloads')).toBe(1);
    await index.current();
    await index.current();
    expect(calls.get('listWorkloads')).toBe(1);
    expect(calls.get('generation')).toBe(5);

    await base.createRole(ACCOUNT, { roleName: 'unrelated', assumeRolePolicyDocument: ec2Trust });
    const after = await index.current();
    expect(after).not.toBe(x);
    expect(calls.get('listWorkloads')).toBe(2);
  });

  it('answers nothing while the store cannot be read, and keeps no build that failed', async () => {
    const { store, calls, down } = spied(base);
    const index = new PlacementIndex({ store, accountId: ACCOUNT });
    await index.current();
    down.on = true;
    await expect(index.current()).rejects.toThrow('store away');

    // The generation moves, then the listing fails: that build is not kept.
    down.on = false;
    await place('a', A, 'node-2');
    const realList = base.listWorkloads.bind(base);
    let failList = true;
    const flaky = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'listWorkloads' && failList) return () => Promise.reject(new Error('listing failed'));
        if (prop === 'listWorkloads') return realList;
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const index2 = new PlacementIndex({ store: flaky, accountId: ACCOUNT });
    await expect(index2.current()).rejects.toThrow('listing failed');
    failList = false;
    expect(ids((await index2.current()).onNode('node-2')).sort()).toEqual([A, B]);
    expect(calls.get('generation')).toBeGreaterThan(0);
  });
});

describe('NodeWorkloads over the index', () => {
  function counting(signer: IdentitySigner): { signer: IdentitySigner; signs: { n: number } } {
    const signs = { n: 0 };
    return {
      signs,
      signer: {
        ...signer,
        sign: (d) => (signs.n++, signer.sign(d)),
        pkcs7: (d) => (signs.n++, signer.pkcs7(d)),
      },
    };
  }

  function workloads(store: Store, identity: IdentitySigner): NodeWorkloads {
    return new NodeWorkloads({
      store,
      // Issuance is not what these tests look at; a refused or unplaced instance never reaches it.
      snapshot: undefined as never,
      keyRing: () => {
        throw new Error('no issuance in these tests');
      },
      identity,
      accountId: ACCOUNT,
      region: 'us-east-1',
      partition: 'aws',
    });
  }

  it('does no listWorkloads for a request while the store generation is unchanged', async () => {
    const { store, calls } = spied(base);
    const nodes = workloads(store, createIdentitySigner());
    // Refusals are answered from the index too (no issuance needed to see the store calls).
    for (let i = 0; i < 5; i++)
      await expect(nodes.credentials('node-1', B, '2.0')).rejects.toMatchObject({ code: 'AccessDenied' });
    expect(calls.get('listWorkloads')).toBe(1);
    expect(calls.get('getInstanceProfile') ?? 0).toBeLessThanOrEqual(1);

    // The very next request after a write sees it: B moved to node-1 is no longer refused there.
    await place('b', B, 'node-1');
    await expect(nodes.credentials('node-2', B, '2.0')).rejects.toMatchObject({ code: 'AccessDenied' });
    expect(calls.get('listWorkloads')).toBe(2);
  });

  it('signs an identity document once, however many syncs and store generations it lasts, and syncs each change', async () => {
    const { store, calls } = spied(base);
    const { signer, signs } = counting(createIdentitySigner());
    const nodes = workloads(store, signer);
    const first = await nodes.instances('node-1');
    expect(ids(first)).toEqual([A]);
    expect(signs.n).toBe(2);
    const again = await nodes.instances('node-1');
    expect(again).toEqual(first);
    expect(signs.n).toBe(2);
    expect(calls.get('listWorkloads')).toBe(1);

    await base.removeRoleFromInstanceProfile(ACCOUNT, 'web-profile', 'web');
    await base.addRoleToInstanceProfile(ACCOUNT, 'web-profile', 'web-2');
    const changed = await nodes.instances('node-1');
    expect(changed[0]?.roleName).toBe('web-2');
    expect(calls.get('listWorkloads')).toBe(2);
    // The identity document names no role: it is the same document, not signed again.
    expect(changed[0]?.identity).toEqual(first[0]?.identity);
    expect(signs.n).toBe(2);

    await place('a', A, 'node-2');
    expect(await nodes.instances('node-1')).toEqual([]);
    const moved = await nodes.instances('node-2');
    expect(ids(moved).sort()).toEqual([A, B]);
    // B's document is new to this process; A's is the one signed before.
    expect(signs.n).toBe(4);
    expect(moved.find((i) => i.instanceId === A)?.identity.signature).toBe(first[0]?.identity.signature);

    // A changed document is signed anew: another instance type.
    await base.putWorkload(ACCOUNT, {
      kind: 'ec2-instance',
      name: 'a',
      roleName: 'web',
      settings: {
        instanceId: A,
        instanceProfileName: 'web-profile',
        node: 'node-2',
        instanceType: 'm5.large',
      },
    });
    const retyped = (await nodes.instances('node-2')).find((i) => i.instanceId === A);
    expect(retyped?.identity.document).toContain('m5.large');
    expect(retyped?.identity.signature).not.toBe(first[0]?.identity.signature);
    expect(signs.n).toBe(6);
  });
});
