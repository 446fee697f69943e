import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthorizationView } from '../../control/authorization-view.js';
import { ACCOUNT, createTestPlane, xmlValue, type TestPlane } from '../../server/test-support/plane.js';
import { createIdentitySigner } from './identity.js';
import { createImdsService, type ImdsService } from './service.js';

// Its own plane and service: a second service on a shared store would contend for the stored port.
const INSTANCE = 'i-0fedcba9876543210';
const LIFETIME_S = 3600;
const REFRESH_BEFORE_S = 1800;

let plane: TestPlane;
let imds: ImdsService;
/** While set, the issuer's view of the control plane throws, as when its store is unreachable. */
let failing = false;
let lookups = 0;

beforeAll(async () => {
  plane = await createTestPlane();
  await plane.store.createRole(ACCOUNT, {
    roleName: 'web',
    assumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    }),
  });
  await plane.store.createInstanceProfile(ACCOUNT, { instanceProfileName: 'web-profile' });
  await plane.store.addRoleToInstanceProfile(ACCOUNT, 'web-profile', 'web');
  await plane.store.putWorkload(ACCOUNT, {
    kind: 'ec2-instance',
    name: 'web-1',
    roleName: 'web',
    settings: { instanceId: INSTANCE, instanceProfileName: 'web-profile', metadataOptions: {} },
  });
  const snapshot = Object.create(plane.snapshot) as AuthorizationView;
  snapshot.role = (accountId, roleName) => {
    lookups++;
    return failing
      ? Promise.reject(new Error('control plane unreachable'))
      : plane.snapshot.role(accountId, roleName);
  };
  imds = createImdsService({
    store: plane.store,
    snapshot,
    keyRing: plane.keyRing,
    accountId: ACCOUNT,
    region: 'us-east-1',
    partition: 'aws',
    identity: createIdentitySigner(),
    now: () => plane.clock.now,
    credentialSeconds: LIFETIME_S,
    refreshBeforeSeconds: REFRESH_BEFORE_S,
    portBase: 34000 + Math.floor(Math.random() * 2000),
    portSpan: 500,
    pollMs: 0,
  });
  await imds.start();
});

afterAll(async () => {
  await imds.stop();
  await plane.close();
});

async function credentials(v2: boolean): Promise<{ status: number; text: string }> {
  const base = imds.find(INSTANCE)!.url;
  const headers: Record<string, string> = {};
  if (v2) {
    const token = await fetch(`${base}latest/api/token`, {
      method: 'PUT',
      headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '300' },
    });
    headers['x-aws-ec2-metadata-token'] = await token.text();
  }
  const res = await fetch(`${base}latest/meta-data/iam/security-credentials/web`, { headers });
  return { status: res.status, text: await res.text() };
}

const doc = (text: string): Record<string, string> => JSON.parse(text) as Record<string, string>;

describe('IMDS during a control-plane outage', () => {
  it('keeps serving cached credentials while the issuer fails, until they expire', async () => {
    const start = plane.clock.now;
    const first = await credentials(true);
    expect(first.status).toBe(200);
    const cached = doc(first.text);
    expect(cached.Code).toBe('Success');

    failing = true;
    // Past the refresh point: every request tries to refresh, fails, and gets the cached set.
    plane.clock.now = start + (LIFETIME_S - REFRESH_BEFORE_S + 1) * 1000;
    const attempts = lookups;
    const during = await credentials(true);
    expect(lookups).toBeGreaterThan(attempts);
    expect(during.status).toBe(200);
    expect(doc(during.text)).toMatchObject({
      Code: 'Success',
      AccessKeyId: cached.AccessKeyId,
      Expiration: cached.Expiration,
    });
    // Still valid where it matters: the plane itself accepts the cached credentials.
    const identity = await plane.call(
      'sts',
      {
        accessKeyId: cached.AccessKeyId!,
        secretAccessKey: cached.SecretAccessKey!,
        sessionToken: cached.Token!,
      },
      { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    );
    expect(xmlValue(identity.text, 'Arn')).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/web/${INSTANCE}`);

    // IMDSv1 never cached a set of its own, so it has nothing to fall back on.
    expect((await credentials(false)).status).toBe(500);

    plane.clock.now = Date.parse(cached.Expiration!) - 1000;
    expect(doc((await credentials(true)).text).AccessKeyId).toBe(cached.AccessKeyId);

    // Expired credentials are never served, outage or not.
    plane.clock.now = Date.parse(cached.Expiration!) + 1000;
    const expired = await credentials(true);
    expect(expired.status).toBe(500);
    expect(expired.text).not.toContain(cached.AccessKeyId!);

    failing = false;
    const recovered = await credentials(true);
    expect(recovered.status).toBe(200);
    expect(doc(recovered.text).AccessKeyId).not.toBe(cached.AccessKeyId);
    expect(Date.parse(doc(recovered.text).Expiration!)).toBeGreaterThan(plane.clock.now);
  });
});
