import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../postgres.js';
import type { Store } from '../store.js';
import { backoffDelay } from './backoff.js';
import { parseGenerationNotice } from './postgres-feed.js';

// CI provides PostgreSQL here with trust auth (as postgres.test.ts). Only this test's own
// sessions are terminated, found by their application_name.
const BASE_URL = process.env.CREDPLANE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const runId = `${process.pid}_${randomBytes(4).toString('hex')}`;
const schemas: string[] = [];
const stores: Store[] = [];
let admin: pg.Client;

beforeAll(async () => {
  admin = new pg.Client({ connectionString: BASE_URL });
  await admin.connect();
});

afterAll(async () => {
  for (const store of stores) await store.close().catch(() => undefined);
  for (const schema of schemas) await admin.query(`drop schema if exists "${schema}" cascade`);
  await admin.end();
});

function freshSchema(): string {
  const schema = `credplane_coord_${runId}_${schemas.length + 1}`;
  schemas.push(schema);
  return schema;
}

async function open(schema: string, applicationName: string): Promise<Store> {
  const store = await openPostgresStore({
    url: BASE_URL,
    schema,
    applicationName,
    leadershipCheckEveryMs: 200,
  });
  stores.push(store);
  return store;
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - started;
}

const terminate = (applicationName: string) =>
  admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [
    applicationName,
  ]);

describe('generation notices', () => {
  it('parse only for their own schema', () => {
    expect(parseGenerationNotice('credplane:42', 'credplane')).toBe(42);
    expect(parseGenerationNotice('other:42', 'credplane')).toBeUndefined();
    expect(parseGenerationNotice('credplane:x', 'credplane')).toBeUndefined();
    expect(parseGenerationNotice(undefined, 'credplane')).toBeUndefined();
  });

  it('back off exponentially with jitter, capped', () => {
    const policy = { initialMs: 100, maxMs: 5000 };
    expect(backoffDelay(0, policy, () => 1)).toBe(100);
    expect(backoffDelay(3, policy, () => 1)).toBe(800);
    expect(backoffDelay(20, policy, () => 1)).toBe(5000);
    expect(backoffDelay(3, policy, () => 0)).toBe(50);
  });
});

describe('PostgreSQL generation feed', () => {
  it("brings another store's committed write within a second, and nothing for a rolled-back one", async () => {
    const schema = freshSchema();
    const writer = await open(schema, `credplane_coord_${runId}_w`);
    const reader = await open(schema, `credplane_coord_${runId}_r`);
    const feed = (await reader.generationFeed())!;
    expect(feed.live).toBe(true);
    const heard: number[] = [];
    feed.subscribe((g) => heard.push(g));

    await expect(
      writer.transaction(async (tx) => {
        await tx.createAccount({ accountId: '111122223333' });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const before = await writer.generation();
    await writer.createAccount({ accountId: '111122223333' });
    const elapsed = await until(() => heard.includes(before + 1), 1000);
    expect(elapsed).toBeLessThan(1000);
    expect(heard.every((g) => g <= before + 1)).toBe(true);
  });

  it('reconnects after its session is terminated and catches up on what it missed', async () => {
    const schema = freshSchema();
    const app = `credplane_coord_${runId}_feed`;
    const writer = await open(schema, `credplane_coord_${runId}_w2`);
    const reader = await openPostgresStore({
      url: BASE_URL,
      schema,
      applicationName: app,
      feedCheckEveryMs: 0,
    });
    stores.push(reader);
    const feed = (await reader.generationFeed())!;
    const heard: number[] = [];
    feed.subscribe((g) => heard.push(g));
    expect(feed.live).toBe(true);

    // The pool's connections share the name: the feed's session goes with them.
    await terminate(app);
    await until(() => !feed.live);
    await writer.createAccount({ accountId: '111122223333' });
    const missed = await writer.generation();
    await until(() => feed.live);
    await until(() => heard.includes(missed));
  });
});

describe('a PostgreSQL connection closed by the server', () => {
  it('in the middle of a transaction fails that transaction with ServiceUnavailable, and the process lives on', async () => {
    const app = `credplane_coord_${runId}_tx`;
    const store = await open(freshSchema(), app);
    await store.createAccount({ accountId: '111122223333' });
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const transaction = store.transaction(async (tx) => {
      await tx.putAccountSetting('111122223333', 'probe', 1);
      // The connection is checked out and idle in the transaction while the server closes it.
      await held;
      await tx.putAccountSetting('111122223333', 'probe', 2);
    });
    const outcome = transaction.then(
      () => 'committed',
      (error: { code?: string }) => error.code,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await terminate(app);
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    expect(await outcome).toBe('ServiceUnavailable');
    // The pool opens a new connection: nothing of the transaction was written.
    expect(await store.getAccountSetting('111122223333', 'probe')).toBeUndefined();
  });
});

describe('PostgreSQL leadership', () => {
  it('has one leader per schema; a lost session is lost leadership, and another replica takes over', async () => {
    const schema = freshSchema();
    const a = await open(schema, `credplane_coord_${runId}_a`);
    const b = await open(schema, `credplane_coord_${runId}_b`);
    const la = await a.leadership();
    const lb = await b.leadership();
    expect([la.isLeader(), lb.isLeader()]).toEqual([true, false]);

    // Another schema has its own leader.
    const other = await (await open(freshSchema(), `credplane_coord_${runId}_c`)).leadership();
    expect(other.isLeader()).toBe(true);

    const changes: boolean[] = [];
    la.onChange((leader) => changes.push(leader));
    let both = false;
    const watch = setInterval(() => {
      if (la.isLeader() && lb.isLeader()) both = true;
    }, 5);
    await terminate(`credplane_coord_${runId}_a`);
    await until(() => changes[0] === false);
    // Whoever tries first after the lock is released leads (a reconnecting, or b): one of them.
    await until(() => la.isLeader() !== lb.isLeader());
    // A replica that dies leaves the lock with its session: the other one takes over.
    const [leader, follower] = la.isLeader() ? [a, lb] : [b, la];
    await leader.close();
    await until(() => follower.isLeader());
    clearInterval(watch);
    expect(both).toBe(false);
  });
});
