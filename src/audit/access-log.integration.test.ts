/**
 * The access log end to end in one process: the real control-plane handler and IMDS service
 * offer their events to an `AccessLogQueue` over the real (in-memory SQLite) store, and each call
 * appears in `listAccessEvents` exactly once, with its last-accessed aggregates.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyRingService } from '../control/key-ring-service.js';
import { PolicyCache } from '../control/policy-cache.js';
import { createRouter } from '../composition/routes.js';
import { createQueryApiHandler } from '../server/query-api.js';
import { createIdentitySigner } from '../delivery/imds/identity.js';
import { createImdsService, type ImdsService } from '../delivery/imds/service.js';
import { ACCOUNT, createTestPlane, xmlValue, type TestPlane } from '../server/test-support/plane.js';
import type { AccessEvent } from '../store/store.js';
import { AccessLogQueue } from './queue.js';
import { HIDDEN } from './redact.js';

const INSTANCE = 'i-0aaaabbbbccccdddd';
const ec2Trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const accountTrust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
  ],
});

let plane: TestPlane;
let imds: ImdsService;
let accessLog: AccessLogQueue;

beforeAll(async () => {
  // The queue needs the store, the plane needs the queue: hand it over through a forwarder.
  plane = await createTestPlane({ accessLog: { commit: (e) => accessLog.commit(e) } });
  accessLog = new AccessLogQueue({ store: plane.store });
  await plane.store.createRole(ACCOUNT, { roleName: 'deployer', assumeRolePolicyDocument: accountTrust });
  await plane.store.createRole(ACCOUNT, { roleName: 'web', assumeRolePolicyDocument: ec2Trust });
  await plane.store.createInstanceProfile(ACCOUNT, { instanceProfileName: 'web-profile' });
  await plane.store.addRoleToInstanceProfile(ACCOUNT, 'web-profile', 'web');
  imds = createImdsService({
    store: plane.store,
    snapshot: plane.snapshot,
    keyRing: plane.keyRing,
    accountId: ACCOUNT,
    region: 'us-east-1',
    partition: 'aws',
    identity: createIdentitySigner(),
    now: () => plane.clock.now,
    portBase: 33000 + Math.floor(Math.random() * 2000),
    portSpan: 500,
    pollMs: 0,
    accessLog,
  });
  await imds.start();
  await plane.store.putWorkload(ACCOUNT, {
    kind: 'ec2-instance',
    name: 'web-1',
    roleName: 'web',
    settings: {
      instanceId: INSTANCE,
      instanceProfileName: 'web-profile',
      metadataOptions: { httpTokens: 'optional' },
    },
  });
  await imds.reconcile();
});

afterAll(async () => {
  await imds.stop();
  await accessLog.close();
  await plane.close();
});

async function events(): Promise<AccessEvent[]> {
  await accessLog.flush();
  return plane.store.listAccessEvents({ accountId: ACCOUNT });
}

describe('the access log', () => {
  it('records an STS AssumeRole, a denied IAM call and an IMDS delivery exactly once each', async () => {
    const assumed = await plane.call('sts', plane.admin, {
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/deployer`,
      RoleSessionName: 'ci',
    });
    expect(assumed.status).toBe(200);
    const session = {
      accessKeyId: xmlValue(assumed.text, 'AccessKeyId')!,
      secretAccessKey: xmlValue(assumed.text, 'SecretAccessKey')!,
      sessionToken: xmlValue(assumed.text, 'SessionToken')!,
    };

    // The deployer role has no identity policy: IAM refuses it.
    const denied = await plane.call('iam', session, {
      Action: 'CreateRole',
      Version: '2010-05-08',
      RoleName: 'sneaky',
      AssumeRolePolicyDocument: ec2Trust,
    });
    expect(denied.status).toBe(403);

    // Two reads of the instance's credentials: one credential set, one event.
    const base = imds.find(INSTANCE)!.url;
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${base}latest/meta-data/iam/security-credentials/web`);
      expect(res.status).toBe(200);
      await res.json();
    }

    const all = await events();
    const assumeRole = all.filter((e) => e.channel === 'sts' && e.eventName === 'AssumeRole');
    const createRole = all.filter((e) => e.channel === 'iam' && e.eventName === 'CreateRole');
    const delivery = all.filter((e) => e.channel === 'imds');
    expect(assumeRole).toHaveLength(1);
    expect(createRole).toHaveLength(1);
    expect(delivery).toHaveLength(1);
    expect(all).toHaveLength(3);

    const [sts] = assumeRole;
    expect(sts).toMatchObject({ decision: 'allow', eventSource: 'sts.amazonaws.com' });
    expect(sts!.record).toMatchObject({
      userIdentity: { type: 'IAMUser', accessKeyId: plane.admin.accessKeyId },
      requestParameters: { roleArn: `arn:aws:iam::${ACCOUNT}:role/deployer`, roleSessionName: 'ci' },
      responseElements: {
        credentials: { accessKeyId: session.accessKeyId, secretAccessKey: HIDDEN, sessionToken: HIDDEN },
      },
      resources: [
        { ARN: `arn:aws:iam::${ACCOUNT}:role/deployer`, type: 'AWS::IAM::Role', accountId: ACCOUNT },
      ],
      credplane: { decision: 'allow', checks: [{ action: 'sts:AssumeRole', decision: 'Allow' }] },
    });

    const [iam] = createRole;
    expect(iam).toMatchObject({ decision: 'deny', errorCode: 'AccessDenied', roleName: 'deployer' });
    expect(iam!.record).toMatchObject({
      userIdentity: {
        type: 'AssumedRole',
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci`,
        sessionContext: { sessionIssuer: { type: 'Role', userName: 'deployer' } },
      },
      errorCode: 'AccessDenied',
      responseElements: null,
      credplane: { decision: 'deny', checks: [{ action: 'iam:CreateRole', decision: 'ImplicitDeny' }] },
    });

    const [ec2] = delivery;
    expect(ec2).toMatchObject({ decision: 'allow', roleName: 'web', eventName: 'AssumeRole' });
    expect(ec2!.record).toMatchObject({
      userIdentity: { type: 'AWSService', invokedBy: 'ec2.amazonaws.com' },
      requestParameters: { roleSessionName: INSTANCE },
    });

    // No secret of any of the three ever reached the store.
    const stored = JSON.stringify(all);
    expect(stored).not.toContain(session.secretAccessKey);
    expect(stored).not.toContain(session.sessionToken);
    expect(stored).not.toContain(plane.admin.secretAccessKey);

    // The denied CreateRole counts against the role that tried it.
    const aggregates = await plane.store.listLastAccessed(ACCOUNT, { roleName: 'deployer' });
    expect(aggregates).toEqual([
      expect.objectContaining({
        action: 'iam:CreateRole',
        resource: `arn:aws:iam::${ACCOUNT}:role/sneaky`,
        allowedCount: 0,
        deniedCount: 1,
      }),
    ]);
  });

  it('refuses the call when the log is full rather than serve it unlogged', async () => {
    const full = await createTestPlane({ accessLog: { commit: () => Promise.resolve(false) } });
    try {
      const res = await full.call('sts', full.admin, { Action: 'GetCallerIdentity', Version: '2011-06-15' });
      expect(res.status).toBe(503);
      expect(xmlValue(res.text, 'Code')).toBe('ServiceUnavailable');
    } finally {
      await full.close();
    }
  });

  it('records AssumeRoleWithWebIdentity as a WebIdentityUser of the role, token hidden', async () => {
    const provider = `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.example.test/id/C1`;
    await plane.store.createRole(ACCOUNT, {
      roleName: 'irsa',
      assumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity' },
        ],
      }),
    });
    const query = createQueryApiHandler({
      store: plane.store,
      snapshot: plane.snapshot,
      policies: new PolicyCache(),
      keyRing: { current: plane.keyRing } as unknown as KeyRingService,
      partition: 'aws',
      region: 'eu-west-1',
      now: () => plane.clock.now,
      accessLog,
      // Token verification has its own tests; here it stands for a verified service-account token.
      webIdentity: async () => ({
        provider: { arn: provider, url: 'oidc.example.test/id/C1', clientIds: ['sts.amazonaws.com'] },
        issuer: 'https://oidc.example.test/id/C1',
        subject: 'system:serviceaccount:payments:api',
        audience: 'sts.amazonaws.com',
        claims: {},
      }),
    });
    const { handler } = createRouter({ query });
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNlY3JldA';
    const body = new URLSearchParams({
      Action: 'AssumeRoleWithWebIdentity',
      Version: '2011-06-15',
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/irsa`,
      RoleSessionName: 'api',
      WebIdentityToken: token,
    }).toString();
    const requestId = randomUUID();
    const response = await handler({
      method: 'POST',
      url: '/',
      rawHeaders: ['host', '127.0.0.1', 'content-type', 'application/x-www-form-urlencoded'],
      headers: { host: '127.0.0.1', 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from(body),
      remoteAddress: '::ffff:127.0.0.1',
      requestId,
      receivedAt: plane.clock.now,
    });
    expect(response.status).toBe(200);
    const logged = (await events()).filter((e) => e.eventName === 'AssumeRoleWithWebIdentity');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ channel: 'web-identity', roleName: 'irsa', decision: 'allow' });
    expect(logged[0]!.record).toMatchObject({
      userIdentity: {
        type: 'WebIdentityUser',
        principalId: `${provider}:sts.amazonaws.com:system:serviceaccount:payments:api`,
        userName: 'system:serviceaccount:payments:api',
        identityProvider: provider,
      },
      awsRegion: 'eu-west-1',
      sourceIPAddress: '127.0.0.1',
      requestID: requestId,
      requestParameters: { roleArn: `arn:aws:iam::${ACCOUNT}:role/irsa`, webIdentityToken: HIDDEN },
    });
    expect(JSON.stringify(logged)).not.toContain(token);
  });
});
