/**
 * The resource resolver against a small fake backend that answers DescribeKey, DescribeSecret and
 * DescribeTable the way the services do: what it asks, what it caches and for how long, what clears
 * the cache, and how it fails closed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsError } from '../../errors.js';
import { dynamodbMapper } from '../mapping/dynamodb.js';
import { kmsMapper } from '../mapping/kms.js';
import { secretsManagerMapper } from '../mapping/secretsmanager.js';
import type { GatewayRequest, ServiceMapper } from '../types.js';
import { createResourceResolver, type ResourceResolver } from './resolver.js';

const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const asked: { target: string; body: Record<string, unknown>; authorization: string }[] = [];
let answer: 'normal' | 'error-500' | 'not-json' = 'normal';
let backend: http.Server;
let url: string;

beforeAll(async () => {
  backend = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target']);
      const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
      asked.push({ target, body, authorization: String(req.headers.authorization) });
      const send = (status: number, document: object): void => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(document));
      };
      if (answer === 'error-500') return send(500, { __type: 'InternalFailure' });
      if (answer === 'not-json') return res.end('ok');
      if (target === 'TrentService.DescribeKey' && body.KeyId === 'alias/app') {
        return send(200, { KeyMetadata: { KeyId: KEY_ID, Arn: `arn:aws:kms:us-east-1:1:key/${KEY_ID}` } });
      }
      if (target === 'secretsmanager.DescribeSecret' && body.SecretId === 'db') {
        return send(200, { ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf', Name: 'db' });
      }
      if (target === 'DynamoDB_20120810.DescribeTable' && body.TableName === 'tenants') {
        return send(200, {
          Table: {
            KeySchema: [
              { AttributeName: 'tenant', KeyType: 'HASH' },
              { AttributeName: 'item', KeyType: 'RANGE' },
            ],
            GlobalSecondaryIndexes: [
              { IndexName: 'by-status', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }] },
            ],
          },
        });
      }
      const type = target.startsWith('TrentService') ? 'NotFoundException' : 'ResourceNotFoundException';
      send(400, { __type: `com.amazonaws.x#${type}`, message: 'not found' });
    });
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => backend.close(() => resolve())));

const clock = { now: 1_000_000 };
let resolver: ResourceResolver;

beforeEach(() => {
  asked.length = 0;
  answer = 'normal';
  resolver?.close();
  resolver = createResourceResolver({
    settings: {
      backends: { '*': { url, credentials: { accessKeyId: 'GATEWAY', secretAccessKey: 's' } } },
      modes: {},
    },
    now: () => clock.now,
  });
});

function request(target: string, body: object): GatewayRequest {
  return {
    method: 'POST',
    path: '/',
    query: [],
    headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1' },
    host: 'gateway',
    body: Buffer.from(JSON.stringify(body)),
    region: 'us-east-1',
    accountId: '111122223333',
    partition: 'aws',
  };
}

const encrypt = (keyId: string) =>
  request('TrentService.Encrypt', { KeyId: keyId, Plaintext: Buffer.from('x').toString('base64') });

/** `resolve` with the answered-hooks collected, to run them when the test says the request is answered. */
async function resolve(mapper: ServiceMapper, req: GatewayRequest, answered: (() => void)[] = []) {
  return resolver.resolve(mapper, req, (done) => answered.push(done));
}

async function rejection(promise: Promise<unknown>): Promise<AwsError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AwsError) return error;
    throw error;
  }
  throw new Error('resolved');
}

describe('resource resolver', () => {
  it('asks the backend with the gateway credentials and caches the answer for the TTL', async () => {
    const resolved = await resolve(kmsMapper, encrypt('alias/app'));
    expect(resolved.resolved?.kmsAliases?.get('alias/app')).toBe(KEY_ID);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ target: 'TrentService.DescribeKey', body: { KeyId: 'alias/app' } });
    expect(asked[0]!.authorization).toContain('Credential=GATEWAY/');
    await resolve(kmsMapper, encrypt('alias/app'));
    expect(asked).toHaveLength(1);
    clock.now += 60_000;
    await resolve(kmsMapper, encrypt('alias/app'));
    expect(asked).toHaveLength(2);
  });

  it('the mapper then checks the key, with kms:RequestAlias', async () => {
    const mapped = kmsMapper.map(await resolve(kmsMapper, encrypt('alias/app')));
    expect('checks' in mapped && mapped.checks[0]).toMatchObject({
      action: 'kms:Encrypt',
      resource: `arn:aws:kms:us-east-1:111122223333:key/${KEY_ID}`,
      context: { 'kms:RequestAlias': 'alias/app' },
    });
  });

  it('a mutating operation clears the answers when it arrives and when it is answered', async () => {
    await resolve(kmsMapper, encrypt('alias/app'));
    const answered: (() => void)[] = [];
    await resolve(
      kmsMapper,
      request('TrentService.UpdateAlias', { AliasName: 'alias/app', TargetKeyId: KEY_ID }),
      answered,
    );
    expect(asked).toHaveLength(2); // UpdateAlias asked for the alias's current key again
    await resolve(kmsMapper, encrypt('alias/app'));
    expect(asked).toHaveLength(2);
    for (const done of answered) done();
    await resolve(kmsMapper, encrypt('alias/app'));
    expect(asked).toHaveLength(3);
  });

  it("a name the backend does not know is the service's not-found error, and is asked again next time", async () => {
    expect((await rejection(resolve(kmsMapper, encrypt('alias/missing')))).code).toBe('NotFoundException');
    expect((await rejection(resolve(kmsMapper, encrypt('alias/missing')))).code).toBe('NotFoundException');
    expect(asked).toHaveLength(2);
    const secret = request('secretsmanager.GetSecretValue', { SecretId: 'missing' });
    expect((await rejection(resolve(secretsManagerMapper, secret))).code).toBe('ResourceNotFoundException');
    const item = request('DynamoDB_20120810.GetItem', { TableName: 'missing', Key: { tenant: { S: 'a' } } });
    expect((await rejection(resolve(dynamodbMapper, item))).code).toBe('ResourceNotFoundException');
  });

  it('fails closed with 503 when the backend is down, errs or answers nonsense', async () => {
    for (const mode of ['error-500', 'not-json'] as const) {
      answer = mode;
      const error = await rejection(resolve(kmsMapper, encrypt('alias/app')));
      expect([error.code, error.status]).toEqual(['ServiceUnavailable', 503]);
    }
    // A port nothing listens on: bound, then closed again.
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = createResourceResolver({
      settings: { backends: { '*': { url: `http://127.0.0.1:${port}` } }, modes: {} },
    });
    const error = await rejection(down.resolve(kmsMapper, encrypt('alias/app'), () => {}));
    down.close();
    expect([error.code, error.status]).toEqual(['ServiceUnavailable', 503]);
  });

  it('resolves a secret name to its full name and DynamoDB tables to their key schemas', async () => {
    const secret = await resolve(
      secretsManagerMapper,
      request('secretsmanager.GetSecretValue', { SecretId: 'db' }),
    );
    expect(secret.resolved?.secrets?.get('db')).toBe('db-AbCdEf');
    const mapped = secretsManagerMapper.map(secret);
    expect('checks' in mapped && mapped.checks[0]).toMatchObject({
      resource: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf',
      context: { 'secretsmanager:SecretId': 'db' },
    });
    const query = await resolve(
      dynamodbMapper,
      request('DynamoDB_20120810.Query', {
        TableName: 'tenants',
        KeyConditionExpression: 'tenant = :t AND item = :i',
        ExpressionAttributeValues: { ':t': { S: 'tenant-a' }, ':i': { S: 'order-1' } },
      }),
    );
    expect(query.resolved?.tables?.get('tenants')).toEqual({
      partitionKey: 'tenant',
      sortKey: 'item',
      indexes: { 'by-status': { partitionKey: 'status' } },
    });
    const checks = dynamodbMapper.map(query);
    expect('checks' in checks && checks.checks[0]!.context['dynamodb:LeadingKeys']).toEqual(['tenant-a']);
  });

  it('asks nothing for requests that name no alias, and for mappers without references', async () => {
    const byId = await resolve(kmsMapper, encrypt(KEY_ID));
    expect(byId.resolved).toEqual({});
    const plain: ServiceMapper = { ...kmsMapper, references: undefined };
    const untouched = encrypt('alias/app');
    expect(await resolve(plain, untouched)).toBe(untouched);
    expect(asked).toHaveLength(0);
  });
});
