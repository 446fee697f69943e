/**
 * Property: a change another process (or replica) writes to the store — `credplane
 * revoke-sessions`, `credplane apply`, an IAM call served elsewhere — applies to the requests a
 * running server authenticates next; no cache lets a revoked session, a removed grant or a
 * deactivated key keep working for a while. On SQLite that is the very next request (the server
 * reads the store generation per request). On PostgreSQL it is as soon as the change's NOTIFY
 * reaches the server (milliseconds; the feed's one-second check bounds a lost one), which replaced
 * the per-request read (docs/security.md): the test allows it one second. Two handles on one
 * database stand for the two processes, on both store implementations.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import {
  ACCOUNT,
  createTestPlane,
  credentialsOf,
  xmlValue,
  type Credentials,
  type TestPlane,
} from '../../src/server/test-support/plane.js';

const POSTGRES = process.env.CREDPLANE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schemas: string[] = [];
const dirs: string[] = [];

/** Opens two handles on one fresh database: the server's and the other process's. */
const backends: Record<string, () => Promise<[Store, () => Promise<Store>]>> = {
  SQLite: async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-generation-'));
    dirs.push(dir);
    const file = path.join(dir, 'credplane.db');
    return [await openStore(file), () => openStore(file)];
  },
  PostgreSQL: async () => {
    const schema = `credplane_gen_${process.pid}_${randomBytes(4).toString('hex')}`;
    schemas.push(schema);
    return [await openStore(POSTGRES, { schema }), () => openStore(POSTGRES, { schema })];
  },
};

afterAll(async () => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  if (schemas.length === 0) return;
  const admin = new pg.Client({ connectionString: POSTGRES });
  await admin.connect();
  for (const schema of schemas) await admin.query(`drop schema if exists "${schema}" cascade`);
  await admin.end();
});

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
  ],
});
const ALLOW_GET_ROLE = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' }],
});

/** The response once `accept` takes it: the next one on SQLite, within a second on PostgreSQL. */
async function inForce(
  backend: string,
  send: () => Promise<{ status: number; text: string }>,
  accept: (r: { status: number }) => boolean,
): Promise<{ status: number; text: string }> {
  const deadline = Date.now() + (backend === 'SQLite' ? 0 : 1000);
  for (;;) {
    const response = await send();
    if (accept(response) || Date.now() >= deadline) return response;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

for (const [name, open] of Object.entries(backends)) {
  describe(`a change by another process applies at once (${name})`, () => {
    let plane: TestPlane | undefined;
    let other: Store | undefined;

    afterEach(async () => {
      await other?.close();
      await plane?.close();
      other = undefined;
      plane = undefined;
    });

    async function setUp(): Promise<{ plane: TestPlane; other: Store; session: Credentials }> {
      const [store, reopen] = await open();
      plane = await createTestPlane({ store });
      await plane.store.createRole(ACCOUNT, { roleName: 'app', assumeRolePolicyDocument: TRUST });
      await plane.store.putRolePolicy(ACCOUNT, 'app', 'read', ALLOW_GET_ROLE);
      const assumed = await plane.call('sts', plane.admin, {
        Action: 'AssumeRole',
        Version: '2011-06-15',
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/app`,
        RoleSessionName: 'before',
      });
      expect(assumed.status).toBe(200);
      const session = credentialsOf(assumed.text);
      // Served once, so the server holds the role in its caches.
      expect((await getRole(plane, session)).status).toBe(200);
      other = await reopen();
      return { plane, other, session };
    }

    const getRole = (p: TestPlane, credentials: Credentials) =>
      p.call('iam', credentials, { Action: 'GetRole', Version: '2010-05-08', RoleName: 'app' });

    it('revoke-sessions: the next request with a revoked session is refused', async () => {
      const { plane, other, session } = await setUp();
      plane.clock.now += 1000;
      await other.revokeRoleSessions(ACCOUNT, 'app', new Date(plane.clock.now));
      const denied = await inForce(
        name,
        () => getRole(plane, session),
        (r) => r.status === 403,
      );
      expect(denied.status).toBe(403);
      expect(xmlValue(denied.text, 'Code')).toBe('AccessDenied');
      expect(xmlValue(denied.text, 'Message')).toContain('explicit deny');
    });

    it('a grant removed elsewhere is gone on the next request', async () => {
      const { plane, other, session } = await setUp();
      await other.deleteRolePolicy(ACCOUNT, 'app', 'read');
      expect(
        (
          await inForce(
            name,
            () => getRole(plane, session),
            (r) => r.status === 403,
          )
        ).status,
      ).toBe(403);
    });

    it('an access key deactivated elsewhere is refused on the next request', async () => {
      const { plane, other } = await setUp();
      await other.updateAccessKeyStatus(plane.admin.accessKeyId, 'Inactive');
      const refused = await inForce(
        name,
        () => plane.call('sts', plane.admin, { Action: 'GetCallerIdentity', Version: '2011-06-15' }),
        (r) => r.status === 403,
      );
      expect(refused.status).toBe(403);
      expect(xmlValue(refused.text, 'Code')).toBe('InvalidClientTokenId');
    });
  });
}
