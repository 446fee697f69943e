/**
 * What every DynamoDB operation reads: the table a name or ARN designates, the names and key values
 * an item request carries, and the members the access log may show.
 */
import { AwsError } from '../../errors.js';
import type { JsonValue } from '../../iam/types.js';
import type { ContextInput } from '../../policy/index.js';
import type { GatewayRequest } from '../types.js';
import { expressionAttributeNames } from './dynamodb-expressions.js';
import { foreignAccount, resourceArn, splitArn } from './support/arn.js';
import {
  isObject,
  optionalArray,
  optionalObject,
  optionalString,
  serializationError,
  stringList,
} from './support/json-body.js';
import type { JsonObject } from './support/json-body.js';

export interface DynamoDbKeySchema {
  partitionKey: string;
  sortKey?: string;
}

export interface DynamoDbTableRef {
  /** The table's ARN. */
  tableArn: string;
  tableName: string;
  /** Set for a Query or Scan of a secondary index. */
  indexName?: string;
}

export interface DynamoDbMapperOptions {
  /** The key schema of a table or index when known; must be synchronous and free of I/O. */
  keySchema?: (table: DynamoDbTableRef) => DynamoDbKeySchema | undefined;
}

export type KeySchemaLookup = NonNullable<DynamoDbMapperOptions['keySchema']>;

/** Members that name things, never item data: what the access log may show. */
export const LOGGED = [
  'TableName',
  'IndexName',
  'Key',
  'Select',
  'ProjectionExpression',
  'AttributesToGet',
  'KeyConditionExpression',
  'FilterExpression',
  'ConditionExpression',
  'UpdateExpression',
  'ExpressionAttributeNames',
  'ConsistentRead',
  'Limit',
  'ReturnValues',
  'ReturnConsumedCapacity',
  'ReturnItemCollectionMetrics',
  'ResourceArn',
  'TagKeys',
  'KeySchema',
  'BillingMode',
  'ExclusiveStartTableName',
] as const;

export interface Context {
  request: GatewayRequest;
  keySchema: KeySchemaLookup;
}

export interface TableTarget {
  arn: string;
  name: string;
  place: { resourceAccount?: string };
}

/** `TableName` may be a name or, since 2024, a table ARN. */
export function tableTarget(request: GatewayRequest, tableName: string): TableTarget {
  const parts = splitArn(tableName);
  if (parts !== undefined) {
    const match = /^table\/([^/]+)$/.exec(parts.resource);
    if (parts.service !== 'dynamodb' || match === null || !NAME.test(match[1] as string)) {
      throw new AwsError('ValidationException', `Invalid TableName: ${truncate(tableName)}`, { status: 400 });
    }
    return { arn: tableName, name: match[1] as string, place: foreignAccount(request, tableName) };
  }
  checkName(tableName, 'tableName');
  return { arn: resourceArn(request, 'dynamodb', `table/${tableName}`), name: tableName, place: {} };
}

/** Table and index names: DynamoDB's own pattern, so no name can shape the resource ARN. */
const NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

export function checkName(name: string, member: string): void {
  if (NAME.test(name)) return;
  throw new AwsError(
    'ValidationException',
    `1 validation error detected: Value '${truncate(name)}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`,
    { status: 400 },
  );
}

/** Sets a multivalued key only when it has values: an empty set tells a policy nothing more. */
export function setValues(keys: Record<string, ContextInput>, name: string, values: readonly string[]): void {
  const distinct = unique(values);
  if (distinct.length > 0) keys[name] = distinct;
}

export function attributeNames(input: JsonObject): Record<string, string> {
  const names: Record<string, string> = {};
  for (const [placeholder, name] of Object.entries(optionalObject(input, 'ExpressionAttributeNames') ?? {})) {
    if (typeof name !== 'string')
      throw serializationError('Expected a map of strings for ExpressionAttributeNames.');
    names[placeholder] = name;
  }
  return names;
}

/** The text IAM compares for a key attribute value: S and N as written, B as its base64. */
export function keyValueText(value: JsonValue | undefined): string | undefined {
  if (!isObject(value)) return undefined;
  for (const type of ['S', 'N', 'B'] as const) {
    const text = value[type];
    if (typeof text === 'string') return text;
  }
  return undefined;
}

/**
 * The partition key values of one item key (or whole item). With a schema: the partition key's
 * value. Without: a one-attribute key is the partition key; otherwise every key-typed value.
 */
export function leadingKeysOfItem(item: JsonObject, schema: DynamoDbKeySchema | undefined): string[] {
  if (schema !== undefined) {
    const value = keyValueText(item[schema.partitionKey]);
    return value === undefined ? [] : [value];
  }
  const values: string[] = [];
  for (const value of Object.values(item)) {
    const text = keyValueText(value);
    if (text !== undefined) values.push(text);
  }
  return values;
}

export function projection(input: JsonObject, names: Record<string, string>): string[] | undefined {
  const expression = optionalString(input, 'ProjectionExpression');
  if (expression !== undefined) return expressionAttributeNames(expression, names);
  const legacy = optionalArray(input, 'AttributesToGet');
  return legacy === undefined ? undefined : stringList(input, 'AttributesToGet');
}

export function effectiveSelect(input: JsonObject, projected: boolean, onIndex: boolean): string {
  return (
    optionalString(input, 'Select') ??
    (projected ? 'SPECIFIC_ATTRIBUTES' : onIndex ? 'ALL_PROJECTED_ATTRIBUTES' : 'ALL_ATTRIBUTES')
  );
}

export function returnKeys(
  input: JsonObject,
  names: readonly ('ReturnValues' | 'ReturnConsumedCapacity')[],
): Record<string, ContextInput> {
  const context: Record<string, ContextInput> = {};
  for (const name of names) {
    const value = optionalString(input, name);
    if (value !== undefined) context[`dynamodb:${name}`] = value;
  }
  return context;
}

export function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

export function truncate(text: string): string {
  return text.length > 128 ? `${text.slice(0, 128)}...` : text;
}
