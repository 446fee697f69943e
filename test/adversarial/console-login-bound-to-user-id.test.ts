/**
 * Attack: keep a console session opened with the login link after its user `credplane-admin` was
 * deleted, and have a user created again under that name (by anyone allowed iam:CreateUser) carry
 * the old session. The session holds the user's unique id; a user of the same name with another
 * unique id is another principal (IAM User Guide, "IAM identifiers" → "Unique identifiers"), so the
 * session is refused (401).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_USER } from '../../src/server/admin.js';
import {
  ACCOUNT,
  createConsolePlane,
  loginWithToken,
  send,
  type ConsolePlane,
} from '../../src/console/test-support/console-plane.js';

const API = '/credplane/console/api/';
const ADMIN_POLICY = 'arn:aws:iam::aws:policy/AdministratorAccess';
let plane: ConsolePlane;

beforeEach(async () => {
  plane = await createConsolePlane();
});
afterEach(async () => {
  await plane?.close();
});

/** Deletes the admin user as IAM lets one (keys, policies, then the user). */
async function deleteAdminUser(): Promise<void> {
  for (const key of await plane.store.listAccessKeys(ACCOUNT, ADMIN_USER)) {
    await plane.store.deleteAccessKey(key.accessKeyId);
  }
  await plane.store.detachUserPolicy(ACCOUNT, ADMIN_USER, ADMIN_POLICY);
  await plane.store.deleteUser(ACCOUNT, ADMIN_USER);
}

describe('a console session opened with the login link', () => {
  it('is refused once its user was deleted and another user was created under the same name', async () => {
    const browser = await loginWithToken(plane);
    expect((await send(plane, 'GET', `${API}overview`, { browser })).status).toBe(200);
    await deleteAdminUser();
    // The new user of the same name even has the same permissions: still not the session's user.
    await plane.store.createUser(ACCOUNT, { userName: ADMIN_USER });
    await plane.store.attachUserPolicy(ACCOUNT, ADMIN_USER, ADMIN_POLICY);
    for (const path of ['overview', 'graph', 'events', 'session']) {
      const reply = await send(plane, 'GET', `${API}${path}`, { browser });
      expect([path, reply.status]).toEqual([path, 401]);
    }
    // A new login link signs in the new user.
    const fresh = await loginWithToken(plane);
    expect((await send(plane, 'GET', `${API}overview`, { browser: fresh })).status).toBe(200);
  });

  it('is refused while its user is deleted', async () => {
    const browser = await loginWithToken(plane);
    await deleteAdminUser();
    expect((await send(plane, 'GET', `${API}overview`, { browser })).status).toBe(401);
  });
});
