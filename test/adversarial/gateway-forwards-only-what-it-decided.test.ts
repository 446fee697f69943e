/**
 * Property: the backend runs exactly the operation, on exactly the resource, that the gateway
 * authorized. A caller allowed only harmless reads signs requests that carry a second, conflicting
 * operation or resource in every place an AWS-protocol backend may look (the URL query, a form
 * body, `Action=` smuggled inside a JSON string, alternative headers, the content type, the
 * method), and a real moto_server stands behind the gateway: it picks the operation the way
 * `moto/core/responses.py` does (`Action` from the query or form first, then `X-Amz-Target`, and
 * with neither a query nor a form it reads the headers as parameters).
 *
 * Each attack must either be refused or reach moto as the authorized operation: the secret never
 * comes back and no state changes.
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

const SECRET = 'TOP-SECRET-VALUE-7f3a';
const MOTO_CREDS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

let moto: Moto;
let plane: TestPlane;
let gateway: Gateway;
let server: RunningServer;
let creds: Credentials;
const records: AccessRecordInput[] = [];
let keyId = '';
let queueUrl = '';

interface Sent {
  status: number;
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
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(input.body);
  });
}

/**
 * Signs and sends a request to `port`. `signed` headers are covered by the signature; `unsigned`
 * ones are added afterwards (non-S3 services do not require every header to be signed).
 */
async function send(
  port: number,
  credentials: Credentials,
  service: string,
  input: {
    method?: string;
    path?: string;
    query?: [string, string][];
    signed?: Record<string, string>;
    unsigned?: Record<string, string>;
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
        ...input.signed,
      },
    },
    { credentials, region: 'us-east-1', service, uriEscapePath: service !== 's3' },
  );
  const qs = new URLSearchParams(query).toString();
  return request(port, {
    method,
    path: qs === '' ? path : `${path}?${qs}`,
    headers: { ...headers, ...input.unsigned, 'content-length': String(Buffer.byteLength(body)) },
    body,
  });
}

const json = (version: '1.0' | '1.1', target: string) => ({
  'content-type': `application/x-amz-json-${version}`,
  'x-amz-target': target,
});

/** A request straight to moto, as the test's own administrator. */
function direct(service: string, input: Parameters<typeof send>[3]): Promise<Sent> {
  return send(moto.port, MOTO_CREDS, service, input);
}

async function secretStillSecret(response: Sent): Promise<void> {
  expect(response.body).not.toContain(SECRET);
}

async function queueExists(): Promise<boolean> {
  const res = await direct('sqs', {
    signed: json('1.0', 'AmazonSQS.ListQueues'),
    body: '{}',
  });
  return res.body.includes('victim-queue');
}

async function keyState(): Promise<string> {
  const res = await direct('kms', {
    signed: json('1.1', 'TrentService.DescribeKey'),
    body: JSON.stringify({ KeyId: keyId }),
  });
  return (JSON.parse(res.body) as { KeyMetadata: { KeyState: string } }).KeyMetadata.KeyState;
}

async function tableExists(): Promise<boolean> {
  const res = await direct('dynamodb', {
    signed: json('1.0', 'DynamoDB_20120810.ListTables'),
    body: '{}',
  });
  return res.body.includes('victim-table');
}

beforeAll(async () => {
  moto = await startMoto(tempDir('credplane-integrity-'));
  // The victims, created straight in moto.
  await direct('secretsmanager', {
    signed: json('1.1', 'secretsmanager.CreateSecret'),
    body: JSON.stringify({ Name: 'victim', SecretString: SECRET }),
  });
  await direct('ssm', {
    signed: json('1.1', 'AmazonSSM.PutParameter'),
    body: JSON.stringify({ Name: 'victim', Value: SECRET, Type: 'SecureString' }),
  });
  const key = await direct('kms', { signed: json('1.1', 'TrentService.CreateKey'), body: '{}' });
  keyId = (JSON.parse(key.body) as { KeyMetadata: { KeyId: string } }).KeyMetadata.KeyId;
  const queue = await direct('sqs', {
    signed: json('1.0', 'AmazonSQS.CreateQueue'),
    body: JSON.stringify({ QueueName: 'victim-queue' }),
  });
  queueUrl = (JSON.parse(queue.body) as { QueueUrl: string }).QueueUrl;
  await direct('dynamodb', {
    signed: json('1.0', 'DynamoDB_20120810.CreateTable'),
    body: JSON.stringify({
      TableName: 'victim-table',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  });
  await direct('dynamodb', {
    signed: json('1.0', 'DynamoDB_20120810.PutItem'),
    body: JSON.stringify({ TableName: 'victim-table', Item: { pk: { S: 'k' }, v: { S: SECRET } } }),
  });

  plane = await createTestPlane();
  await plane.store.createRole(ACCOUNT, {
    roleName: 'reader',
    assumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
      ],
    }),
  });
  await plane.store.putRolePolicy(
    ACCOUNT,
    'reader',
    'harmless-reads',
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: [
            'secretsmanager:DescribeSecret',
            'secretsmanager:ListSecrets',
            'ssm:DescribeParameters',
            'kms:DescribeKey',
            'kms:ListKeys',
            'dynamodb:DescribeTable',
            'dynamodb:ListTables',
            'sqs:ListQueues',
            'sqs:GetQueueUrl',
            'sqs:GetQueueAttributes',
            'sns:ListTopics',
          ],
          Resource: '*',
        },
      ],
    }),
  );
  const res = await plane.call('sts', plane.admin, {
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: `arn:aws:iam::${ACCOUNT}:role/reader`,
    RoleSessionName: 'attacker',
  });
  creds = credentialsOf(res.text);
  gateway = createGateway(
    testGatewayDeps(
      plane,
      {
        backends: { '*': { url: moto.url, credentials: MOTO_CREDS } },
        modes: {},
      },
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

const attack = (input: Parameters<typeof send>[3], service: string) =>
  send(server.port, creds, service, input);

describe('JSON protocol (Secrets Manager, JSON 1.1): the operation is the X-Amz-Target the gateway authorized', () => {
  const describeSecret = json('1.1', 'secretsmanager.DescribeSecret');
  const body = JSON.stringify({ SecretId: 'victim' });

  it('the allowed operation itself works (the attacks below are not refused for lack of access)', async () => {
    const res = await attack({ signed: describeSecret, body }, 'secretsmanager');
    expect(res.status).toBe(200);
    expect(res.body).toContain('victim');
    await secretStillSecret(res);
  });

  it('a second operation in the URL query (?Action=GetSecretValue)', async () => {
    const res = await attack(
      { signed: describeSecret, query: [['Action', 'GetSecretValue']], body },
      'secretsmanager',
    );
    await secretStillSecret(res);
  });

  it('a second resource in the URL query (?SecretId=victim on a harmless SecretId)', async () => {
    const res = await attack(
      {
        signed: json('1.1', 'secretsmanager.GetSecretValue'),
        query: [['SecretId', 'victim']],
        body: JSON.stringify({ SecretId: 'does-not-exist' }),
      },
      'secretsmanager',
    );
    await secretStillSecret(res);
  });

  it('Action= smuggled inside a JSON string (moto reads the body as a form when the query is empty)', async () => {
    const res = await attack(
      {
        signed: describeSecret,
        body: JSON.stringify({ SecretId: 'victim', ClientRequestToken: '&Action=GetSecretValue&' }),
      },
      'secretsmanager',
    );
    await secretStillSecret(res);
  });

  it('the same body sent as a form (Content-Type: application/x-www-form-urlencoded)', async () => {
    const res = await attack(
      {
        signed: { ...describeSecret, 'content-type': 'application/x-www-form-urlencoded' },
        body: JSON.stringify({ SecretId: 'victim', ClientRequestToken: '&Action=GetSecretValue&' }),
      },
      'secretsmanager',
    );
    await secretStillSecret(res);
  });

  it('an unsigned Action header', async () => {
    const res = await attack(
      { signed: describeSecret, unsigned: { Action: 'GetSecretValue' }, body },
      'secretsmanager',
    );
    await secretStillSecret(res);
  });
});

describe('JSON protocol (SSM, JSON 1.1)', () => {
  it('?Action=GetParameter&WithDecryption=true on a DescribeParameters', async () => {
    const res = await attack(
      {
        signed: json('1.1', 'AmazonSSM.DescribeParameters'),
        query: [
          ['Action', 'GetParameter'],
          ['Name', 'victim'],
          ['WithDecryption', 'true'],
        ],
        body: '{}',
      },
      'ssm',
    );
    await secretStillSecret(res);
  });

  it('GetParameter smuggled into a DescribeParameters body', async () => {
    const res = await attack(
      {
        signed: json('1.1', 'AmazonSSM.DescribeParameters'),
        body: JSON.stringify({ NextToken: '&Action=GetParameter&Name=victim&WithDecryption=true&' }),
      },
      'ssm',
    );
    await secretStillSecret(res);
  });
});

describe('JSON protocol (KMS, JSON 1.1): no state change behind a DescribeKey', () => {
  it('?Action=ScheduleKeyDeletion', async () => {
    await attack(
      {
        signed: json('1.1', 'TrentService.DescribeKey'),
        query: [
          ['Action', 'ScheduleKeyDeletion'],
          ['PendingWindowInDays', '7'],
        ],
        body: JSON.stringify({ KeyId: keyId }),
      },
      'kms',
    );
    expect(await keyState()).toBe('Enabled');
  });

  it('DisableKey smuggled into the body', async () => {
    await attack(
      {
        signed: json('1.1', 'TrentService.DescribeKey'),
        body: JSON.stringify({ KeyId: keyId, GrantTokens: ['&Action=DisableKey&'] }),
      },
      'kms',
    );
    expect(await keyState()).toBe('Enabled');
  });
});

describe('JSON protocol (DynamoDB, JSON 1.0)', () => {
  it('?Action=Scan on a DescribeTable', async () => {
    const res = await attack(
      {
        signed: json('1.0', 'DynamoDB_20120810.DescribeTable'),
        query: [['Action', 'Scan']],
        body: JSON.stringify({ TableName: 'victim-table' }),
      },
      'dynamodb',
    );
    await secretStillSecret(res);
  });

  it('DeleteTable smuggled into a DescribeTable body', async () => {
    await attack(
      {
        signed: json('1.0', 'DynamoDB_20120810.DescribeTable'),
        body: JSON.stringify({ TableName: 'victim-table', X: '&Action=DeleteTable&' }),
      },
      'dynamodb',
    );
    expect(await tableExists()).toBe(true);
  });
});

describe('SQS: JSON and Query requests', () => {
  it('JSON: an empty ListQueues body with DeleteQueue in headers (moto reads headers as parameters)', async () => {
    await attack(
      {
        signed: json('1.0', 'AmazonSQS.ListQueues'),
        unsigned: { Action: 'DeleteQueue', QueueUrl: queueUrl },
        body: '',
      },
      'sqs',
    );
    expect(await queueExists()).toBe(true);
  });

  it('JSON: ?Action=DeleteQueue&QueueUrl=... on a GetQueueUrl', async () => {
    await attack(
      {
        signed: json('1.0', 'AmazonSQS.GetQueueUrl'),
        query: [
          ['Action', 'DeleteQueue'],
          ['QueueUrl', queueUrl],
        ],
        body: JSON.stringify({ QueueName: 'victim-queue' }),
      },
      'sqs',
    );
    expect(await queueExists()).toBe(true);
  });

  it('Query: a form body of GetQueueUrl with an X-Amz-Target of DeleteQueue', async () => {
    await attack(
      {
        signed: { 'content-type': 'application/x-www-form-urlencoded' },
        unsigned: { 'x-amz-target': 'AmazonSQS.DeleteQueue' },
        body: new URLSearchParams({
          Action: 'GetQueueUrl',
          QueueName: 'victim-queue',
          QueueUrl: queueUrl,
        }).toString(),
      },
      'sqs',
    );
    expect(await queueExists()).toBe(true);
  });

  it('Query: GetQueueAttributes in the URL, DeleteQueue in a JSON-typed body moto reads as a form', async () => {
    await attack(
      {
        query: [
          ['Action', 'GetQueueAttributes'],
          ['QueueUrl', queueUrl],
        ],
        signed: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `Action=GetQueueAttributes&QueueUrl=${encodeURIComponent(queueUrl)}`,
        unsigned: { Action: 'DeleteQueue' },
      },
      'sqs',
    );
    expect(await queueExists()).toBe(true);
  });

  it('Query over GET: ListQueues with DeleteQueue in headers', async () => {
    await attack(
      {
        method: 'GET',
        query: [['Action', 'ListQueues']],
        unsigned: { QueueUrl: queueUrl, Action: 'DeleteQueue' },
      },
      'sqs',
    );
    expect(await queueExists()).toBe(true);
  });
});

describe('the access log names what the backend ran', () => {
  it('every forwarded request was logged as the operation it was authorized as', () => {
    const forwarded = records.filter((r) => r.decision === 'allow');
    expect(forwarded.length).toBeGreaterThan(0);
    for (const record of forwarded) {
      expect([
        'GetSecretValue',
        'GetParameter',
        'ScheduleKeyDeletion',
        'DeleteQueue',
        'Scan',
        'DeleteTable',
        'DisableKey',
      ]).not.toContain(record.eventName);
    }
  });
});
