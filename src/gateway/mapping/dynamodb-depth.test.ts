import {
  BatchWriteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { AwsError } from '../../errors.js';
import { dynamodbMapper } from './dynamodb.js';
import { capture, handRequest, offlineClientConfig } from './test-support/capture.js';

const client = new DynamoDBClient(offlineClientConfig);

/** A value `levels` deep, as the Developer Guide counts: a scalar is one level, each map or list adds one. */
function nested(levels: number, kind: 'M' | 'L' = 'M'): AttributeValue {
  let value: AttributeValue = { S: 'leaf' };
  for (let i = 1; i < levels; i++) value = kind === 'M' ? { M: { a: value } } : { L: [value] };
  return value;
}

async function outcome(command: unknown): Promise<string> {
  try {
    const result = dynamodbMapper.map(await capture(client, command));
    return 'unmapped' in result ? 'unmapped' : 'mapped';
  } catch (error) {
    if (!(error instanceof AwsError)) throw error;
    return `${error.code} ${error.status}: ${error.message}`;
  }
}

const REFUSED =
  'ValidationException 400: Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit';

describe('dynamodb mapper: attribute values nested deeper than 32 levels are refused at the gateway', () => {
  const cases: [string, (v: AttributeValue) => unknown][] = [
    ['PutItem Item', (v) => new PutItemCommand({ TableName: 'Scores', Item: { id: { S: '1' }, doc: v } })],
    ['GetItem Key', (v) => new GetItemCommand({ TableName: 'Scores', Key: { id: v } })],
    [
      'UpdateItem ExpressionAttributeValues',
      (v) =>
        new UpdateItemCommand({
          TableName: 'Scores',
          Key: { id: { S: '1' } },
          UpdateExpression: 'SET doc = :v',
          ExpressionAttributeValues: { ':v': v },
        }),
    ],
    [
      'UpdateItem AttributeUpdates',
      (v) =>
        new UpdateItemCommand({
          TableName: 'Scores',
          Key: { id: { S: '1' } },
          AttributeUpdates: { doc: { Value: v, Action: 'PUT' } },
        }),
    ],
    [
      'Query ExclusiveStartKey',
      (v) =>
        new QueryCommand({
          TableName: 'Scores',
          KeyConditionExpression: 'id = :id',
          ExpressionAttributeValues: { ':id': { S: '1' } },
          ExclusiveStartKey: { id: { S: '1' }, doc: v },
        }),
    ],
    [
      'BatchWriteItem PutRequest',
      (v) =>
        new BatchWriteItemCommand({
          RequestItems: { Scores: [{ PutRequest: { Item: { id: { S: '1' }, doc: v } } }] },
        }),
    ],
    [
      'TransactWriteItems Put',
      (v) =>
        new TransactWriteItemsCommand({
          TransactItems: [{ Put: { TableName: 'Scores', Item: { id: { S: '1' }, doc: v } } }],
        }),
    ],
  ];

  for (const [where, command] of cases) {
    it(`${where}: 32 levels pass, 33 (maps or lists) are a ValidationException`, async () => {
      expect(await outcome(command(nested(32)))).toBe('mapped');
      expect(await outcome(command(nested(32, 'L')))).toBe('mapped');
      expect(await outcome(command(nested(33)))).toBe(REFUSED);
      expect(await outcome(command(nested(33, 'L')))).toBe(REFUSED);
    });
  }

  it('refuses a hand-made body nested 200000 levels deep without exhausting the stack', () => {
    const depth = 200_000;
    const key = `{"id":${'{"L":['.repeat(depth)}{"S":"x"}${']}'.repeat(depth)}}`;
    const request = handRequest({
      headers: {
        'x-amz-target': 'DynamoDB_20120810.GetItem',
        'content-type': 'application/x-amz-json-1.0',
      },
      body: `{"TableName":"Scores","Key":${key}}`,
    });
    expect(() => dynamodbMapper.map(request)).toThrow(
      expect.objectContaining({ code: 'ValidationException', status: 400 }),
    );
  });

  it('refuses deep nesting in a member it does not read as attribute values, too', () => {
    const depth = 200_000;
    const request = handRequest({
      headers: {
        'x-amz-target': 'DynamoDB_20120810.GetItem',
        'content-type': 'application/x-amz-json-1.0',
      },
      body: `{"TableName":"Scores","Key":{"id":{"S":"1"}},"Unknown":${'['.repeat(depth)}${']'.repeat(depth)}}`,
    });
    expect(() => dynamodbMapper.map(request)).toThrow(
      expect.objectContaining({ code: 'ValidationException', status: 400 }),
    );
  });
});
