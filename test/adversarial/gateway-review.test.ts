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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, type Credentials } from '../../src/server/test-support/plane.js';
import {
  MOTO_CREDS,
  sendSigned,
  startGatewayLab,
  type GatewayLab,
  type Sent,
  type SignedInput,
} from './support.js';

const SECRET = 'OLD-VERSION-SECRET-51c2';
const QUEUE_SECRET = 'QUEUE-SECRET-9d0e';
const FORM = 'application/x-www-form-urlencoded';

let lab: GatewayLab;
let creds: Credentials;
let oldVersion = '';

/** Straight to moto, as the test's own administrator. */
const direct = (service: string, input: SignedInput): Promise<Sent> =>
  sendSigned(lab.moto.port, MOTO_CREDS, service, input);

/** Through the gateway, as the low-privilege role session. */
const attack = (service: string, input: SignedInput): Promise<Sent> =>
  sendSigned(lab.server.port, creds, service, input);

const form = (params: Record<string, string>): string => new URLSearchParams(params).toString();

const queueUrl = (name: string): string => `${lab.moto.url}/${ACCOUNT}/${name}`;

async function queueMessages(name: string): Promise<string> {
  const res = await direct('sqs', {
    signed: { 'content-type': FORM },
    body: form({ Action: 'ReceiveMessage', QueueUrl: queueUrl(name), MaxNumberOfMessages: '10' }),
  });
  return res.body;
}

async function versionsOfPublicA(): Promise<string> {
  return (await direct('s3', { method: 'GET', path: '/vbucket', query: [['versions', '']] })).body;
}

beforeAll(async () => {
  lab = await startGatewayLab('credplane-review-');
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
      signed: { 'content-type': FORM },
      body: form({ Action: 'CreateQueue', QueueName: name }),
    });
  }
  await direct('sqs', {
    signed: { 'content-type': FORM },
    body: form({ Action: 'SendMessage', QueueUrl: queueUrl('secret-q'), MessageBody: QUEUE_SECRET }),
  });
  for (const name of ['public-t', 'secret-t']) {
    await direct('sns', {
      signed: { 'content-type': FORM },
      body: form({ Action: 'CreateTopic', Name: name }),
    });
  }
  await direct('sns', {
    signed: { 'content-type': FORM },
    body: form({
      Action: 'Subscribe',
      TopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:secret-t`,
      Protocol: 'sqs',
      Endpoint: `arn:aws:sqs:us-east-1:${ACCOUNT}:sink-q`,
    }),
  });

  creds = await lab.roleSession('low', [
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
  ]);
}, 60_000);

afterAll(async () => {
  await lab?.close();
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
      signed: { 'content-type': FORM },
      body: form({ versionId: oldVersion }),
    });
    expect(res.body).not.toContain(SECRET);
  });

  it('DeleteObject with versionId in a form body does not delete the version s3:DeleteObjectVersion denies', async () => {
    await attack('s3', {
      method: 'DELETE',
      path: '/vbucket/public/a',
      signed: { 'content-type': FORM },
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
      signed: { 'x-amz-acl': 'public-read', 'x-amz-tagging': 'owner=attacker' },
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
      signed: { 'content-type': FORM },
      body: form({ Action: 'ReceiveMessage', QueueUrl: queueUrl('public-q') }),
    });
    expect(ok.status).toBe(200);
    const denied = await attack('sqs', {
      signed: { 'content-type': FORM },
      body: form({ Action: 'ReceiveMessage', QueueUrl: queueUrl('secret-q') }),
    });
    expect(denied.status).toBe(403);
  });

  for (const suffix of ['?x=/secret-q', '#/secret-q', '?/secret-q']) {
    it(`Query: QueueUrl .../public-q${suffix} does not receive from secret-q`, async () => {
      const res = await attack('sqs', {
        signed: { 'content-type': FORM },
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
        signed: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ReceiveMessage' },
        body: JSON.stringify({ QueueUrl: `${queueUrl('public-q')}${suffix}`, VisibilityTimeout: 0 }),
      });
      expect(res.body).not.toContain(QUEUE_SECRET);
    });
  }
});

describe('SNS: Publish goes to the topic the gateway authorized', () => {
  it('TopicArn (allowed) with TargetArn (another topic) does not publish to the other topic', async () => {
    await attack('sns', {
      signed: { 'content-type': FORM },
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
