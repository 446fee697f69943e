/**
 * Authentication failures through the gateway as each service's own SDK parses them: the unmodified
 * JS SDK v3 clients (S3 REST-XML, DynamoDB JSON 1.0, SQS JSON query-compatible, SNS Query) sign with
 * an access key id credplane never issued, with a wrong secret, or with an expired session token.
 *
 * The codes are the services' own (S3 API Reference, Error responses: `InvalidAccessKeyId` 403,
 * `SignatureDoesNotMatch` 403, `ExpiredToken` 400; DynamoDB Common errors:
 * `UnrecognizedClientException` 400, `InvalidSignatureException` 400; SQS and SNS Common Errors:
 * `InvalidClientTokenId` 403, `SignatureDoesNotMatch` 403). An error never carries the secret or the
 * signature the client sent.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../http/server.js';
import {
  ACCOUNT,
  createTestPlane,
  credentialsOf,
  type Credentials,
  type TestPlane,
} from '../server/test-support/plane.js';
import { mapperForSigningName } from './mapping/index.js';
import { createGateway, type Gateway } from './server.js';
import { testGatewayDeps } from './test-support/deps.js';

let plane: TestPlane;
let backend: http.Server;
let backendHits = 0;
let gateway: Gateway;
let server: RunningServer;
let session: Credentials;

const UNKNOWN: Credentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

beforeAll(async () => {
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  plane = await createTestPlane();
  backend = http.createServer((req, res) => {
    backendHits++;
    req.resume();
    res.end('backend');
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  await plane.store.createRole(ACCOUNT, {
    roleName: 'app',
    assumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
      ],
    }),
  });
  const res = await plane.call('sts', plane.admin, {
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: `arn:aws:iam::${ACCOUNT}:role/app`,
    RoleSessionName: 'unit',
    DurationSeconds: '900',
  });
  expect(res.status).toBe(200);
  session = credentialsOf(res.text);
  gateway = createGateway(
    testGatewayDeps(
      plane,
      { backends: { '*': { url: backendUrl } }, modes: {} },
      mapperForSigningName,
      { records: [], events: [], accept: () => true },
      ACCOUNT,
    ),
  );
  server = await listen(plane.withGateway(gateway), 0);
});

afterAll(async () => {
  await server?.close();
  gateway?.close();
  await new Promise<void>((resolve) => backend.close(() => resolve()));
  await plane?.close();
});

/** The SDK error's name, status, message and every field the SDK parsed from the body. */
async function failure(send: () => Promise<unknown>): Promise<{
  name: string;
  status: number | undefined;
  message: string;
  whole: string;
}> {
  const error = (await send().then(
    () => undefined,
    (e: unknown) => e,
  )) as (Error & { $metadata?: { httpStatusCode?: number } }) | undefined;
  expect(error, 'the call must fail').toBeDefined();
  return {
    name: error!.name,
    status: error!.$metadata?.httpStatusCode,
    message: error!.message,
    whole: JSON.stringify(error, Object.getOwnPropertyNames(error)) + JSON.stringify({ ...error }),
  };
}

function config(credentials: Credentials, clockOffsetMs = 0) {
  return {
    endpoint: server.url,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    ...(clockOffsetMs === 0 ? {} : { systemClockOffset: clockOffsetMs }),
  };
}

const s3 = (c: Credentials, offset = 0) => new S3Client({ ...config(c, offset), forcePathStyle: true });
const getObject =
  (c: Credentials, offset = 0) =>
  () =>
    s3(c, offset).send(new GetObjectCommand({ Bucket: 'bucket', Key: 'a.txt' }));
const getItem = (c: Credentials) => () =>
  new DynamoDBClient(config(c)).send(new GetItemCommand({ TableName: 'Open', Key: { id: { S: '1' } } }));
const getQueueUrl = (c: Credentials) => () =>
  new SQSClient(config(c)).send(new GetQueueUrlCommand({ QueueName: 'q' }));
const listTopics = (c: Credentials) => () => new SNSClient(config(c)).send(new ListTopicsCommand({}));

/** A real session's key id with a secret that is not its own. */
const wrongSecret = (): Credentials => ({ ...session, secretAccessKey: UNKNOWN.secretAccessKey });

describe('an access key id credplane never issued', () => {
  it('S3: InvalidAccessKeyId (403) in S3’s XML shape', async () => {
    const f = await failure(getObject(UNKNOWN));
    expect([f.name, f.status, f.message]).toEqual([
      'InvalidAccessKeyId',
      403,
      'The AWS Access Key Id you provided does not exist in our records.',
    ]);
  });

  it('DynamoDB: UnrecognizedClientException (400)', async () => {
    const f = await failure(getItem(UNKNOWN));
    expect([f.name, f.status]).toEqual(['UnrecognizedClientException', 400]);
    expect(f.message).toBe('The security token included in the request is invalid.');
  });

  it('SQS (JSON, query-compatible) and SNS (Query): InvalidClientTokenId (403)', async () => {
    for (const call of [getQueueUrl(UNKNOWN), listTopics(UNKNOWN)]) {
      const f = await failure(call);
      expect([f.name, f.status]).toEqual(['InvalidClientTokenId', 403]);
    }
  });
});

describe('a signature made with the wrong secret', () => {
  it('S3: SignatureDoesNotMatch (403) with S3’s message, echoing neither secret nor signature', async () => {
    const f = await failure(getObject(wrongSecret()));
    expect([f.name, f.status, f.message]).toEqual([
      'SignatureDoesNotMatch',
      403,
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    ]);
    expect(f.whole).not.toContain(session.secretAccessKey);
    expect(f.whole).not.toContain(UNKNOWN.secretAccessKey);
    expect(f.whole).not.toMatch(/SignatureProvided/);
  });

  it('DynamoDB: InvalidSignatureException (400); SQS and SNS: SignatureDoesNotMatch (403)', async () => {
    const dynamo = await failure(getItem(wrongSecret()));
    expect([dynamo.name, dynamo.status]).toEqual(['InvalidSignatureException', 400]);
    for (const call of [getQueueUrl(wrongSecret()), listTopics(wrongSecret())]) {
      const f = await failure(call);
      expect([f.name, f.status]).toEqual(['SignatureDoesNotMatch', 403]);
      expect(f.whole).not.toContain(session.secretAccessKey);
    }
  });
});

describe('an expired session token', () => {
  it('S3: ExpiredToken (400) with S3’s message; the others: their expired-token codes', async () => {
    const later = 2 * 3600_000;
    const saved = plane.clock.now;
    plane.clock.now = saved + later;
    try {
      const f = await failure(getObject(session, later));
      expect([f.name, f.status, f.message]).toEqual(['ExpiredToken', 400, 'The provided token has expired.']);
      const dynamo = await failure(() =>
        new DynamoDBClient(config(session, later)).send(
          new GetItemCommand({ TableName: 'Open', Key: { id: { S: '1' } } }),
        ),
      );
      expect([dynamo.name, dynamo.status]).toEqual(['ExpiredTokenException', 400]);
      const sns = await failure(() => new SNSClient(config(session, later)).send(new ListTopicsCommand({})));
      expect([sns.name, sns.status]).toEqual(['ExpiredToken', 403]);
    } finally {
      plane.clock.now = saved;
    }
  });
});

it('no refused request reached the backend', () => {
  expect(backendHits).toBe(0);
});
