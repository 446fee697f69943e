/**
 * The gateway, across processes: `credplane up --backend '*=<moto>'` in front of a real
 * `moto_server`, with the JS SDK v3 clients and the `aws` CLI (run as a Lambda function by
 * `credplane run`, so credplane delivers its credentials and `AWS_ENDPOINT_URL`).
 *
 * The story: a reader role may read one S3 prefix, one DynamoDB partition, send to one queue only
 * in us-east-1 and encrypt only with its app's encryption context. Everything else is refused in
 * each service's own error shape; a permissions boundary and a session policy each cut a call the
 * identity policy allows; a tampered upload never reaches moto complete; and every decision is in
 * the access log once.
 *
 * Between credplane and moto sits a counting pass-through, so the test sees what the backend got.
 */
import { CreateKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, DecodeAuthorizationMessageCommand, STSClient } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeSha256 } from '../../src/sigv4/test-support/smithy.js';
import { openStore } from '../../src/store/open.js';
import type { AccessEvent } from '../../src/store/store.js';
import {
  ACCOUNT,
  ADMIN,
  credplaneCli,
  startCredplane,
  startMoto,
  tempDir,
  type Credplane,
  type Moto,
} from './support.js';

process.env.AWS_EC2_METADATA_DISABLED = 'true';

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

interface BackendRequest {
  method: string;
  url: string;
  complete: boolean;
}

let dir: string;
let moto: Moto | undefined;
let motoUrl: string;
let counter: http.Server;
let plane: Credplane;
const backendRequests: BackendRequest[] = [];
let queueUrl: string;
let keyId: string;
let reader: Credentials;
let bounded: Credentials;
let sessionCut: Credentials;

const TEMPLATE = (codeDir: string): string => `
Resources:
  ReaderRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: reader
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { Service: lambda.amazonaws.com, AWS: 'arn:aws:iam::${ACCOUNT}:root' }
            Action: sts:AssumeRole
      Policies:
        - PolicyName: app
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - { Effect: Allow, Action: [s3:GetObject, s3:PutObject], Resource: 'arn:aws:s3:::data/public/*' }
              - Effect: Allow
                Action: dynamodb:GetItem
                Resource: 'arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders'
                Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [user-1] } }
              - Effect: Allow
                Action: sqs:SendMessage
                Resource: 'arn:aws:sqs:*:${ACCOUNT}:jobs'
                Condition: { StringEquals: { 'aws:RequestedRegion': us-east-1 } }
              - Effect: Allow
                Action: kms:Encrypt
                Resource: '*'
                Condition: { StringEquals: { 'kms:EncryptionContext:app': orders } }
  ReaderFunction:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: reader-fn
      Role: !GetAtt ReaderRole.Arn
      Runtime: nodejs20.x
      Handler: index.handler
      Code: ${codeDir}
  PublicOnly:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      ManagedPolicyName: public-only
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - { Effect: Allow, Action: s3:GetObject, Resource: 'arn:aws:s3:::data/public/*' }
  BoundedRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: bounded
      PermissionsBoundary: !Ref PublicOnly
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - { Effect: Allow, Principal: { AWS: 'arn:aws:iam::${ACCOUNT}:root' }, Action: sts:AssumeRole }
      Policies:
        - PolicyName: all-data
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - { Effect: Allow, Action: s3:GetObject, Resource: 'arn:aws:s3:::data/*' }
`;

const MOTO = { accessKeyId: 'test', secretAccessKey: 'test' };

async function seedMoto(): Promise<void> {
  const direct = { endpoint: motoUrl, region: 'us-east-1', credentials: MOTO };
  const s3 = new S3Client({ ...direct, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'data' }));
  await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'public/a.txt', Body: 'hello public' }));
  await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'private/secret.txt', Body: 'top secret' }));
  const ddb = new DynamoDBClient(direct);
  await ddb.send(
    new CreateTableCommand({
      TableName: 'orders',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  for (const pk of ['user-1', 'user-2']) {
    await ddb.send(new PutItemCommand({ TableName: 'orders', Item: { pk: { S: pk }, total: { N: '7' } } }));
  }
  queueUrl = (await new SQSClient(direct).send(new CreateQueueCommand({ QueueName: 'jobs' }))).QueueUrl!;
  keyId = (await new KMSClient(direct).send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
}

async function assume(role: string, policy?: object): Promise<Credentials> {
  const sts = new STSClient({ endpoint: plane.url, region: 'us-east-1', credentials: ADMIN });
  const out = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
      RoleSessionName: 'e2e',
      ...(policy === undefined ? {} : { Policy: JSON.stringify(policy) }),
    }),
  );
  return {
    accessKeyId: out.Credentials!.AccessKeyId!,
    secretAccessKey: out.Credentials!.SecretAccessKey!,
    sessionToken: out.Credentials!.SessionToken!,
  };
}

const via = (credentials: Credentials, region = 'us-east-1') => ({
  endpoint: plane.url,
  region,
  credentials,
  maxAttempts: 1,
});

beforeAll(async () => {
  dir = tempDir('gateway');
  moto = await startMoto(dir);
  const motoPort = moto.port;
  motoUrl = moto.url;
  // A pass-through that counts what reaches moto, and whether each request body arrived whole.
  counter = http.createServer((req, res) => {
    const entry: BackendRequest = { method: req.method!, url: req.url!, complete: false };
    backendRequests.push(entry);
    req.on('end', () => (entry.complete = true));
    const upstream = http.request(
      { host: '127.0.0.1', port: motoPort, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.on('aborted', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => counter.listen(0, '127.0.0.1', resolve));
  const counterPort = (counter.address() as net.AddressInfo).port;
  await seedMoto();

  const code = path.join(dir, 'fn');
  fs.mkdirSync(code);
  fs.writeFileSync(path.join(code, 'index.js'), 'exports.handler = async () => ({});');
  const template = path.join(dir, 'stack.yaml');
  fs.writeFileSync(template, TEMPLATE(code));
  plane = await startCredplane({
    args: ['--template', template, '--backend', `*=http://127.0.0.1:${counterPort}`],
  });
  reader = await assume('reader');
  bounded = await assume('bounded');
  sessionCut = await assume('reader', {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*' }],
  });
}, 60_000);

afterAll(async () => {
  await plane?.stop();
  counter?.close();
  await moto?.stop();
});

/** The error an SDK call failed with (the test fails if it succeeded). */
async function failure(
  promise: Promise<unknown>,
): Promise<Error & { $metadata: { httpStatusCode?: number; requestId?: string }; Code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata: { httpStatusCode?: number; requestId?: string } };
  }
  throw new Error('the call succeeded');
}

const who = (role: string): string => `User: arn:aws:sts::${ACCOUNT}:assumed-role/${role}/e2e`;

describe('S3 through the gateway', () => {
  it('reads the allowed prefix and gets S3 AccessDenied elsewhere (JS SDK)', async () => {
    const s3 = new S3Client({ ...via(reader), forcePathStyle: true });
    const got = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'public/a.txt' }));
    expect(await got.Body!.transformToString()).toBe('hello public');
    const error = await failure(s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'private/secret.txt' })));
    expect(error.name).toBe('AccessDenied');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toMatch(
      new RegExp(
        `^${who('reader')} is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::data/private/secret.txt" because no identity-based policy allows the s3:GetObject action\\. Encoded authorization failure message: \\S+$`,
      ),
    );
  });

  it('the aws CLI, as a Lambda function run by credplane, is allowed and refused the same way', async () => {
    const out = path.join(dir, 'a.txt');
    const run = (key: string) =>
      credplaneCli(
        [
          'run',
          'reader-fn',
          '--data-dir',
          plane.dataDir,
          '--',
          'aws',
          's3api',
          'get-object',
          '--bucket',
          'data',
          '--key',
          key,
          out,
        ],
        dir,
      );
    const ok = await run('public/a.txt');
    expect(ok.stderr).toBe('');
    expect(fs.readFileSync(out, 'utf8')).toBe('hello public');
    const denied = await run('private/secret.txt');
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain(
      `An error occurred (AccessDenied) when calling the GetObject operation: User: arn:aws:sts::${ACCOUNT}:assumed-role/reader/reader-fn is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::data/private/secret.txt" because no identity-based policy allows the s3:GetObject action.`,
    );
  }, 30_000);

  it('the aws CLI uploads through the gateway (payload signed over http) and the object arrives whole', async () => {
    const file = path.join(dir, 'upload.txt');
    fs.writeFileSync(file, 'uploaded by the aws CLI\n'.repeat(2000));
    const put = await credplaneCli(
      [
        'run',
        'reader-fn',
        '--data-dir',
        plane.dataDir,
        '--',
        'aws',
        's3api',
        'put-object',
        '--bucket',
        'data',
        '--key',
        'public/cli.txt',
        '--body',
        file,
      ],
      dir,
    );
    expect(put.stderr).toBe('');
    expect(put.code).toBe(0);
    const direct = new S3Client({
      endpoint: motoUrl,
      region: 'us-east-1',
      credentials: MOTO,
      forcePathStyle: true,
    });
    const stored = await direct.send(new GetObjectCommand({ Bucket: 'data', Key: 'public/cli.txt' }));
    expect(await stored.Body!.transformToString()).toBe(fs.readFileSync(file, 'utf8'));
  }, 30_000);

  it('sts:DecodeAuthorizationMessage expands a gateway denial', async () => {
    const s3 = new S3Client({ ...via(reader), forcePathStyle: true });
    const error = await failure(s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'private/decode.txt' })));
    const encoded = error.message.split('Encoded authorization failure message: ')[1]!;
    const sts = new STSClient({ endpoint: plane.url, region: 'us-east-1', credentials: ADMIN });
    const decoded = await sts.send(new DecodeAuthorizationMessageCommand({ EncodedMessage: encoded }));
    const document = JSON.parse(decoded.DecodedMessage!) as {
      allowed: boolean;
      context: { action: string; resource: string; principal: { arn: string } };
    };
    expect(document.allowed).toBe(false);
    expect(document.context).toMatchObject({
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::data/private/decode.txt',
      principal: { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/reader/e2e` },
    });
  });

  it('a permissions boundary cuts a read the identity policy allows', async () => {
    const s3 = new S3Client({ ...via(bounded), forcePathStyle: true });
    const got = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'public/a.txt' }));
    expect(await got.Body!.transformToString()).toBe('hello public');
    const error = await failure(s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'private/secret.txt' })));
    expect(error.name).toBe('AccessDenied');
    expect(error.message).toContain(
      `${who('bounded')} is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::data/private/secret.txt" because no permissions boundary allows the s3:GetObject action`,
    );
  });

  it('a session policy cuts a read the role allows', async () => {
    const s3 = new S3Client({ ...via(sessionCut), forcePathStyle: true });
    const error = await failure(s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'public/a.txt' })));
    expect(error.name).toBe('AccessDenied');
    expect(error.message).toContain('because no session policy allows the s3:GetObject action');
  });

  it('a tampered upload is refused and never reaches the backend complete', async () => {
    const key = 'public/tampered.bin';
    const body = 'a'.repeat(100_000);
    const port = plane.port;
    const signer = new SignatureV4({
      credentials: reader,
      region: 'us-east-1',
      service: 's3',
      sha256: NodeSha256,
      uriEscapePath: false,
    });
    const signed = await signer.sign({
      method: 'PUT',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port,
      path: `/data/${key}`,
      headers: {
        host: `127.0.0.1:${port}`,
        'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'),
        'content-length': String(body.length),
      },
    });
    const before = backendRequests.length;
    const res = await fetch(`${plane.url}/data/${key}`, {
      method: 'PUT',
      headers: signed.headers as Record<string, string>,
      body: `${'a'.repeat(99_999)}b`,
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('<Code>XAmzContentSHA256Mismatch</Code>');
    await new Promise((r) => setTimeout(r, 200));
    expect(backendRequests.slice(before).filter((r) => r.complete && r.url.includes('tampered'))).toEqual([]);
    const direct = new S3Client({
      endpoint: motoUrl,
      region: 'us-east-1',
      credentials: MOTO,
      forcePathStyle: true,
    });
    const missing = await failure(direct.send(new HeadObjectCommand({ Bucket: 'data', Key: key })));
    expect(missing.$metadata.httpStatusCode).toBe(404);

    // The same upload, untampered, goes through whole.
    const ok = await fetch(`${plane.url}/data/${key}`, {
      method: 'PUT',
      headers: signed.headers as Record<string, string>,
      body,
    });
    expect(ok.status).toBe(200);
    const stored = await direct.send(new GetObjectCommand({ Bucket: 'data', Key: key }));
    expect(await stored.Body!.transformToString()).toBe(body);
  });
});

describe('JSON services by condition', () => {
  it('DynamoDB: GetItem on the allowed leading key only', async () => {
    const ddb = new DynamoDBClient(via(reader));
    const got = await ddb.send(new GetItemCommand({ TableName: 'orders', Key: { pk: { S: 'user-1' } } }));
    expect(got.Item?.total?.N).toBe('7');
    const error = await failure(
      ddb.send(new GetItemCommand({ TableName: 'orders', Key: { pk: { S: 'user-2' } } })),
    );
    expect(error.name).toBe('AccessDeniedException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toContain(
      `${who('reader')} is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders because no identity-based policy allows the dynamodb:GetItem action`,
    );
  });

  it('SQS: SendMessage allowed in us-east-1, AccessDenied from another region', async () => {
    const sent = await new SQSClient(via(reader)).send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'job 1' }),
    );
    expect(sent.MessageId).toMatch(/\S/);
    const error = await failure(
      new SQSClient(via(reader, 'us-west-2')).send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'job 2' }),
      ),
    );
    expect(error.name).toBe('AccessDenied');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toContain(`${who('reader')} is not authorized to perform: sqs:SendMessage`);
  });

  it('KMS: Encrypt only with the app encryption context', async () => {
    const kms = new KMSClient(via(reader));
    const ok = await kms.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('p'), EncryptionContext: { app: 'orders' } }),
    );
    expect(ok.CiphertextBlob?.length).toBeGreaterThan(0);
    const error = await failure(
      kms.send(
        new EncryptCommand({
          KeyId: keyId,
          Plaintext: Buffer.from('p'),
          EncryptionContext: { app: 'billing' },
        }),
      ),
    );
    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toContain(
      `${who('reader')} is not authorized to perform: kms:Encrypt on resource: arn:aws:kms:us-east-1:${ACCOUNT}:key/${keyId}`,
    );
  });
});

describe('the access log', () => {
  it('has every gateway decision once', async () => {
    const s3 = new S3Client({ ...via(reader), forcePathStyle: true });
    const key = `public/logged-${Date.now()}.txt`;
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: key, Body: 'x' }));
    const denied = await failure(s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'private/once.txt' })));
    // The queue writes batches every 200 ms.
    let events: AccessEvent[] = [];
    const store = await openStore(path.join(plane.dataDir, 'credplane.db'));
    try {
      for (let i = 0; i < 30; i++) {
        events = (await store.listAccessEvents({ accountId: ACCOUNT, limit: 10_000 })).filter(
          (e) => e.channel === 'gateway',
        );
        if (events.some((e) => JSON.stringify(e.record).includes('private/once.txt'))) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await store.close();
    }
    const ids = events.map((e) => e.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    const put = events.filter((e) => e.eventName === 'PutObject' && JSON.stringify(e.record).includes(key));
    expect(put.map((e) => e.decision)).toEqual(['allow']);
    const deny = events.filter((e) => JSON.stringify(e.record).includes(denied.$metadata.requestId!));
    expect(deny).toHaveLength(1);
    expect(deny[0]).toMatchObject({
      decision: 'deny',
      eventName: 'GetObject',
      errorCode: 'AccessDenied',
      roleName: 'reader',
    });
    // Earlier tests' decisions: one allow per successful reader GetObject of public/a.txt ...
    const readerReads = events.filter(
      (e) =>
        e.eventName === 'GetObject' &&
        e.roleName === 'reader' &&
        e.decision === 'allow' &&
        JSON.stringify(e.record).includes('public/a.txt'),
    );
    expect(readerReads.length).toBe(2); // the JS SDK read and the aws CLI read
    // ... and one deny per refused call of the DynamoDB/SQS/KMS tests.
    for (const name of ['GetItem', 'SendMessage', 'Encrypt']) {
      expect(events.filter((e) => e.eventName === name && e.decision === 'deny')).toHaveLength(1);
      expect(events.filter((e) => e.eventName === name && e.decision === 'allow')).toHaveLength(1);
    }
  });
});
