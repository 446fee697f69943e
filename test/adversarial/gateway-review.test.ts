/**
 * Property: the backend acts on exactly the operation and resource the gateway authorized and
 * logged. Found in review against moto_server: places moto reads a parameter from that the mapper
 * does not (a form body on a REST request, the last `/` segment of a `QueueUrl` wherever it is,
 * `TargetArn` before `TopicArn`, `uploadId` without `partNumber`).
 *
 * A role session may read, write and delete only the current objects under `vbucket/public/`
 * (object versions, ACLs and tags are explicitly denied), receive from queue `public-q` and publish
 * to topic `public-t`. Each attack must be refused or reach moto as what was authorized.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/server.js';
import { mapperForSigningName } from '../../src/gateway/mapping/index.js';
import { testGatewayDeps } from '../../src/gateway/test-support/deps.js';
import type { AccessRecordInput } from '../../src/audit/types.js';
import { listen, type RunningServer } from '../../src/http/server.js';
import {
  ACCOUNT,
  createTestPlane,
  credentialsOf,
  type Credentials,
  type TestPlane,
} from '../../src/server/test-support/plane.js';
import { signRequest } from '../../src/sigv4/sign.js';
import { startMoto, tempDir, type Moto } from '../e2e/support.js';

const SECRET = 'OLD-VERSION-SECRET-51c2';
const QUEUE_SECRET = 'QUEUE-SECRET-9d0e';
const MOTO_CREDS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const FORM = 'application/x-www-form-urlencoded';

let moto: Moto;
let plane: TestPlane;
let gateway: Gateway;
let server: RunningServer;
let creds: Credentials;
const records: AccessRecordInput[] = [];
let oldVersion = '';

interface Sent {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(
  port: number,
  input: { method: string; path: string; headers: Record<string, string>; body: string },
): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: input.method, path: input.path, headers: input.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(input.body);
  });
}

/** Signs (every header given is signed) and sends a request to `port`. */
async function send(
  port: number,
  credentials: Credentials,
  service: string,
  input: {
    method?: string;
    path?: string;
    query?: [string, string][];
    headers?: Record<string, string>;
    body?: string;
  },
): Promise<Sent> {
  const method = input.method ?? 'POST';
  const path = input.path ?? '/';
  const query = input.query ?? [];
  const body = input.body ?? '';
  const headers = signRequest(
    {
      method,
      path,
      query,
      headers: {
        host: `127.0.0.1:${port}`,
        'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'),
        ...input.headers,
      },
    },
    { credentials, region: 'us-east-1', service, uriEscapePath: service !== 's3' },
  );
  const qs = new URLSearchParams(query).toString();
  return request(port, {
    method,
    path: qs === '' ? path : `${path}?${qs}`,
    headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    body,
  });
}

/** Straight to moto, as the test's own administrator. */
const direct = (service: string, input: Parameters<typeof send>[3]): Promise<Sent> =>
  send(moto.port, MOTO_CREDS, service, input);

/** Through the gateway, as the low-privilege role session. */
const attack = (service: string, input: Parameters<typeof send>[3]): Promise<Sent> =>
  send(server.port, creds, service, input);

const form = (params: Record<string, string>): string => new URLSearchParams(params).toString();

const queueUrl = (name: string): string => `${moto.url}/${ACCOUNT}/${name}`;

async function queueMessages(name: string): Promise<string> {
  const res = await direct('sqs', {
    headers: { 'content-type': FORM },
    body: form({ Action: 'ReceiveMessage', QueueUrl: queueUrl(name), MaxNumberOfMessages: '10' }),
  });
  return res.body;
}

async function versionsOfPublicA(): Promise<string> {
  return (await direct('s3', { method: 'GET', path: '/vbucket', query: [['versions', '']] })).body;
}

beforeAll(async () => {
  moto = await startMoto(tempDir('credplane-review-'));
  await direct('s3', { method: 'PUT', path: '/vbucket' });
  await direct('s3', {
    method: 'PUT',
    path: '/vbucket',
    query: [['versioning', '']],
    body: '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>',
  });
  const v1 = await direct('s3', { method: 'PUT', path: '/vbucket/public/a', body: SECRET });
  oldVersion = String(v1.headers['x-amz-version-id']);
  await direct('s3', { method: 'PUT', path: '/vbucket/public/a', body: 'current' });
  for (const name of ['public-q', 'secret-q', 'sink-q']) {
    await direct('sqs', {
      headers: { 'content-type': FORM },
      body: form({ Action: 'CreateQueue', QueueName: name }),
    });
  }
  await direct('sqs', {
    headers: { 'content-type': FORM },
    body: form({ Action: 'SendMessage', QueueUrl: queueUrl('secret-q'), MessageBody: QUEUE_SECRET }),
  });
  for (const name of ['public-t', 'secret-t']) {
    await direct('sns', {
      headers: { 'content-type': FORM },
      body: form({ Action: 'CreateTopic', Name: name }),
    });
  }
  await direct('sns', {
    headers: { 'content-type': FORM },
    body: form({
      Action: 'Subscribe',
      TopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:secret-t`,
      Protocol: 'sqs',
      Endpoint: `arn:aws:sqs:us-east-1:${ACCOUNT}:sink-q`,
    }),
  });

  plane = await createTestPlane();
  await plane.store.createRole(ACCOUNT, {
    roleName: 'low',
    assumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
      ],
    }),
  });
  await plane.store.putRolePolicy(
    ACCOUNT,
    'low',
    'narrow',
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
          Resource: 'arn:aws:s3:::vbucket/public/*',
        },
        {
          Effect: 'Deny',
          Action: ['s3:GetObjectVersion', 's3:DeleteObjectVersion', 's3:PutObjectAcl', 's3:PutObjectTagging'],
          Resource: '*',
        },
        {
          Effect: 'Allow',
          Action: ['sqs:ReceiveMessage'],
          Resource: `arn:aws:sqs:us-east-1:${ACCOUNT}:public-q`,
        },
        { Effect: 'Allow', Action: ['sns:Publish'], Resource: `arn:aws:sns:us-east-1:${ACCOUNT}:public-t` },
      ],
    }),
  );
  const res = await plane.call('sts', plane.admin, {
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: `arn:aws:iam::${ACCOUNT}:role/low`,
    RoleSessionName: 'attacker',
  });
  creds = credentialsOf(res.text);
  gateway = createGateway(
    testGatewayDeps(
      plane,
      { backends: { '*': { url: moto.url, credentials: MOTO_CREDS } }, modes: {} },
      mapperForSigningName,
      { records },
      ACCOUNT,
    ),
  );
  server = await listen(plane.withGateway(gateway), 0);
}, 60_000);

afterAll(async () => {
  await server?.close();
  gateway?.close();
  await plane?.close();
  await moto?.stop();
});

describe('S3: a form body on a REST request carries no parameter to the backend', () => {
  it('the allowed read works, and the version read is denied (the attacks are not refused for lack of access)', async () => {
    const current = await attack('s3', { method: 'GET', path: '/vbucket/public/a' });
    expect(current.status).toBe(200);
    expect(current.body).toBe('current');
    const version = await attack('s3', {
      method: 'GET',
      path: '/vbucket/public/a',
      query: [['versionId', oldVersion]],
    });
    expect(version.status).toBe(403);
  });

  it('GetObject with versionId in a form body does not read the version s3:GetObjectVersion denies', async () => {
    const res = await attack('s3', {
      method: 'GET',
      path: '/vbucket/public/a',
      headers: { 'content-type': FORM },
      body: form({ versionId: oldVersion }),
    });
    expect(res.body).not.toContain(SECRET);
  });

  it('DeleteObject with versionId in a form body does not delete the version s3:DeleteObjectVersion denies', async () => {
    await attack('s3', {
      method: 'DELETE',
      path: '/vbucket/public/a',
      headers: { 'content-type': FORM },
      body: form({ versionId: oldVersion }),
    });
    expect(await versionsOfPublicA()).toContain(oldVersion);
  });
});

describe('S3: uploadId without partNumber is no upload of a part', () => {
  it('PUT ?uploadId with x-amz-acl does not make a public object without s3:PutObjectAcl', async () => {
    await attack('s3', {
      method: 'PUT',
      path: '/vbucket/public/b',
      query: [['uploadId', 'none']],
      headers: { 'x-amz-acl': 'public-read', 'x-amz-tagging': 'owner=attacker' },
      body: 'data',
    });
    const acl = await direct('s3', { method: 'GET', path: '/vbucket/public/b', query: [['acl', '']] });
    expect(acl.body).not.toContain('AllUsers');
    const tags = await direct('s3', { method: 'GET', path: '/vbucket/public/b', query: [['tagging', '']] });
    expect(tags.body).not.toContain('attacker');
  });
});

describe('SQS: the queue is the QueueUrl the gateway authorized, all of it', () => {
  it('the allowed queue works, the other one is denied', async () => {
    const ok = await attack('sqs', {
      headers: { 'content-type': FORM },
      body: form({ Action: 'ReceiveMessage', QueueUrl: queueUrl('public-q') }),
    });
    expect(ok.status).toBe(200);
    const denied = await attack('sqs', {
      headers: { 'content-type': FORM },
      body: form({ Action: 'ReceiveMessage', QueueUrl: queueUrl('secret-q') }),
    });
    expect(denied.status).toBe(403);
  });

  for (const suffix of ['?x=/secret-q', '#/secret-q', '?/secret-q']) {
    it(`Query: QueueUrl .../public-q${suffix} does not receive from secret-q`, async () => {
      const res = await attack('sqs', {
        headers: { 'content-type': FORM },
        body: form({
          Action: 'ReceiveMessage',
          QueueUrl: `${queueUrl('public-q')}${suffix}`,
          VisibilityTimeout: '0',
        }),
      });
      expect(res.body).not.toContain(QUEUE_SECRET);
    });

    it(`JSON: QueueUrl .../public-q${suffix} does not receive from secret-q`, async () => {
      const res = await attack('sqs', {
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ReceiveMessage' },
        body: JSON.stringify({ QueueUrl: `${queueUrl('public-q')}${suffix}`, VisibilityTimeout: 0 }),
      });
      expect(res.body).not.toContain(QUEUE_SECRET);
    });
  }
});

describe('SNS: Publish goes to the topic the gateway authorized', () => {
  it('TopicArn (allowed) with TargetArn (another topic) does not publish to the other topic', async () => {
    await attack('sns', {
      headers: { 'content-type': FORM },
      body: form({
        Action: 'Publish',
        TopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:public-t`,
        TargetArn: `arn:aws:sns:us-east-1:${ACCOUNT}:secret-t`,
        Message: 'INJECTED',
      }),
    });
    expect(await queueMessages('sink-q')).not.toContain('INJECTED');
  });
});
