import { spawnSync } from 'node:child_process';
import { X509Certificate, verify } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  createTestPlane,
  xmlValue,
  type Credentials,
  type TestPlane,
} from '../../server/test-support/plane.js';
import { createIdentitySigner } from './identity.js';
import { createImdsService, PORT_SETTING, type ImdsService } from './service.js';

const ec2Trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const lambdaTrust = ec2Trust.replace('ec2.amazonaws.com', 'lambda.amazonaws.com');
const INSTANCE = 'i-0123456789abcdef0';
const identity = createIdentitySigner();

let plane: TestPlane;
let imds: ImdsService;

async function putInstance(
  name: string,
  instanceId: string,
  metadataOptions: object,
  more: object = {},
): Promise<void> {
  const previous = await plane.store.listWorkloads(ACCOUNT, { kind: 'ec2-instance' });
  const port = previous.find((w) => w.name === name)?.settings[PORT_SETTING];
  await plane.store.putWorkload(ACCOUNT, {
    kind: 'ec2-instance',
    name,
    roleName: 'web',
    settings: {
      instanceId,
      instanceProfileName: 'web-profile',
      metadataOptions: metadataOptions as Record<string, string>,
      ...(typeof port === 'number' ? { [PORT_SETTING]: port } : {}),
      ...more,
    },
  });
  await imds.reconcile();
}

function url(path: string, id = INSTANCE): string {
  return `${imds.find(id)!.url}${path.replace(/^\//, '')}`;
}

async function token(id = INSTANCE): Promise<string> {
  const res = await fetch(url('/latest/api/token', id), {
    method: 'PUT',
    headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' },
  });
  return res.text();
}

async function credentials(v2: boolean, role = 'web'): Promise<Record<string, string>> {
  const headers: Record<string, string> = v2 ? { 'x-aws-ec2-metadata-token': await token() } : {};
  const res = await fetch(url(`/latest/meta-data/iam/security-credentials/${role}`), { headers });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, string>;
}

const asCreds = (doc: Record<string, string>): Credentials => ({
  accessKeyId: doc.AccessKeyId!,
  secretAccessKey: doc.SecretAccessKey!,
  sessionToken: doc.Token!,
});

beforeAll(async () => {
  plane = await createTestPlane();
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
    identity,
    now: () => plane.clock.now,
    credentialSeconds: 3600,
    refreshBeforeSeconds: 1800,
    portBase: 30000 + Math.floor(Math.random() * 2000),
    portSpan: 500,
    pollMs: 0,
  });
  await imds.start();
  await putInstance('web-1', INSTANCE, { httpTokens: 'optional' });
});

afterAll(async () => {
  await imds.stop();
  await plane.close();
});

describe('IMDS service', () => {
  it('serves each instance on its own loopback port and records the port in the workload', async () => {
    const info = imds.find('web-1')!;
    expect(info.instanceId).toBe(INSTANCE);
    expect(info.url).toBe(`http://127.0.0.1:${info.port}/`);
    const stored = await plane.store.getWorkload(ACCOUNT, 'ec2-instance', 'web-1');
    expect(stored.settings[PORT_SETTING]).toBe(info.port);
    expect(await (await fetch(url('/latest/meta-data/instance-id'))).text()).toBe(INSTANCE);
  });

  it('lists exactly the role name and serves SDK-shaped credentials', async () => {
    const list = await fetch(url('/latest/meta-data/iam/security-credentials/'));
    expect(list.headers.get('content-type')).toBe('text/plain');
    expect(await list.text()).toBe('web');
    const doc = await credentials(true);
    expect(doc.Code).toBe('Success');
    expect(doc.Type).toBe('AWS-HMAC');
    expect(doc.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(doc.Expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(doc.LastUpdated).toMatch(/Z$/);
    const extended = (await (
      await fetch(url('/latest/meta-data/iam/security-credentials-extended/web'))
    ).json()) as Record<string, string>;
    expect(extended.AccountId).toBe(ACCOUNT);
    const info = (await (await fetch(url('/latest/meta-data/iam/info'))).json()) as Record<string, string>;
    expect(info.InstanceProfileArn).toBe(`arn:aws:iam::${ACCOUNT}:instance-profile/web-profile`);
    expect(info.InstanceProfileId).toMatch(/^AIPA/);
  });

  it('delivers the assumed role with the instance id as session name; v1 and v2 sets differ', async () => {
    const v1 = await credentials(false);
    const v2 = await credentials(true);
    expect(v1.AccessKeyId).not.toBe(v2.AccessKeyId);
    expect((await credentials(true)).AccessKeyId).toBe(v2.AccessKeyId);
    for (const doc of [v1, v2]) {
      const res = await plane.call('sts', asCreds(doc), {
        Action: 'GetCallerIdentity',
        Version: '2011-06-15',
      });
      expect(xmlValue(res.text, 'Arn')).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/web/${INSTANCE}`);
    }
  });

  it('lets a policy refuse IMDSv1-delivered credentials with ec2:RoleDelivery', async () => {
    await plane.store.putRolePolicy(
      ACCOUNT,
      'web',
      'v2-only',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' },
          {
            Effect: 'Deny',
            Action: '*',
            Resource: '*',
            Condition: { NumericLessThan: { 'ec2:RoleDelivery': '2.0' } },
          },
        ],
      }),
    );
    const getRole = { Action: 'GetRole', Version: '2010-05-08', RoleName: 'web' };
    const v1 = await plane.call('iam', asCreds(await credentials(false)), getRole);
    expect(v1.status).toBe(403);
    expect(v1.text).toContain('explicit deny');
    const v2 = await plane.call('iam', asCreds(await credentials(true)), getRole);
    expect(v2.status).toBe(200);
    await plane.store.deleteRolePolicy(ACCOUNT, 'web', 'v2-only');
  });

  it('rotates credentials before they expire, and keeps serving the old ones until then', async () => {
    const first = await credentials(true);
    plane.clock.now += 1801 * 1000;
    const second = await credentials(true);
    expect(second.AccessKeyId).not.toBe(first.AccessKeyId);
    expect(Date.parse(second.Expiration!)).toBeGreaterThan(Date.parse(first.Expiration!));
  });

  it('applies ModifyInstanceMetadataOptions-style changes at once, on the same port', async () => {
    const port = imds.find(INSTANCE)!.port;
    await putInstance('web-1', INSTANCE, { httpTokens: 'required' });
    expect(imds.find(INSTANCE)!.port).toBe(port);
    expect((await fetch(url('/latest/meta-data/instance-id'))).status).toBe(401);
    expect(
      (
        await fetch(url('/latest/meta-data/instance-id'), {
          headers: { 'x-aws-ec2-metadata-token': await token() },
        })
      ).status,
    ).toBe(200);
    await putInstance('web-1', INSTANCE, { httpEndpoint: 'disabled' });
    expect((await fetch(url('/latest/meta-data/instance-id'))).status).toBe(403);
    await putInstance('web-1', INSTANCE, { httpTokens: 'optional' });
    expect((await fetch(url('/latest/meta-data/instance-id'))).status).toBe(200);
  });

  it('answers AssumeRoleUnauthorizedAccess with HTTP 200 when the trust policy does not allow EC2', async () => {
    await plane.store.updateRole(ACCOUNT, 'web', { assumeRolePolicyDocument: lambdaTrust });
    plane.clock.now += 10_000; // past the snapshot's cache age
    const res = await fetch(url('/latest/meta-data/iam/security-credentials/web'), {
      headers: { 'x-aws-ec2-metadata-token': await token() },
    });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, string>;
    expect(doc.Code).toBe('AssumeRoleUnauthorizedAccess');
    expect(doc.Message).toBe('EC2 cannot assume the role web.');
    expect(doc.AccessKeyId).toBeUndefined();
    await plane.store.updateRole(ACCOUNT, 'web', { assumeRolePolicyDocument: ec2Trust });
  });

  it('signs the identity document with a key whose certificate verifies it', async () => {
    const document = await (await fetch(url('/latest/dynamic/instance-identity/document'))).text();
    const signature = await (await fetch(url('/latest/dynamic/instance-identity/signature'))).text();
    expect(JSON.parse(document)).toMatchObject({
      instanceId: INSTANCE,
      region: 'us-east-1',
      accountId: ACCOUNT,
    });
    const cert = new X509Certificate(identity.certificatePem);
    expect(cert.subject).toContain('credplane instance identity');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(verify('sha256', Buffer.from(document), cert.publicKey, Buffer.from(signature, 'base64'))).toBe(
      true,
    );
    expect(
      verify('sha256', Buffer.from(`${document} `), cert.publicKey, Buffer.from(signature, 'base64')),
    ).toBe(false);
  });

  it('serves pkcs7 and rsa2048 signatures that openssl verifies against the document', async () => {
    const document = await (await fetch(url('/latest/dynamic/instance-identity/document'))).text();
    const listing = await (await fetch(url('/latest/dynamic/instance-identity/'))).text();
    expect(listing).toBe('document\npkcs7\nrsa2048\nsignature');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-iid-'));
    try {
      const cert = path.join(dir, 'certificate.pem');
      fs.writeFileSync(cert, identity.certificatePem);
      for (const leaf of ['pkcs7', 'rsa2048']) {
        const res = await fetch(url(`/latest/dynamic/instance-identity/${leaf}`));
        expect(res.status, leaf).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
        const body = await res.text();
        // Served again unchanged: signed once per document, not per request.
        expect(await (await fetch(url(`/latest/dynamic/instance-identity/${leaf}`))).text()).toBe(body);
        const p7 = path.join(dir, `${leaf}.pem`);
        fs.writeFileSync(p7, `-----BEGIN PKCS7-----\n${body}\n-----END PKCS7-----\n`);
        const out = spawnSync(
          'openssl',
          ['smime', '-verify', '-inform', 'PEM', '-in', p7, '-certfile', cert, '-noverify'],
          { encoding: 'utf8' },
        );
        expect(out.stderr, leaf).toContain('Verification successful');
        expect(out.stdout, leaf).toBe(document);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves user data decoded and region for SDK region lookups', async () => {
    await putInstance(
      'web-1',
      INSTANCE,
      { httpTokens: 'optional' },
      { userData: Buffer.from('#!/bin/sh\necho hi').toString('base64') },
    );
    expect(await (await fetch(url('/latest/user-data'))).text()).toBe('#!/bin/sh\necho hi');
    expect(await (await fetch(url('/latest/meta-data/placement/availability-zone'))).text()).toBe(
      'us-east-1a',
    );
  });

  it('rejects a token of one instance on another', async () => {
    await putInstance('web-2', 'i-0000000000000000a', { httpTokens: 'required' });
    const foreign = await token(INSTANCE);
    const res = await fetch(url('/latest/meta-data/instance-id', 'i-0000000000000000a'), {
      headers: { 'x-aws-ec2-metadata-token': foreign },
    });
    expect(res.status).toBe(401);
  });

  it('closes the endpoint when the instance is terminated', async () => {
    const endpoint = url('/latest/meta-data/instance-id', 'i-0000000000000000a');
    await plane.store.deleteWorkload(ACCOUNT, 'ec2-instance', 'web-2');
    await imds.reconcile();
    expect(imds.find('i-0000000000000000a')).toBeUndefined();
    await expect(fetch(endpoint)).rejects.toThrow();
  });
});
