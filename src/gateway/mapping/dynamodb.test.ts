import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TagResourceCommand,
  TransactWriteItemsCommand,
  UntagResourceCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { AwsError } from '../../errors.js';
import type { MappedRequest } from '../types.js';
import { createDynamoDbMapper, dynamodbMapper } from './dynamodb.js';
import { capture, handRequest, offlineClientConfig } from './test-support/capture.js';

const client = new DynamoDBClient(offlineClientConfig);
const TABLE = 'arn:aws:dynamodb:us-east-1:111122223333:table/Scores';

async function map(command: unknown, mapper = dynamodbMapper): Promise<MappedRequest> {
  const result = mapper.map(await capture(client, command));
  if ('unmapped' in result) throw new Error(`unmapped ${result.operation}`);
  return result;
}

describe('dynamodb mapper: requests as the JS SDK v3 sends them', () => {
  it('GetItem: table ARN, LeadingKeys of a one-attribute key, projected Attributes, SPECIFIC_ATTRIBUTES', async () => {
    const mapped = await map(
      new GetItemCommand({
        TableName: 'Scores',
        Key: { UserId: { S: 'alice' } },
        ProjectionExpression: '#t, Wins, Details.City',
        ExpressionAttributeNames: { '#t': 'TopScore' },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    expect(mapped.operation).toBe('GetItem');
    expect(mapped.eventSource).toBe('dynamodb.amazonaws.com');
    expect(mapped.checks).toEqual([
      {
        action: 'dynamodb:GetItem',
        resource: TABLE,
        context: {
          'dynamodb:LeadingKeys': ['alice'],
          'dynamodb:Attributes': ['UserId', 'TopScore', 'Wins', 'Details'],
          'dynamodb:Select': 'SPECIFIC_ATTRIBUTES',
          'dynamodb:ReturnConsumedCapacity': 'TOTAL',
        },
      },
    ]);
    expect(mapped.resources).toEqual([{ ARN: TABLE, accountId: '111122223333' }]);
  });

  it('GetItem without a projection reads as Select ALL_ATTRIBUTES (so SPECIFIC_ATTRIBUTES policies refuse it)', async () => {
    const mapped = await map(new GetItemCommand({ TableName: 'Scores', Key: { UserId: { S: 'alice' } } }));
    expect(mapped.checks[0]?.context['dynamodb:Select']).toBe('ALL_ATTRIBUTES');
  });

  it('a two-attribute key without a schema gives both values (ForAllValues policies then deny); with a schema only the partition key', async () => {
    const command = new GetItemCommand({
      TableName: 'Scores',
      Key: { GameTitle: { S: 'Meteor' }, UserId: { S: 'alice' } },
    });
    expect((await map(command)).checks[0]?.context['dynamodb:LeadingKeys']).toEqual(['Meteor', 'alice']);
    const seen: unknown[] = [];
    const withSchema = createDynamoDbMapper({
      keySchema: (table) => {
        seen.push(table);
        return { partitionKey: 'UserId', sortKey: 'GameTitle' };
      },
    });
    expect((await map(command, withSchema)).checks[0]?.context['dynamodb:LeadingKeys']).toEqual(['alice']);
    expect(seen).toEqual([{ tableArn: TABLE, tableName: 'Scores' }]);
  });

  it('PutItem: every item attribute in Attributes; item values never logged', async () => {
    const mapped = await map(
      new PutItemCommand({
        TableName: 'Scores',
        Item: { UserId: { S: 'alice' }, Wins: { N: '3' }, Secret: { S: 'do-not-log' } },
        ReturnValues: 'ALL_OLD',
      }),
      createDynamoDbMapper({ keySchema: () => ({ partitionKey: 'UserId' }) }),
    );
    expect(mapped.checks[0]).toEqual({
      action: 'dynamodb:PutItem',
      resource: TABLE,
      context: {
        'dynamodb:LeadingKeys': ['alice'],
        'dynamodb:Attributes': ['UserId', 'Wins', 'Secret'],
        'dynamodb:ReturnValues': 'ALL_OLD',
      },
    });
    expect(JSON.stringify(mapped.requestParameters)).not.toContain('do-not-log');
    expect(mapped.requestParameters).toEqual({ tableName: 'Scores', returnValues: 'ALL_OLD' });
  });

  it('UpdateItem: key and updated attributes; expression values never logged', async () => {
    const mapped = await map(
      new UpdateItemCommand({
        TableName: 'Scores',
        Key: { UserId: { S: 'bob' } },
        UpdateExpression: 'SET #w = if_not_exists(#w, :zero) + :one REMOVE Draft ADD Badges :b',
        ExpressionAttributeNames: { '#w': 'Wins' },
        ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' }, ':b': { SS: ['gold-secret'] } },
      }),
    );
    expect(mapped.checks[0]?.context).toEqual({
      'dynamodb:LeadingKeys': ['bob'],
      'dynamodb:Attributes': ['UserId', 'Wins', 'Draft', 'Badges'],
    });
    expect(JSON.stringify(mapped.requestParameters)).not.toContain('gold-secret');
  });

  it('DeleteItem with a table ARN in TableName from another account', async () => {
    const arn = 'arn:aws:dynamodb:eu-west-1:444455556666:table/Shared';
    const mapped = await map(new DeleteItemCommand({ TableName: arn, Key: { Id: { N: '7' } } }));
    expect(mapped.checks[0]).toMatchObject({
      action: 'dynamodb:DeleteItem',
      resource: arn,
      resourceAccount: '444455556666',
      context: { 'dynamodb:LeadingKeys': ['7'], 'dynamodb:Attributes': ['Id'] },
    });
  });

  it('Query on an index: index ARN, partition key equality, ALL_PROJECTED_ATTRIBUTES default', async () => {
    const mapped = await map(
      new QueryCommand({
        TableName: 'Scores',
        IndexName: 'ByGame',
        KeyConditionExpression: '#g = :g AND TopScore > :min',
        ExpressionAttributeNames: { '#g': 'GameTitle' },
        ExpressionAttributeValues: { ':g': { S: 'Meteor' }, ':min': { N: '100' } },
      }),
    );
    expect(mapped.checks).toEqual([
      {
        action: 'dynamodb:Query',
        resource: `${TABLE}/index/ByGame`,
        context: {
          'dynamodb:Select': 'ALL_PROJECTED_ATTRIBUTES',
          'dynamodb:LeadingKeys': ['Meteor'],
          'dynamodb:Attributes': ['GameTitle', 'TopScore'],
        },
      },
    ]);
  });

  it('Query with two equalities: both candidates without a schema, the partition key with one', async () => {
    const command = new QueryCommand({
      TableName: 'Scores',
      KeyConditionExpression: ':u = UserId AND GameTitle = :g',
      ExpressionAttributeValues: { ':u': { S: 'alice' }, ':g': { S: 'Meteor' } },
      Select: 'COUNT',
    });
    expect((await map(command)).checks[0]?.context).toMatchObject({
      'dynamodb:LeadingKeys': ['alice', 'Meteor'],
      'dynamodb:Select': 'COUNT',
    });
    const schema = createDynamoDbMapper({
      keySchema: () => ({ partitionKey: 'UserId', sortKey: 'GameTitle' }),
    });
    expect((await map(command, schema)).checks[0]?.context['dynamodb:LeadingKeys']).toEqual(['alice']);
  });

  it('Query with legacy KeyConditions', async () => {
    const mapped = await map(
      new QueryCommand({
        TableName: 'Scores',
        KeyConditions: { UserId: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'carol' }] } },
      }),
    );
    expect(mapped.checks[0]?.context['dynamodb:LeadingKeys']).toEqual(['carol']);
  });

  it('Scan: no LeadingKeys, ALL_ATTRIBUTES', async () => {
    const mapped = await map(new ScanCommand({ TableName: 'Scores' }));
    expect(mapped.checks[0]).toEqual({
      action: 'dynamodb:Scan',
      resource: TABLE,
      context: { 'dynamodb:Select': 'ALL_ATTRIBUTES' },
    });
  });

  it('BatchGetItem and BatchWriteItem: one check per table', async () => {
    const get = await map(
      new BatchGetItemCommand({
        RequestItems: {
          Scores: { Keys: [{ UserId: { S: 'a' } }, { UserId: { S: 'b' } }], ProjectionExpression: 'Wins' },
          Other: { Keys: [{ Id: { S: 'x' } }] },
        },
      }),
    );
    expect(get.checks.map((c) => [c.action, c.resource, c.context['dynamodb:LeadingKeys']])).toEqual([
      ['dynamodb:BatchGetItem', TABLE, ['a', 'b']],
      ['dynamodb:BatchGetItem', 'arn:aws:dynamodb:us-east-1:111122223333:table/Other', ['x']],
    ]);
    expect(get.checks[0]?.context['dynamodb:Select']).toBe('SPECIFIC_ATTRIBUTES');
    const write = await map(
      new BatchWriteItemCommand({
        RequestItems: {
          Scores: [
            { PutRequest: { Item: { UserId: { S: 'a' } } } },
            { DeleteRequest: { Key: { UserId: { S: 'c' } } } },
          ],
        },
      }),
    );
    expect(write.checks).toEqual([
      {
        action: 'dynamodb:BatchWriteItem',
        resource: TABLE,
        context: { 'dynamodb:LeadingKeys': ['a', 'c'], 'dynamodb:Attributes': ['UserId'] },
      },
    ]);
  });

  it('TransactWriteItems: one check per item with its own action and EnclosingOperation', async () => {
    const mapped = await map(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: 'Scores', Item: { UserId: { S: 'a' } } } },
          {
            Update: {
              TableName: 'Scores',
              Key: { UserId: { S: 'b' } },
              UpdateExpression: 'SET Wins = :w',
              ExpressionAttributeValues: { ':w': { N: '1' } },
            },
          },
          { Delete: { TableName: 'Scores', Key: { UserId: { S: 'c' } } } },
          {
            ConditionCheck: {
              TableName: 'Scores',
              Key: { UserId: { S: 'd' } },
              ConditionExpression: 'attribute_exists(UserId)',
            },
          },
        ],
      }),
    );
    expect(
      mapped.checks.map((c) => [
        c.action,
        c.context['dynamodb:LeadingKeys'],
        c.context['dynamodb:EnclosingOperation'],
      ]),
    ).toEqual([
      ['dynamodb:PutItem', ['a'], 'TransactWriteItems'],
      ['dynamodb:UpdateItem', ['b'], 'TransactWriteItems'],
      ['dynamodb:DeleteItem', ['c'], 'TransactWriteItems'],
      ['dynamodb:ConditionCheckItem', ['d'], 'TransactWriteItems'],
    ]);
  });

  it('CreateTable and TagResource carry aws:RequestTag/* and aws:TagKeys; UntagResource aws:TagKeys', async () => {
    const create = await map(
      new CreateTableCommand({
        TableName: 'New',
        KeySchema: [{ AttributeName: 'Id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'Id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        Tags: [{ Key: 'team', Value: 'pay' }],
      }),
    );
    expect(create.checks[0]).toEqual({
      action: 'dynamodb:CreateTable',
      resource: 'arn:aws:dynamodb:us-east-1:111122223333:table/New',
      context: { 'aws:RequestTag/team': 'pay', 'aws:TagKeys': ['team'] },
    });
    const tag = await map(
      new TagResourceCommand({ ResourceArn: TABLE, Tags: [{ Key: 'env', Value: 'dev' }] }),
    );
    expect(tag.checks[0]?.context).toEqual({ 'aws:RequestTag/env': 'dev', 'aws:TagKeys': ['env'] });
    const untag = await map(new UntagResourceCommand({ ResourceArn: TABLE, TagKeys: ['env'] }));
    expect(untag.checks[0]).toEqual({
      action: 'dynamodb:UntagResource',
      resource: TABLE,
      context: { 'aws:TagKeys': ['env'] },
    });
  });

  it('ListTables takes no resource', async () => {
    expect((await map(new ListTablesCommand({}))).checks).toEqual([
      { action: 'dynamodb:ListTables', resource: '*', context: {} },
    ]);
  });
});

describe('dynamodb mapper: what the service itself refuses, and what is not mapped', () => {
  const target = (op: string) => ({
    'x-amz-target': `DynamoDB_20120810.${op}`,
    'content-type': 'application/x-amz-json-1.0',
  });

  it('a body that is not JSON is SerializationException', () => {
    expect(() =>
      dynamodbMapper.map(handRequest({ headers: target('GetItem'), body: '{"TableName":' })),
    ).toThrow(expect.objectContaining({ code: 'SerializationException', status: 400 }));
  });

  it('a member of the wrong type is SerializationException; a missing TableName ValidationException', () => {
    expect(() =>
      dynamodbMapper.map(handRequest({ headers: target('GetItem'), body: '{"TableName":5}' })),
    ).toThrow(expect.objectContaining({ code: 'SerializationException' }));
    expect(() => dynamodbMapper.map(handRequest({ headers: target('GetItem'), body: '{"Key":{}}' }))).toThrow(
      expect.objectContaining({ code: 'ValidationException' }),
    );
  });

  it("a table or index name outside DynamoDB's pattern is ValidationException (no name shapes the ARN)", () => {
    for (const body of [
      '{"TableName":"Scores/index/ByGame","Key":{"Id":{"S":"a"}}}',
      '{"TableName":"arn:aws:dynamodb:us-east-1:111122223333:table/a*","Key":{"Id":{"S":"a"}}}',
    ]) {
      expect(() => dynamodbMapper.map(handRequest({ headers: target('GetItem'), body }))).toThrow(
        expect.objectContaining({ code: 'ValidationException' }),
      );
    }
    expect(() =>
      dynamodbMapper.map(
        handRequest({ headers: target('Query'), body: '{"TableName":"Scores","IndexName":"a:b"}' }),
      ),
    ).toThrow(expect.objectContaining({ code: 'ValidationException' }));
  });

  it('a target of another service is UnknownOperationException; a missing one too', () => {
    expect(() =>
      dynamodbMapper.map(handRequest({ headers: { 'x-amz-target': 'TrentService.Encrypt' }, body: '{}' })),
    ).toThrow(AwsError);
    expect(() => dynamodbMapper.map(handRequest({ body: '{}' }))).toThrow(
      expect.objectContaining({ code: 'UnknownOperationException' }),
    );
  });

  it('an operation without a mapping is unmapped, by name (the proxy fails closed)', () => {
    expect(
      dynamodbMapper.map(handRequest({ headers: target('ExportTableToPointInTime'), body: '{}' })),
    ).toEqual({
      unmapped: true,
      service: 'dynamodb',
      eventSource: 'dynamodb.amazonaws.com',
      operation: 'ExportTableToPointInTime',
    });
    expect(dynamodbMapper.map(handRequest({ headers: target('constructor'), body: '{}' }))).toMatchObject({
      unmapped: true,
    });
  });
});

describe('dynamodb mapper: with the resolver answers (request.resolved)', () => {
  const schemas = { partitionKey: 'tenant', sortKey: 'item', indexes: {} };

  it('dynamodb:LeadingKeys is the partition key value only, for items, batches and transactions', async () => {
    const get = await capture(
      client,
      new GetItemCommand({ TableName: 'Scores', Key: { tenant: { S: 'tenant-a' }, item: { S: 'order-1' } } }),
    );
    expect(dynamodbMapper.references?.(get)).toEqual({ tables: ['Scores'] });
    const mapped = dynamodbMapper.map({ ...get, resolved: { tables: new Map([['Scores', schemas]]) } });
    expect('checks' in mapped && mapped.checks[0]).toMatchObject({
      resource: TABLE,
      context: { 'dynamodb:LeadingKeys': ['tenant-a'] },
    });
    const transact = await capture(
      client,
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: 'Scores', Item: { tenant: { S: 'tenant-a' }, item: { S: 'x' } } } },
          { Delete: { TableName: TABLE, Key: { tenant: { S: 'tenant-b' }, item: { S: 'y' } } } },
        ],
      }),
    );
    expect(dynamodbMapper.references?.(transact)).toEqual({ tables: ['Scores', TABLE] });
    const resolvedTransact = dynamodbMapper.map({
      ...transact,
      resolved: { tables: new Map([['Scores', schemas]]) },
    });
    expect(
      'checks' in resolvedTransact && resolvedTransact.checks.map((c) => c.context['dynamodb:LeadingKeys']),
    ).toEqual([['tenant-a'], ['tenant-b']]);
  });
});
