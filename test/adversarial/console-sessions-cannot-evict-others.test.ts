/**
 * Attack: sign the administrator out of the console. The console keeps at most 1000 sessions and
 * dropped the least recently used one beyond that, so anyone holding any valid credentials (a
 * workload's role credentials from its metadata endpoint are enough) could sign in 1000 times and
 * end every other console session. Sign-ins with one credential may only displace that credential's
 * own sessions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assumeRole,
  createConsolePlane,
  createRole,
  loginWithKey,
  loginWithToken,
  send,
  type ConsolePlane,
} from '../../src/console/test-support/console-plane.js';

const API = '/credplane/console/api/';
let plane: ConsolePlane;

beforeAll(async () => {
  plane = await createConsolePlane();
  await createRole(plane, 'workload', {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
  });
});

afterAll(async () => {
  await plane?.close();
});

describe('console sessions', () => {
  it('are not ended by another credential signing in over and over', async () => {
    const admin = await loginWithToken(plane);
    const keys = await assumeRole(plane, 'workload');
    let last;
    for (let i = 0; i < 1005; i++) last = await loginWithKey(plane, keys);
    // The administrator is still signed in…
    expect((await send(plane, 'GET', `${API}overview`, { browser: admin })).status).toBe(200);
    // …and the attacker's own newest session still works (its oldest ones were dropped instead).
    expect((await send(plane, 'GET', `${API}session`, { browser: last })).status).toBe(200);
  }, 120_000);
});
