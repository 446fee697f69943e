/**
 * Attack on `GET api/overview` (docs/console.md): a principal allowed only `iam:ListRoles` read the
 * posture findings about every role, including ones it is explicitly denied `iam:GetRole` and
 * `iam:GetRolePolicy` on. A finding such as `ROLE_ALLOWS_FULL_ADMIN` names the role's policies and
 * what they grant: what `GetRolePolicy` would have said. The graph already leaves out roles the
 * caller may not read; the overview's findings (and the per-role and per-workload finding counts)
 * must follow the same rule: a finding about a role only for a caller allowed the role page's reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Overview } from '../../src/console/contract.js';
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
let plane: ConsolePlane;

beforeAll(async () => {
  plane = await createConsolePlane();
  await createRole(plane, 'vault-admin', {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  });
  await plane.store.putWorkload(ACCOUNT, {
    kind: 'lambda-function',
    name: 'vault-sync',
    roleName: 'vault-admin',
  });
  await createRole(plane, 'lister', {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['iam:ListRoles', 'iam:GetRole', 'iam:GetRolePolicy', 'iam:List*'],
        Resource: '*',
      },
      {
        Effect: 'Deny',
        Action: ['iam:GetRole', 'iam:GetRolePolicy'],
        Resource: `arn:aws:iam::${ACCOUNT}:role/vault-admin`,
      },
    ],
  });
});

afterAll(async () => {
  await plane?.close();
});

describe('overview findings follow the role reads', () => {
  it('shows the admin the finding about vault-admin', async () => {
    const admin = await loginWithToken(plane);
    const overview = (await send(plane, 'GET', `${API}overview`, { browser: admin })).json as Overview;
    expect(overview.findings.some((f) => f.subject.name === 'vault-admin')).toBe(true);
  });

  it('hides from a caller denied GetRole/GetRolePolicy on vault-admin every finding about it', async () => {
    const lister = await loginWithKey(plane, await assumeRole(plane, 'lister'));
    // The role page is refused…
    expect((await send(plane, 'GET', `${API}roles/vault-admin`, { browser: lister })).status).toBe(403);
    // …and so the overview must not say what its policies grant.
    const reply = await send(plane, 'GET', `${API}overview`, { browser: lister });
    expect(reply.status).toBe(200);
    const overview = reply.json as Overview;
    expect(JSON.stringify(overview.findings)).not.toContain('vault-admin');
    expect(overview.roles.find((r) => r.name === 'vault-admin')?.findingCount).toBe(0);
    const sync = overview.workloads.find((w) => JSON.stringify(w).includes('vault-sync'));
    expect(JSON.stringify(sync)).not.toMatch(/"findingCount":[1-9]/);
  });
});
