/**
 * The node store (fleet nodes, their join tokens and certificates, the node CA) on both SQLite
 * and PostgreSQL: one-time tokens (one winner of a race, refused after expiry or with the wrong
 * hash), certificates that stop being found when their node is removed, one CA across writers.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from './postgres.js';
import { openStore } from './open.js';
import type { Store } from './store.js';

const PG_URL = process.env.CREDPLANE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `credplane_nodes_${process.pid}_${randomBytes(4).toString('hex')}`;
let admin: pg.Client;

beforeAll(async () => {
  admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
});
afterAll(async () => {
  await admin.query(`drop schema if exists "${schema}" cascade`);
  await admin.end();
});

const HASH = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);

for (const [dialect, open] of [
  ['SQLite', () => openStore(':memory:')],
  ['PostgreSQL', () => openPostgresStore({ url: PG_URL, schema })],
] as const) {
  describe(`node store on ${dialect}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(() => store.close());

    it('a join token is used once, by its hash, before it expires', async () => {
      const expires = new Date(Date.now() + 3600_000);
      await store.createNode({ name: 'n1', joinTokenHash: HASH, joinTokenExpiresAt: expires });
      await expect(
        store.createNode({ name: 'n1', joinTokenHash: HASH, joinTokenExpiresAt: expires }),
      ).rejects.toMatchObject({ code: 'EntityAlreadyExists' });
      expect(await store.useJoinToken('n1', OTHER, new Date())).toBe(false);
      const race = await Promise.all([
        store.useJoinToken('n1', HASH, new Date()),
        store.useJoinToken('n1', HASH, new Date()),
      ]);
      expect(race.filter(Boolean)).toHaveLength(1);
      expect(await store.useJoinToken('n1', HASH, new Date())).toBe(false);
      expect((await store.getNode('n1'))?.joinTokenUsedAt).toBeInstanceOf(Date);
    });

    it('an expired join token is refused', async () => {
      await store.createNode({
        name: 'n2',
        joinTokenHash: HASH,
        joinTokenExpiresAt: new Date(Date.now() - 1),
      });
      expect(await store.useJoinToken('n2', HASH, new Date())).toBe(false);
    });

    it("a node's certificates are found until the node is removed", async () => {
      const cert = {
        serial: '0a1b',
        nodeName: 'n1',
        issuedAt: new Date(),
        notAfter: new Date(Date.now() + 1e6),
      };
      await store.addNodeCertificate(cert);
      await expect(
        store.addNodeCertificate({ ...cert, serial: 'ff', nodeName: 'ghost' }),
      ).rejects.toMatchObject({
        code: 'NoSuchEntity',
      });
      expect(await store.findNodeCertificate('0a1b')).toMatchObject({ nodeName: 'n1', serial: '0a1b' });
      expect((await store.listNodes()).map((n) => n.name)).toEqual(['n1', 'n2']);
      await store.deleteNode('n1');
      expect(await store.findNodeCertificate('0a1b')).toBeUndefined();
      expect(await store.getNode('n1')).toBeUndefined();
      await expect(store.deleteNode('n1')).rejects.toMatchObject({ code: 'NoSuchEntity' });
    });

    it('keeps the first node CA written', async () => {
      expect(await store.getNodeCa()).toBeUndefined();
      const first = await store.putNodeCaIfAbsent({
        certificatePem: 'first',
        sealedKey: new Uint8Array([1, 2]),
      });
      const second = await store.putNodeCaIfAbsent({
        certificatePem: 'second',
        sealedKey: new Uint8Array([3]),
      });
      expect(first.certificatePem).toBe('first');
      expect(second.certificatePem).toBe('first');
      expect([...second.sealedKey]).toEqual([1, 2]);
    });
  });
}
