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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Credentials } from '../../src/server/test-support/plane.js';
import {
  MOTO_CREDS,
  jsonHeaders as json,
  sendSigned,
  startGatewayLab,
  type GatewayLab,
  type Sent,
  type SignedInput,
} from './support.js';

const SECRET = 'TOP-SECRET-VALUE-7f3a';

let lab: GatewayLab;
let creds: Credentials;
let records: GatewayLab['records'];
let keyId = '';
let queueUrl = '';

/** A request straight to moto, as the test's own administrator. */
function direct(service: string, input: SignedInput): Promise<Sent> {
  return sendSigned(lab.moto.port, MOTO_CREDS, service, input);
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
  lab = await startGatewayLab('credplane-integrity-');
  records = lab.records;
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

  creds = await lab.roleSession('reader', [
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
  ]);
}, 60_000);

afterAll(async () => {
  await lab?.close();
});

const attack = (input: SignedInput, service: string) => sendSigned(lab.server.port, creds, service, input);

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

describe('refusals are logged with the caller and the operation', () => {
  it('a request the mapper refuses (missing SecretId) names DescribeSecret and the caller', async () => {
    const res = await attack(
      { signed: json('1.1', 'secretsmanager.DescribeSecret'), body: '{}' },
      'secretsmanager',
    );
    expect(res.status).toBe(400);
    const last = records.at(-1)!;
    expect(last).toMatchObject({ eventName: 'DescribeSecret', decision: 'deny' });
    expect(last.caller?.principal.arn).toContain(':assumed-role/reader/attacker');
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
