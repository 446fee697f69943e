/**
 * Attack on `GET api/graph` (docs/console.md: "only roles the caller may `iam:GetRole` are shown, as
 * nodes or edge ends"): the escalation path findings were kept whenever their *starting* principal
 * was visible, and a finding's message and details spell out the whole path, so a caller denied
 * `iam:GetRole` on a role learned its name, that it is an administrator, and which actions lead to
 * it. A path finding is shown only when every principal on it (and every listed target) is visible.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessGraph } from '../../src/console/contract.js';
import {
  ACCOUNT,
  assumeRole,
  createConsolePlane,
  createRole,
  loginWithKey,
  loginWithToken,
  send,
  type ConsolePlane,
} from '../../src/console/test-support/console-plane.js';

const API = '/credplane/console/api/';
const HIDDEN = 'break-glass-admin';
let plane: ConsolePlane;

beforeAll(async () => {
  plane = await createConsolePlane();
  await createRole(plane, 'web', {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${ACCOUNT}:role/${HIDDEN}` },
    ],
  });
  await plane.store.putWorkload(ACCOUNT, { kind: 'lambda-function', name: 'thumbnails', roleName: 'web' });
  await createRole(plane, HIDDEN, {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  });
  await createRole(plane, 'viewer', {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['iam:ListRoles', 'iam:GetRole'], Resource: '*' },
      { Effect: 'Deny', Action: 'iam:GetRole', Resource: `arn:aws:iam::${ACCOUNT}:role/${HIDDEN}` },
    ],
  });
});

afterAll(async () => {
  await plane?.close();
});

describe('graph escalations', () => {
  it('show the admin the path from web to the hidden role', async () => {
    const admin = await loginWithToken(plane);
    const graph = (await send(plane, 'GET', `${API}graph`, { browser: admin })).json as AccessGraph;
    expect(JSON.stringify(graph.escalations)).toContain(HIDDEN);
  });

  it('never name a role the caller may not GetRole', async () => {
    const viewer = await loginWithKey(plane, await assumeRole(plane, 'viewer'));
    const reply = await send(plane, 'GET', `${API}graph`, { browser: viewer });
    expect(reply.status).toBe(200);
    expect(reply.text).not.toContain(HIDDEN);
  });
});
