/**
 * The first screen on a stack of 1,000 roles: the overview answers every role (its store reads do
 * not grow per role: roles come by pages of 1000, the rest in one read each).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Overview } from './contract.js';
import {
  ACCOUNT,
  createConsolePlane,
  loginWithToken,
  send,
  type ConsolePlane,
} from './test-support/console-plane.js';

let plane: ConsolePlane;
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

beforeAll(async () => {
  plane = await createConsolePlane();
  await plane.store.transaction(async (tx) => {
    for (let i = 0; i < 1000; i++) {
      await tx.createRole(ACCOUNT, {
        roleName: `role-${String(i).padStart(4, '0')}`,
        assumeRolePolicyDocument: TRUST,
      });
    }
  });
  for (let i = 0; i < 20; i++) {
    await plane.store.putWorkload(ACCOUNT, {
      kind: 'lambda-function',
      name: `fn-${i}`,
      roleName: 'role-0000',
    });
  }
}, 120_000);

afterAll(async () => {
  await plane?.close();
});

it('lists all 1,000 roles, the shared one with its 20 workloads', async () => {
  const admin = await loginWithToken(plane);
  let listRoles = 0;
  const original = plane.store.listRoles.bind(plane.store);
  plane.store.listRoles = (...args) => {
    listRoles += 1;
    return original(...args);
  };
  try {
    const reply = await send(plane, 'GET', '/credplane/console/api/overview', { browser: admin });
    expect(reply.status).toBe(200);
    const overview = reply.json as Overview;
    expect(overview.roles).toHaveLength(1000);
    expect(new Set(overview.roles.map((r) => r.name)).size).toBe(1000);
    expect(overview.roles.find((r) => r.name === 'role-0000')!.workloadCount).toBe(20);
    expect(overview.workloads).toHaveLength(20);
    // The overview's own listing: one page of 1000 and the page that says there is no more (the
    // posture analysis lists roles too, with the store's default page size).
    expect(listRoles).toBeLessThanOrEqual(2 + 11);
  } finally {
    plane.store.listRoles = original;
  }
}, 120_000);
