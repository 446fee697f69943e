/**
 * Property: an instance's metadata endpoint hands its role credentials only to a caller that holds
 * a current IMDSv2 token of that same instance (with `HttpTokens=required`), and only while the
 * endpoint is enabled. A token is got only by a direct PUT (no `X-Forwarded-For`, a valid TTL), is
 * read only from its header, and no path trick reaches anything outside the instance's own tree.
 * See "Use the Instance Metadata Service to access instance metadata" and "Configure the instance
 * metadata options" in the Amazon EC2 User Guide.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentitySigner } from '../../src/delivery/imds/identity.js';
import { createImdsService, PORT_SETTING, type ImdsService } from '../../src/delivery/imds/service.js';
import { ACCOUNT, createTestPlane, type TestPlane } from '../../src/server/test-support/plane.js';

const ec2Trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const A = 'i-0aaaaaaaaaaaaaaa1';
const B = 'i-0bbbbbbbbbbbbbbb2';
const CREDS = '/latest/meta-data/iam/security-credentials/web';

let plane: TestPlane;
let imds: ImdsService;

interface Reply {
  status: number;
  body: string;
}

/** A raw request: the path is sent exactly as given (no URL normalisation), headers as listed. */
function raw(
  instance: string,
  method: string,
  path: string,
  headers: [string, string][] = [],
): Promise<Reply> {
  const { port } = imds.find(instance)!;
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers: [['Host', `127.0.0.1:${port}`], ...headers].flat() },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function token(instance: string, ttl = '21600'): Promise<string> {
  const res = await raw(instance, 'PUT', '/latest/api/token', [
    ['X-aws-ec2-metadata-token-ttl-seconds', ttl],
  ]);
  expect(res.status).toBe(200);
  return res.body;
}

async function putInstance(name: string, instanceId: string, options: object): Promise<void> {
  const previous = await plane.store.listWorkloads(ACCOUNT, { kind: 'ec2-instance' });
  const port = previous.find((w) => w.name === name)?.settings[PORT_SETTING];
  await plane.store.putWorkload(ACCOUNT, {
    kind: 'ec2-instance',
    name,
    roleName: 'web',
    settings: {
      instanceId,
      instanceProfileName: 'web-profile',
      metadataOptions: options as Record<string, string>,
      ...(typeof port === 'number' ? { [PORT_SETTING]: port } : {}),
    },
  });
  await imds.reconcile();
}

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
    identity: createIdentitySigner(),
    now: () => plane.clock.now,
    portBase: 32000 + Math.floor(Math.random() * 2000),
    portSpan: 500,
    pollMs: 0,
  });
  await imds.start();
  await putInstance('a', A, { httpTokens: 'required' });
  await putInstance('b', B, { httpTokens: 'required' });
});

afterAll(async () => {
  await imds.stop();
  await plane.close();
});

describe('IMDSv2 credentials only for the instance whose token is presented', () => {
  it('positive control: a token of the instance gets its credentials', async () => {
    const res = await raw(A, 'GET', CREDS, [['X-aws-ec2-metadata-token', await token(A)]]);
    expect(res.status).toBe(200);
    expect((JSON.parse(res.body) as { Code: string }).Code).toBe('Success');
  });

  it('refuses a GET without a token (401) when HttpTokens=required', async () => {
    expect(await raw(A, 'GET', CREDS)).toMatchObject({ status: 401 });
    expect((await raw(A, 'GET', '/latest/meta-data/iam/security-credentials/')).status).toBe(401);
  });

  it('refuses a token PUT without a TTL or with a bad one (400)', async () => {
    expect((await raw(A, 'PUT', '/latest/api/token')).status).toBe(400);
    for (const ttl of ['0', '21601', '-1', '1e3', '60.0', '0x3c', '+60']) {
      const res = await raw(A, 'PUT', '/latest/api/token', [['X-aws-ec2-metadata-token-ttl-seconds', ttl]]);
      expect(res.status, ttl).toBe(400);
    }
  });

  it('refuses a token PUT carrying X-Forwarded-For, in any letter case (403)', async () => {
    for (const name of ['X-Forwarded-For', 'x-forwarded-for', 'X-FORWARDED-FOR']) {
      const res = await raw(A, 'PUT', '/latest/api/token', [
        ['X-aws-ec2-metadata-token-ttl-seconds', '60'],
        [name, '203.0.113.9'],
      ]);
      expect(res.status, name).toBe(403);
      expect(res.body).not.toMatch(/^v1\./);
    }
  });

  it("refuses a token of another instance's endpoint (401)", async () => {
    const res = await raw(A, 'GET', CREDS, [['X-aws-ec2-metadata-token', await token(B)]]);
    expect(res.status).toBe(401);
    expect(res.body).not.toContain('AccessKeyId');
  });

  it('refuses an expired token (401)', async () => {
    const short = await token(A, '1');
    expect((await raw(A, 'GET', CREDS, [['X-aws-ec2-metadata-token', short]])).status).toBe(200);
    plane.clock.now += 1000;
    expect((await raw(A, 'GET', CREDS, [['X-aws-ec2-metadata-token', short]])).status).toBe(401);
  });

  it('refuses a tampered token and a token given in the query instead of the header (401)', async () => {
    const good = await token(A);
    const tampered = good.slice(0, -1) + (good.endsWith('A') ? 'B' : 'A');
    expect((await raw(A, 'GET', CREDS, [['X-aws-ec2-metadata-token', tampered]])).status).toBe(401);
    const inQuery = `${CREDS}?X-aws-ec2-metadata-token=${encodeURIComponent(good)}`;
    expect((await raw(A, 'GET', inQuery)).status).toBe(401);
  });

  it('reads the token header whatever its case, and a duplicated header does not smuggle a foreign token', async () => {
    const good = await token(A);
    expect((await raw(A, 'GET', CREDS, [['X-AWS-EC2-METADATA-TOKEN', good]])).status).toBe(200);
    // Node joins duplicates of an unknown header with ", ": neither order is a valid token.
    for (const pair of [
      [good, await token(B)],
      [await token(B), good],
    ]) {
      const res = await raw(A, 'GET', CREDS, [
        ['X-aws-ec2-metadata-token', pair[0]!],
        ['X-aws-ec2-metadata-token', pair[1]!],
      ]);
      expect(res.status).toBe(401);
    }
  });

  it('refuses X-Forwarded-For beside a valid token on a GET (403)', async () => {
    const res = await raw(A, 'GET', CREDS, [
      ['X-aws-ec2-metadata-token', await token(A)],
      ['X-Forwarded-For', '203.0.113.9'],
    ]);
    expect(res.status).toBe(403);
  });

  it('answers 404 to path traversal and encoded tricks, never another document', async () => {
    const t = await token(A);
    for (const path of [
      '/latest/meta-data/iam/security-credentials/../../',
      '/latest/meta-data/iam/security-credentials/../../../latest/meta-data/iam/security-credentials/web',
      '/latest/meta-data/iam/security-credentials/%2e%2e/%2e%2e/',
      '/latest/meta-data/iam/security-credentials/web%2f..',
      '/latest/meta-data/iam/security-credentials/__proto__',
      '/latest/meta-data/iam/security-credentials/constructor',
      '/latest/meta-data/iam/security-credentials/toString',
    ]) {
      const res = await raw(A, 'GET', path, [['X-aws-ec2-metadata-token', t]]);
      expect(res.status, path).toBe(404);
      expect(res.body).not.toContain('AccessKeyId');
    }
  });

  it('refuses a token issued before HttpEndpoint=disabled, and everything while disabled (403)', async () => {
    const before = await token(A);
    await putInstance('a', A, { httpTokens: 'required', httpEndpoint: 'disabled' });
    try {
      expect((await raw(A, 'GET', CREDS, [['X-aws-ec2-metadata-token', before]])).status).toBe(403);
      const put = await raw(A, 'PUT', '/latest/api/token', [['X-aws-ec2-metadata-token-ttl-seconds', '60']]);
      expect(put.status).toBe(403);
    } finally {
      await putInstance('a', A, { httpTokens: 'required' });
    }
    // Re-enabled: the endpoint serves again (the control for the refusal above).
    expect((await raw(A, 'GET', CREDS, [['X-aws-ec2-metadata-token', await token(A)]])).status).toBe(200);
  });
});
