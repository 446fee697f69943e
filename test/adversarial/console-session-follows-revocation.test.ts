/**
 * Attack: keep using a console session after the role's sessions were revoked
 * (`credplane revoke-sessions`, AWS's "revoke active sessions"). A console session signed in with a
 * role session's temporary credentials must stop working, on every endpoint and on an open event
 * stream, as those credentials stop working on the APIs.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  assumeRole,
  createConsolePlane,
  createRole,
  loginWithKey,
  send,
  type ConsolePlane,
} from '../../src/console/test-support/console-plane.js';

const API = '/credplane/console/api/';
let plane: ConsolePlane;
let server: http.Server;

beforeAll(async () => {
  plane = await createConsolePlane({ streamPollMs: 30 });
  server = http.createServer((req, res) => {
    if (!plane.console.take(req, res)) {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await createRole(plane, 'ops', {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['iam:*', 'cloudtrail:LookupEvents'], Resource: '*' }],
  });
});

afterAll(async () => {
  plane?.console.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await plane?.close();
});

describe('a console session signed in with role session credentials', () => {
  it('is refused everywhere once the role’s sessions are revoked, and its stream ends', async () => {
    const keys = await assumeRole(plane, 'ops');
    const ops = await loginWithKey(plane, keys);
    expect((await send(plane, 'GET', `${API}overview`, { browser: ops })).status).toBe(200);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${API}events/stream`;
    const response = await fetch(url, { headers: { cookie: ops.cookie! } });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();

    // Issued strictly before the revocation time.
    await new Promise((r) => setTimeout(r, 1100));
    await plane.store.revokeRoleSessions(ACCOUNT, 'ops', new Date());

    for (const path of ['overview', 'graph', 'events', 'roles/ops', 'roles/ops/least-privilege']) {
      const reply = await send(plane, 'GET', `${API}${path}`, { browser: ops });
      expect([path, reply.status === 401 || reply.status === 403]).toEqual([path, true]);
    }
    const apply = await send(plane, 'POST', `${API}roles/ops/least-privilege/apply`, { browser: ops });
    expect([401, 403]).toContain(apply.status);
    // A new sign-in with the revoked credentials gets a session that can read nothing either
    // (revocation is AWS's Deny policy on the role, not an invalid key: as in AWS, the credentials
    // still authenticate and every action they ask for is denied).
    const fresh = await loginWithKey(plane, keys);
    expect([401, 403]).toContain((await send(plane, 'GET', `${API}overview`, { browser: fresh })).status);

    // The open stream ends by itself.
    const ended = await Promise.race([
      (async () => {
        for (;;) if ((await reader.read()).done) return true;
      })(),
      new Promise<false>((r) => setTimeout(() => r(false), 3000)),
    ]);
    await reader.cancel().catch(() => undefined);
    expect(ended).toBe(true);
  });
});
