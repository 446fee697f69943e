/**
 * `credplane up`'s metadata endpoints log the refusals an attacker causes (IMDSv1 when tokens are
 * required, token requests through a proxy, bad tokens) under the unauthenticated budget, as the
 * node agent does: the same events (`audit/refusal-record.ts`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnauthenticatedBudget } from '../../audit/unauthenticated.js';
import { ACCOUNT, createTestPlane, type TestPlane } from '../../server/test-support/plane.js';
import type { AccessEventInput } from '../../store/store.js';
import { createIdentitySigner } from './identity.js';
import { createImdsService, type ImdsService } from './service.js';

const ec2Trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const INSTANCE = 'i-0fedcba9876543210';

let plane: TestPlane;
let imds: ImdsService;
const events: AccessEventInput[] = [];
let offset = 0;

beforeAll(async () => {
  plane = await createTestPlane();
  await plane.store.createRole(ACCOUNT, { roleName: 'web', assumeRolePolicyDocument: ec2Trust });
  await plane.store.createInstanceProfile(ACCOUNT, { instanceProfileName: 'web-profile' });
  await plane.store.addRoleToInstanceProfile(ACCOUNT, 'web-profile', 'web');
  await plane.store.putWorkload(ACCOUNT, {
    kind: 'ec2-instance',
    name: 'web',
    roleName: 'web',
    settings: {
      instanceId: INSTANCE,
      instanceProfileName: 'web-profile',
      metadataOptions: { httpTokens: 'required' },
    },
  });
  imds = createImdsService({
    store: plane.store,
    snapshot: plane.snapshot,
    keyRing: plane.keyRing,
    accountId: ACCOUNT,
    region: 'us-east-1',
    partition: 'aws',
    identity: createIdentitySigner(),
    pollMs: 0,
    now: () => Date.now() + offset,
    accessLog: { commit: (e) => (events.push(e), Promise.resolve(true)) },
    unauthenticatedBudget: new UnauthenticatedBudget({
      perSourceBurst: 3,
      globalBurst: 3,
      globalPerSecond: 0.001,
    }),
  });
  await imds.start();
});

afterAll(async () => {
  await imds.stop();
  await plane.close();
});

describe("credplane up's metadata refusals", () => {
  it('are access-log events, budgeted, with the count left out carried by the next one', async () => {
    const base = imds.find(INSTANCE)!.url;
    expect((await fetch(`${base}latest/meta-data/`)).status).toBe(401);
    const proxied = await fetch(`${base}latest/api/token`, {
      method: 'PUT',
      headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60', 'x-forwarded-for': '203.0.113.5' },
    });
    expect(proxied.status).toBe(403);
    const bad = await fetch(`${base}latest/meta-data/`, {
      headers: { 'x-aws-ec2-metadata-token': 'forged' },
    });
    expect(bad.status).toBe(401);
    for (let i = 0; i < 5; i++) expect((await fetch(`${base}latest/meta-data/`)).status).toBe(401);
    await new Promise((r) => setTimeout(r, 50));
    expect(
      events
        .map((e) => e.record)
        .map((r) => (r as { requestParameters: { reason: string } }).requestParameters.reason),
    ).toEqual(['imds-token-required', 'imds-token-forwarded', 'imds-token-invalid']);
    expect(events[0]).toMatchObject({
      channel: 'imds',
      decision: 'deny',
      errorCode: 'Unauthorized',
      record: {
        sourceIPAddress: '127.0.0.1',
        userIdentity: { type: 'Unknown' },
        resources: [{ ARN: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/${INSTANCE}` }],
      },
    });
    expect(JSON.stringify(events)).not.toContain('forged');
    // Later, the budget has refilled: the next refusal carries the five left out.
    offset = 3_600_000;
    expect((await fetch(`${base}latest/meta-data/`)).status).toBe(401);
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toHaveLength(4);
    expect(events[3]!.record).toMatchObject({ credplane: { suppressedUnauthenticated: 5 } });
  });
});
