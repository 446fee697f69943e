/**
 * Other names for the same resource must not dodge a Deny, nor be granted by an Allow on the other
 * name: the gateway (in front of a real moto_server, called with the JS SDK) authorizes KMS
 * cryptographic operations on the key an alias points to, Secrets Manager operations on the
 * secret's full ARN whatever name the request used, and computes `dynamodb:LeadingKeys` from the
 * table's partition key only (AWS's multi-tenant example policy).
 */
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  KMSClient,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, type Credentials } from '../../src/server/test-support/plane.js';
import { MOTO_CREDS, startGatewayLab, type GatewayLab } from './support.js';

process.env.AWS_EC2_METADATA_DISABLED = 'true';

const REGION = 'us-east-1';
const KEY_ARN = (id: string): string => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;
const ALIAS_ARN = (name: string): string => `arn:aws:kms:${REGION}:${ACCOUNT}:${name}`;
const TABLE_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/tenants`;

let lab: GatewayLab;
let keyA: string;
let keyB: string;
let dbSecretArn: string;
const roles: Record<string, Credentials> = {};

const via = (name: string) => ({
  endpoint: lab.server.url,
  region: REGION,
  credentials: roles[name]!,
  maxAttempts: 1,
});

/** The error a call failed with (the test fails if it succeeded). */
async function failure(
  promise: Promise<unknown>,
): Promise<Error & { $metadata: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata: { httpStatusCode?: number } };
  }
  throw new Error('the call succeeded');
}

beforeAll(async () => {
  lab = await startGatewayLab('alternate-names');
  const direct = { endpoint: lab.moto.url, region: REGION, credentials: MOTO_CREDS };
  const kms = new KMSClient(direct);
  keyA = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  keyB = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  await kms.send(new CreateAliasCommand({ AliasName: 'alias/app', TargetKeyId: keyA }));
  await kms.send(new CreateAliasCommand({ AliasName: 'alias/moving', TargetKeyId: keyA }));
  const sm = new SecretsManagerClient(direct);
  dbSecretArn = (await sm.send(new CreateSecretCommand({ Name: 'db', SecretString: 'db-password' }))).ARN!;
  await sm.send(new CreateSecretCommand({ Name: 'other', SecretString: 'other-value' }));
  const ddb = new DynamoDBClient(direct);
  await ddb.send(
    new CreateTableCommand({
      TableName: 'tenants',
      KeySchema: [
        { AttributeName: 'tenant', KeyType: 'HASH' },
        { AttributeName: 'item', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'tenant', AttributeType: 'S' },
        { AttributeName: 'item', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  for (const tenant of ['tenant-a', 'tenant-b']) {
    await ddb.send(
      new PutItemCommand({
        TableName: 'tenants',
        Item: { tenant: { S: tenant }, item: { S: 'order-1' }, total: { N: '7' } },
      }),
    );
  }

  roles['kms-denied-key'] = await lab.roleSession('kms-denied-key', [
    { Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*' },
    { Effect: 'Deny', Action: 'kms:Decrypt', Resource: KEY_ARN(keyA) },
  ]);
  roles['kms-alias-only'] = await lab.roleSession('kms-alias-only', [
    { Effect: 'Allow', Action: 'kms:Encrypt', Resource: ALIAS_ARN('alias/app') },
  ]);
  roles['kms-key-via-alias'] = await lab.roleSession('kms-key-via-alias', [
    {
      Effect: 'Allow',
      Action: 'kms:Encrypt',
      Resource: KEY_ARN(keyA),
      Condition: { StringEquals: { 'kms:RequestAlias': 'alias/moving' } },
    },
  ]);
  roles['kms-encrypt-denied-key'] = await lab.roleSession('kms-encrypt-denied-key', [
    { Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*' },
    { Effect: 'Deny', Action: 'kms:Encrypt', Resource: KEY_ARN(keyA) },
  ]);
  roles['kms-admin'] = await lab.roleSession('kms-admin', [
    { Effect: 'Allow', Action: 'kms:*', Resource: '*' },
  ]);
  roles['secret-denied'] = await lab.roleSession('secret-denied', [
    { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' },
    { Effect: 'Deny', Action: 'secretsmanager:GetSecretValue', Resource: dbSecretArn },
  ]);
  roles['secret-full-arn'] = await lab.roleSession('secret-full-arn', [
    { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: dbSecretArn },
  ]);
  // "Using IAM policy conditions for fine-grained access control" (Amazon DynamoDB Developer Guide).
  roles['tenant-a'] = await lab.roleSession('tenant-a', [
    {
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      Resource: TABLE_ARN,
      Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['tenant-a'] } },
    },
  ]);
  roles['dynamodb-reader'] = await lab.roleSession('dynamodb-reader', [
    { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*' },
  ]);
}, 60_000);

afterAll(async () => {
  await lab?.close();
});

describe('KMS: cryptographic operations are authorized on the key an alias points to', () => {
  it('a Deny on the key ARN is not dodged by Decrypt with the alias name or the alias ARN', async () => {
    const kms = new KMSClient(via('kms-denied-key'));
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: 'alias/app', Plaintext: Buffer.from('hello') }),
    );
    for (const KeyId of ['alias/app', ALIAS_ARN('alias/app'), keyA, KEY_ARN(keyA)]) {
      const error = await failure(kms.send(new DecryptCommand({ KeyId, CiphertextBlob })));
      expect(error.name).toBe('AccessDeniedException');
      expect(error.message).toContain(`kms:Decrypt on resource: ${KEY_ARN(keyA)}`);
    }
  });

  it('an Allow on only the alias ARN grants no cryptographic operation', async () => {
    const kms = new KMSClient(via('kms-alias-only'));
    for (const KeyId of ['alias/app', ALIAS_ARN('alias/app')]) {
      const error = await failure(kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x') })));
      expect(error.name).toBe('AccessDeniedException');
      expect(error.message).toContain(`kms:Encrypt on resource: ${KEY_ARN(keyA)}`);
    }
  });

  it('kms:RequestAlias is the alias the request used, and the key is checked after the alias moves', async () => {
    const kms = new KMSClient(via('kms-key-via-alias'));
    await kms.send(new EncryptCommand({ KeyId: 'alias/moving', Plaintext: Buffer.from('x') }));
    const direct = await failure(kms.send(new EncryptCommand({ KeyId: keyA, Plaintext: Buffer.from('x') })));
    expect(direct.name).toBe('AccessDeniedException');
    // Re-pointed through the gateway: the next request through the alias is checked on key B.
    await new KMSClient(via('kms-admin')).send(
      new UpdateAliasCommand({ AliasName: 'alias/moving', TargetKeyId: keyB }),
    );
    const moved = await failure(
      kms.send(new EncryptCommand({ KeyId: 'alias/moving', Plaintext: Buffer.from('x') })),
    );
    expect(moved.name).toBe('AccessDeniedException');
    expect(moved.message).toContain(`kms:Encrypt on resource: ${KEY_ARN(keyB)}`);
  });

  it('an ARN of another region is no way round a Deny on the key (the backend looks names up in its own)', async () => {
    const kms = new KMSClient(via('kms-encrypt-denied-key'));
    for (const KeyId of [
      `arn:aws:kms:us-west-2:${ACCOUNT}:alias/app`,
      `arn:aws:kms:us-west-2:${ACCOUNT}:key/${keyA}`,
    ]) {
      const error = await failure(kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x') })));
      expect(error.name).toBe('NotFoundException');
    }
    expect(
      (await failure(kms.send(new EncryptCommand({ KeyId: 'alias/app', Plaintext: Buffer.from('x') })))).name,
    ).toBe('AccessDeniedException');
  });

  it('an alias that does not exist is NotFoundException, not forwarded', async () => {
    const kms = new KMSClient(via('kms-admin'));
    const error = await failure(
      kms.send(new EncryptCommand({ KeyId: 'alias/missing', Plaintext: Buffer.from('x') })),
    );
    expect(error.name).toBe('NotFoundException');
  });
});

describe('Secrets Manager: every name of a secret is authorized on its full ARN', () => {
  const partialArn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:db`;

  it('a Deny on the full ARN is not dodged by the name or the partial ARN', async () => {
    const sm = new SecretsManagerClient(via('secret-denied'));
    for (const SecretId of ['db', partialArn, dbSecretArn]) {
      const error = await failure(sm.send(new GetSecretValueCommand({ SecretId })));
      expect(error.name).toBe('AccessDeniedException');
      expect(error.message).toContain(`secretsmanager:GetSecretValue on resource: ${dbSecretArn}`);
    }
    const other = await sm.send(new GetSecretValueCommand({ SecretId: 'other' }));
    expect(other.SecretString).toBe('other-value');
  });

  it('a partial ARN of another region is no way round a Deny on the secret', async () => {
    const sm = new SecretsManagerClient(via('secret-denied'));
    const SecretId = `arn:aws:secretsmanager:us-west-2:${ACCOUNT}:secret:db`;
    const error = await failure(sm.send(new GetSecretValueCommand({ SecretId })));
    expect(error.name).toBe('ResourceNotFoundException');
  });

  it('an Allow on the full ARN allows the name and the partial ARN, and nothing else', async () => {
    const sm = new SecretsManagerClient(via('secret-full-arn'));
    for (const SecretId of ['db', partialArn, dbSecretArn]) {
      expect((await sm.send(new GetSecretValueCommand({ SecretId }))).SecretString).toBe('db-password');
    }
    const other = await failure(sm.send(new GetSecretValueCommand({ SecretId: 'other' })));
    expect(other.name).toBe('AccessDeniedException');
  });

  it('a secret that does not exist is ResourceNotFoundException to a caller who may read it', async () => {
    const sm = new SecretsManagerClient(via('secret-denied'));
    const error = await failure(sm.send(new GetSecretValueCommand({ SecretId: 'missing' })));
    expect(error.name).toBe('ResourceNotFoundException');
  });

  it('and AccessDenied to one who may not: whether a secret exists does not leak', async () => {
    const sm = new SecretsManagerClient(via('secret-full-arn'));
    for (const SecretId of ['missing', 'other']) {
      expect((await failure(sm.send(new GetSecretValueCommand({ SecretId })))).name).toBe(
        'AccessDeniedException',
      );
    }
  });
});

describe("DynamoDB: dynamodb:LeadingKeys is the partition key only (AWS's multi-tenant example)", () => {
  it("GetItem, PutItem and Query reach the tenant's own items", async () => {
    const ddb = new DynamoDBClient(via('tenant-a'));
    const got = await ddb.send(
      new GetItemCommand({
        TableName: 'tenants',
        Key: { tenant: { S: 'tenant-a' }, item: { S: 'order-1' } },
      }),
    );
    expect(got.Item?.total?.N).toBe('7');
    await ddb.send(
      new PutItemCommand({
        TableName: 'tenants',
        Item: { tenant: { S: 'tenant-a' }, item: { S: 'order-2' }, total: { N: '9' } },
      }),
    );
    const queried = await ddb.send(
      new QueryCommand({
        TableName: 'tenants',
        KeyConditionExpression: 'tenant = :t AND begins_with(#i, :p)',
        ExpressionAttributeNames: { '#i': 'item' },
        ExpressionAttributeValues: { ':t': { S: 'tenant-a' }, ':p': { S: 'order-' } },
      }),
    );
    expect(queried.Count).toBe(2);
  });

  it("another tenant's items are denied", async () => {
    const ddb = new DynamoDBClient(via('tenant-a'));
    const calls = [
      ddb.send(
        new GetItemCommand({
          TableName: 'tenants',
          Key: { tenant: { S: 'tenant-b' }, item: { S: 'order-1' } },
        }),
      ),
      ddb.send(
        new PutItemCommand({
          TableName: 'tenants',
          Item: { tenant: { S: 'tenant-b' }, item: { S: 'tenant-a' } },
        }),
      ),
      ddb.send(
        new QueryCommand({
          TableName: 'tenants',
          KeyConditionExpression: 'tenant = :t',
          ExpressionAttributeValues: { ':t': { S: 'tenant-b' } },
        }),
      ),
    ];
    for (const call of calls) expect((await failure(call)).name).toBe('AccessDeniedException');
  });

  it('a table that does not exist is ResourceNotFoundException to a caller who may read it', async () => {
    const ddb = new DynamoDBClient(via('dynamodb-reader'));
    const error = await failure(
      ddb.send(
        new GetItemCommand({ TableName: 'missing', Key: { tenant: { S: 'tenant-a' }, item: { S: 'x' } } }),
      ),
    );
    expect(error.name).toBe('ResourceNotFoundException');
  });

  it('and AccessDenied to one who may not: whether a table exists does not leak', async () => {
    const ddb = new DynamoDBClient(via('tenant-a'));
    const error = await failure(
      ddb.send(
        new GetItemCommand({ TableName: 'missing', Key: { tenant: { S: 'tenant-a' }, item: { S: 'x' } } }),
      ),
    );
    expect(error.name).toBe('AccessDeniedException');
  });
});
