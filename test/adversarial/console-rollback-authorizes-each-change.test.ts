/**
 * Attack on `POST api/roles/<name>/least-privilege/rollback` (docs/console.md): the console
 * authorized the IAM calls of a rollback without their condition keys. The IAM API authorizes
 * `iam:AttachRolePolicy` with `iam:PolicyARN` (the policy attached) and every role-policy change
 * with `iam:PermissionsBoundary` (Service Authorization Reference, IAM), so a principal denied
 * attaching AdministratorAccess (`ArnEquals iam:PolicyARN`) through the API could have it attached
 * through the console by rolling back a snapshot taken before least privilege removed it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeResult } from '../../src/console/contract.js';
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
const ADMIN_POLICY = 'arn:aws:iam::aws:policy/AdministratorAccess';
let plane: ConsolePlane;

async function attachedTo(roleName: string): Promise<string> {
  const reply = await plane.call('iam', plane.admin, {
    Action: 'ListAttachedRolePolicies',
    Version: '2010-05-08',
    RoleName: roleName,
  });
  return reply.text;
}

beforeAll(async () => {
  plane = await createConsolePlane();
  await createRole(plane, 'app', undefined);
  const attached = await plane.call('iam', plane.admin, {
    Action: 'AttachRolePolicy',
    Version: '2010-05-08',
    RoleName: 'app',
    PolicyArn: ADMIN_POLICY,
  });
  expect(attached.status).toBe(200);
  const eventId = randomUUID();
  await plane.store.appendAccessEvents([
    {
      eventId,
      eventTime: new Date(),
      accountId: ACCOUNT,
      channel: 'gateway',
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      decision: 'allow',
      roleName: 'app',
      principalArn: `arn:aws:iam::${ACCOUNT}:role/app`,
      accesses: [{ action: 's3:GetObject', resource: 'arn:aws:s3:::photos/cat.jpg', allowed: true }],
      record: { eventID: eventId },
    },
  ]);
  await createRole(plane, 'operator', {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iam:*', Resource: '*' },
      {
        Effect: 'Deny',
        Action: 'iam:AttachRolePolicy',
        Resource: '*',
        Condition: { ArnEquals: { 'iam:PolicyARN': ADMIN_POLICY } },
      },
    ],
  });
});

afterAll(async () => {
  await plane?.close();
});

describe('a rollback is authorized as the IAM calls it makes, with their condition keys', () => {
  it('refuses to re-attach AdministratorAccess for a principal the IAM API refuses it to', async () => {
    // The admin applies least privilege: AdministratorAccess is detached, a snapshot kept.
    const admin = await loginWithToken(plane);
    const applied = await send(plane, 'POST', `${API}roles/app/least-privilege/apply`, { browser: admin });
    expect(applied.status).toBe(200);
    expect((applied.json as ChangeResult).changes).toContain(`DetachRolePolicy ${ADMIN_POLICY}`);
    expect(await attachedTo('app')).not.toContain(ADMIN_POLICY);

    const operatorKeys = await assumeRole(plane, 'operator');
    // Through the IAM API the operator may not attach it…
    const direct = await plane.call('iam', operatorKeys, {
      Action: 'AttachRolePolicy',
      Version: '2010-05-08',
      RoleName: 'app',
      PolicyArn: ADMIN_POLICY,
    });
    expect(direct.status).toBe(403);
    // …nor through the console's rollback.
    const operator = await loginWithKey(plane, operatorKeys);
    const rolled = await send(plane, 'POST', `${API}roles/app/least-privilege/rollback`, {
      browser: operator,
      body: {},
    });
    expect(rolled.status).toBe(403);
    expect(await attachedTo('app')).not.toContain(ADMIN_POLICY);
  });

  it('refuses an apply that detaches a policy the principal may not detach through the IAM API', async () => {
    const AUDIT = 'arn:aws:iam::aws:policy/SecurityAudit';
    await createRole(plane, 'audited', undefined);
    const attached = await plane.call('iam', plane.admin, {
      Action: 'AttachRolePolicy',
      Version: '2010-05-08',
      RoleName: 'audited',
      PolicyArn: AUDIT,
    });
    expect(attached.status).toBe(200);
    await createRole(plane, 'auditor-guard', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'iam:*', Resource: '*' },
        {
          Effect: 'Deny',
          Action: 'iam:DetachRolePolicy',
          Resource: '*',
          Condition: { ArnEquals: { 'iam:PolicyARN': AUDIT } },
        },
      ],
    });
    const keys = await assumeRole(plane, 'auditor-guard');
    const direct = await plane.call('iam', keys, {
      Action: 'DetachRolePolicy',
      Version: '2010-05-08',
      RoleName: 'audited',
      PolicyArn: AUDIT,
    });
    expect(direct.status).toBe(403);
    const guard = await loginWithKey(plane, keys);
    const applied = await send(plane, 'POST', `${API}roles/audited/least-privilege/apply`, {
      browser: guard,
    });
    expect(applied.status).toBe(403);
    expect(await attachedTo('audited')).toContain(AUDIT);
  });
});
