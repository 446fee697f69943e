/**
 * Property: a session of a deleted user stays dead. `credplane up` makes `credplane-admin` again at
 * each start when it is missing; the user made then is a new user, with a new unique id, so a
 * `GetSessionToken` session of the one the operator deleted (to cut it off) does not come back
 * with `AdministratorAccess` at the next restart. Only the admin of a data directory from before
 * users keeps the id earlier versions derived from its name (its keys show it was that admin).
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ensureAdminUser } from '../../src/server/admin.js';
import {
  ACCOUNT,
  createTestPlane,
  credentialsOf,
  type TestPlane,
  xmlValue,
} from '../../src/server/test-support/plane.js';

const STS = { Version: '2011-06-15' };

let plane: TestPlane;

beforeEach(async () => {
  plane = await createTestPlane();
});
afterEach(async () => {
  await plane.close();
});

it('does not revive the deleted admin’s sessions when it recreates credplane-admin', async () => {
  const session = credentialsOf(
    (await plane.call('sts', plane.admin, { ...STS, Action: 'GetSessionToken' })).text,
  );
  expect((await plane.call('sts', session, { ...STS, Action: 'GetCallerIdentity' })).status).toBe(200);
  const before = await plane.store.getUser(ACCOUNT, 'credplane-admin');

  // The operator cuts the admin off: its keys, its policy, the user.
  for (const key of await plane.store.listAccessKeys(ACCOUNT, 'credplane-admin')) {
    await plane.store.deleteAccessKey(key.accessKeyId);
  }
  await plane.store.detachUserPolicy(
    ACCOUNT,
    'credplane-admin',
    'arn:aws:iam::aws:policy/AdministratorAccess',
  );
  await plane.store.deleteUser(ACCOUNT, 'credplane-admin');
  const cut = await plane.call('sts', session, { ...STS, Action: 'GetCallerIdentity' });
  expect(xmlValue(cut.text, 'Code')).toBe('InvalidClientTokenId');

  // The next start makes credplane-admin again.
  await ensureAdminUser(plane.store, ACCOUNT);
  const after = await plane.store.getUser(ACCOUNT, 'credplane-admin');
  expect(after.userId).not.toBe(before.userId);
  const res = await plane.call('sts', session, { ...STS, Action: 'GetCallerIdentity' });
  expect(xmlValue(res.text, 'Code'), res.text).toBe('InvalidClientTokenId');
});
