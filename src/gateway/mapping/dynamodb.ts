/**
 * DynamoDB (JSON 1.0, `X-Amz-Target: DynamoDB_20120810.<Operation>`) -> IAM checks.
 *
 * Item operations carry DynamoDB's fine-grained access keys:
 * - `dynamodb:LeadingKeys`: the partition key values the request touches — only the partition key
 *   ("Using IAM policy conditions for fine-grained access control", Amazon DynamoDB Developer
 *   Guide). Which attribute that is is table metadata, not part of the request: `references` lists
 *   the tables a request names, the gateway's resolver (`gateway/resolve/`) asks the backend
 *   (DescribeTable), and `map` reads the key schemas from `request.resolved`; the mapper used alone
 *   takes an optional `keySchema` lookup. Without either it decides from the request alone and, when the request cannot tell, errs
 *   towards denial: a `Key` of one attribute is the partition key (a table with a sort key needs
 *   both); a `Key` of two attributes, a `PutItem` `Item`, and a key condition with two equalities
 *   give every candidate value, so `ForAllValues:StringEquals` policies (the form AWS documents)
 *   deny rather than allow what they cannot be sure of.
 * - `dynamodb:Attributes`: the top-level attribute names the request names — key attributes,
 *   projected attributes, the item's attributes (PutItem) and those an update expression touches.
 *   Names that only appear in condition or filter expressions are not included.
 * - `dynamodb:Select`: the request's `Select`, or the value DynamoDB defaults to (a projection means
 *   `SPECIFIC_ATTRIBUTES`; otherwise `ALL_ATTRIBUTES`, or `ALL_PROJECTED_ATTRIBUTES` on an index),
 *   so that AWS's documented `StringEqualsIfExists: {dynamodb:Select: SPECIFIC_ATTRIBUTES}` refuses
 *   a read without projection, as it does on AWS.
 * - `dynamodb:ReturnValues` and `dynamodb:ReturnConsumedCapacity` when the request sets them.
 *
 * Transactions have no action of their own: every item is checked with its own action
 * (`GetItem`, `PutItem`, `UpdateItem`, `DeleteItem`, `ConditionCheckItem`) and
 * `dynamodb:EnclosingOperation` set to the transaction.
 */
import { AwsError } from '../../errors.js';
import type { JsonValue } from '../../iam/types.js';
import type { ContextInput } from '../../policy/index.js';
import type {
  AuthorizationCheck,
  GatewayRequest,
  MappedRequest,
  ResourceReferences,
  ServiceMapper,
  TableKeySchemas,
  UnmappedRequest,
} from '../types.js';
import { checkNestingDepth } from './dynamodb-depth.js';
import { expressionAttributeNames, keyEqualities } from './dynamodb-expressions.js';
import { foreignAccount, resourceArn, splitArn } from './support/arn.js';
import { requestTagContext, tagKeysContext } from './support/conditions.js';
import {
  isObject,
  optionalArray,
  optionalObject,
  optionalString,
  parseJsonBody,
  requiredString,
  serializationError,
  stringList,
  tagList,
} from './support/json-body.js';
import type { JsonObject } from './support/json-body.js';
import { coverageOf, runOperation } from './support/operations.js';
import type { MappedParts, OperationTable } from './support/operations.js';
import { pickParameters } from './support/parameters.js';
import { requireOperationFromTarget } from './support/target.js';

/** Which attributes make up a table's (or an index's) primary key. */
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

type KeySchemaLookup = NonNullable<DynamoDbMapperOptions['keySchema']>;

const SERVICE = { service: 'dynamodb', eventSource: 'dynamodb.amazonaws.com' } as const;

/** Members that name things, never item data: what the access log may show. */
const LOGGED = [
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

interface Context {
  request: GatewayRequest;
  keySchema: KeySchemaLookup;
}

interface TableTarget {
  arn: string;
  name: string;
  place: { resourceAccount?: string };
}

/** `TableName` may be a name or, since 2024, a table ARN. */
function tableTarget(request: GatewayRequest, tableName: string): TableTarget {
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

function checkName(name: string, member: string): void {
  if (NAME.test(name)) return;
  throw new AwsError(
    'ValidationException',
    `1 validation error detected: Value '${truncate(name)}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`,
    { status: 400 },
  );
}

/** Sets a multivalued key only when it has values: an empty set tells a policy nothing more. */
function setValues(keys: Record<string, ContextInput>, name: string, values: readonly string[]): void {
  const distinct = unique(values);
  if (distinct.length > 0) keys[name] = distinct;
}

function attributeNames(input: JsonObject): Record<string, string> {
  const names: Record<string, string> = {};
  for (const [placeholder, name] of Object.entries(optionalObject(input, 'ExpressionAttributeNames') ?? {})) {
    if (typeof name !== 'string')
      throw serializationError('Expected a map of strings for ExpressionAttributeNames.');
    names[placeholder] = name;
  }
  return names;
}

/** The text IAM compares for a key attribute value: S and N as written, B as its base64. */
function keyValueText(value: JsonValue | undefined): string | undefined {
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
function leadingKeysOfItem(item: JsonObject, schema: DynamoDbKeySchema | undefined): string[] {
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

function projection(input: JsonObject, names: Record<string, string>): string[] | undefined {
  const expression = optionalString(input, 'ProjectionExpression');
  if (expression !== undefined) return expressionAttributeNames(expression, names);
  const legacy = optionalArray(input, 'AttributesToGet');
  return legacy === undefined ? undefined : stringList(input, 'AttributesToGet');
}

function effectiveSelect(input: JsonObject, projected: boolean, onIndex: boolean): string {
  return (
    optionalString(input, 'Select') ??
    (projected ? 'SPECIFIC_ATTRIBUTES' : onIndex ? 'ALL_PROJECTED_ATTRIBUTES' : 'ALL_ATTRIBUTES')
  );
}

function returnKeys(
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

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

type ItemAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'ConditionCheckItem';

/** One item operation's check: used directly and for each item of a transaction. */
function itemCheck(
  action: ItemAction,
  item: JsonObject,
  context: Context,
  enclosing?: string,
): AuthorizationCheck {
  const { request } = context;
  const table = tableTarget(request, requiredString(item, 'TableName'));
  const schema = context.keySchema({ tableArn: table.arn, tableName: table.name });
  const names = attributeNames(item);
  const key = optionalObject(item, action === 'PutItem' ? 'Item' : 'Key');
  if (key === undefined) {
    const member = action === 'PutItem' ? 'item' : 'key';
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
      { status: 400 },
    );
  }
  const attributes = [...Object.keys(key)];
  const keys: Record<string, ContextInput> = {};
  setValues(keys, 'dynamodb:LeadingKeys', leadingKeysOfItem(key, schema));
  if (action === 'GetItem') {
    const projected = projection(item, names);
    if (projected !== undefined) attributes.push(...projected);
    keys['dynamodb:Select'] = effectiveSelect(item, projected !== undefined, false);
  }
  if (action === 'UpdateItem') {
    const update = optionalString(item, 'UpdateExpression');
    if (update !== undefined) attributes.push(...expressionAttributeNames(update, names));
    attributes.push(...Object.keys(optionalObject(item, 'AttributeUpdates') ?? {}));
  }
  setValues(keys, 'dynamodb:Attributes', attributes);
  Object.assign(keys, returnKeys(item, ['ReturnValues', 'ReturnConsumedCapacity']));
  if (enclosing !== undefined) keys['dynamodb:EnclosingOperation'] = enclosing;
  return { action: `dynamodb:${action}`, resource: table.arn, ...table.place, context: keys };
}

function itemOperation(action: ItemAction) {
  return {
    actions: [`dynamodb:${action}`],
    map: (input: JsonObject, context: Context): MappedParts => ({
      checks: [itemCheck(action, input, context)],
      requestParameters: pickParameters(input, LOGGED),
    }),
  };
}

/** Query and Scan: table or index resource; Query also has key conditions. */
function readManyOperation(action: 'Query' | 'Scan') {
  return {
    actions: [`dynamodb:${action}`],
    map: (input: JsonObject, context: Context): MappedParts => {
      const { request } = context;
      const table = tableTarget(request, requiredString(input, 'TableName'));
      const indexName = optionalString(input, 'IndexName');
      if (indexName !== undefined) checkName(indexName, 'indexName');
      const resource = indexName === undefined ? table.arn : `${table.arn}/index/${indexName}`;
      const names = attributeNames(input);
      const projected = projection(input, names);
      const attributes = [...(projected ?? [])];
      const keys: Record<string, ContextInput> = {
        'dynamodb:Select': effectiveSelect(input, projected !== undefined, indexName !== undefined),
        ...returnKeys(input, ['ReturnValues', 'ReturnConsumedCapacity']),
      };
      if (action === 'Query') {
        const schema = context.keySchema({
          tableArn: table.arn,
          tableName: table.name,
          ...(indexName === undefined ? {} : { indexName }),
        });
        const equalities = queryKeyEqualities(input, names);
        attributes.push(...equalities.map((equality) => equality.name));
        const keyCondition = optionalString(input, 'KeyConditionExpression');
        if (keyCondition !== undefined) attributes.push(...expressionAttributeNames(keyCondition, names));
        attributes.push(...Object.keys(optionalObject(input, 'KeyConditions') ?? {}));
        const partition =
          schema === undefined
            ? equalities
            : equalities.filter((equality) => equality.name === schema.partitionKey);
        setValues(
          keys,
          'dynamodb:LeadingKeys',
          partition.map((equality) => equality.value).filter((value): value is string => value !== undefined),
        );
      }
      setValues(keys, 'dynamodb:Attributes', attributes);
      return {
        checks: [{ action: `dynamodb:${action}`, resource, ...table.place, context: keys }],
        requestParameters: pickParameters(input, LOGGED),
      };
    },
  };
}

/** `KeyConditionExpression` equalities, or the legacy `KeyConditions` `EQ` entries. */
function queryKeyEqualities(
  input: JsonObject,
  names: Record<string, string>,
): { name: string; value: string | undefined }[] {
  const expression = optionalString(input, 'KeyConditionExpression');
  if (expression !== undefined) {
    const values = optionalObject(input, 'ExpressionAttributeValues') ?? {};
    return keyEqualities(expression, names).map(({ name, placeholder }) => ({
      name,
      value: keyValueText(values[placeholder]),
    }));
  }
  const out: { name: string; value: string | undefined }[] = [];
  for (const [name, condition] of Object.entries(optionalObject(input, 'KeyConditions') ?? {})) {
    if (!isObject(condition) || condition['ComparisonOperator'] !== 'EQ') continue;
    const list = condition['AttributeValueList'];
    out.push({ name, value: Array.isArray(list) ? keyValueText(list[0]) : undefined });
  }
  return out;
}

/** BatchGetItem and BatchWriteItem: one check per table, with the union of its items' keys. */
function batchOperation(action: 'BatchGetItem' | 'BatchWriteItem') {
  return {
    actions: [`dynamodb:${action}`],
    map: (input: JsonObject, context: Context): MappedParts => {
      const { request } = context;
      const requestItems = optionalObject(input, 'RequestItems');
      if (requestItems === undefined) {
        throw new AwsError(
          'ValidationException',
          "1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null",
          { status: 400 },
        );
      }
      const checks: AuthorizationCheck[] = [];
      for (const [tableName, entry] of Object.entries(requestItems)) {
        const table = tableTarget(request, tableName);
        const schema = context.keySchema({ tableArn: table.arn, tableName: table.name });
        const leading: string[] = [];
        const attributes: string[] = [];
        const keys: Record<string, ContextInput> = {};
        if (action === 'BatchGetItem') {
          if (!isObject(entry)) throw serializationError('Expected a structure for RequestItems entries.');
          for (const key of optionalArray(entry, 'Keys') ?? []) {
            if (!isObject(key)) throw serializationError('Expected a list of keys for Keys.');
            leading.push(...leadingKeysOfItem(key, schema));
            attributes.push(...Object.keys(key));
          }
          const projected = projection(entry, attributeNames(entry));
          if (projected !== undefined) attributes.push(...projected);
          keys['dynamodb:Select'] = effectiveSelect(entry, projected !== undefined, false);
        } else {
          if (!Array.isArray(entry)) throw serializationError('Expected a list of write requests.');
          for (const write of entry) {
            const item = isObject(write)
              ? (optionalObject(optionalObject(write, 'PutRequest') ?? {}, 'Item') ??
                optionalObject(optionalObject(write, 'DeleteRequest') ?? {}, 'Key'))
              : undefined;
            if (item === undefined) throw serializationError('Expected a PutRequest or DeleteRequest.');
            leading.push(...leadingKeysOfItem(item, schema));
            attributes.push(...Object.keys(item));
          }
        }
        setValues(keys, 'dynamodb:LeadingKeys', leading);
        setValues(keys, 'dynamodb:Attributes', attributes);
        Object.assign(keys, returnKeys(input, ['ReturnConsumedCapacity']));
        checks.push({ action: `dynamodb:${action}`, resource: table.arn, ...table.place, context: keys });
      }
      return {
        checks,
        requestParameters: { requestItems: Object.keys(requestItems) },
      };
    },
  };
}

const TRANSACT_WRITE_MEMBERS: Readonly<Record<string, ItemAction>> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
};

function transactOperation(operation: 'TransactGetItems' | 'TransactWriteItems') {
  const members: Readonly<Record<string, ItemAction>> =
    operation === 'TransactGetItems' ? { Get: 'GetItem' } : TRANSACT_WRITE_MEMBERS;
  return {
    actions: unique(Object.values(members)).map((action) => `dynamodb:${action}`),
    map: (input: JsonObject, context: Context): MappedParts => {
      const checks: AuthorizationCheck[] = [];
      const tables: string[] = [];
      for (const entry of optionalArray(input, 'TransactItems') ?? []) {
        if (!isObject(entry)) throw serializationError('Expected a list of structures for TransactItems.');
        const member = Object.keys(entry).find((name) => Object.prototype.hasOwnProperty.call(members, name));
        const item = member === undefined ? undefined : optionalObject(entry, member);
        if (member === undefined || item === undefined) {
          throw new AwsError(
            'ValidationException',
            'TransactItems can only contain one of Check, Put, Update or Delete',
            {
              status: 400,
            },
          );
        }
        const check = itemCheck(members[member] as ItemAction, item, context, operation);
        const returned = returnKeys(input, ['ReturnConsumedCapacity']);
        Object.assign(check.context, returned);
        checks.push(check);
        tables.push(requiredString(item, 'TableName'));
      }
      if (checks.length === 0) {
        throw new AwsError(
          'ValidationException',
          "1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null",
          { status: 400 },
        );
      }
      return { checks, requestParameters: { transactItems: unique(tables) } };
    },
  };
}

/** Table-level operations: one check on the table named by `TableName`. */
function tableOperation(action: string, withTags = false) {
  return {
    actions: [`dynamodb:${action}`],
    map: (input: JsonObject, context: Context): MappedParts => {
      const table = tableTarget(context.request, requiredString(input, 'TableName'));
      const keys = withTags ? requestTagContext(tagList(input, 'Tags')) : {};
      return {
        checks: [{ action: `dynamodb:${action}`, resource: table.arn, ...table.place, context: keys }],
        requestParameters: pickParameters(input, LOGGED),
      };
    },
  };
}

/** Tagging operations name their table, index or stream by `ResourceArn`. */
function taggingOperation(action: 'TagResource' | 'UntagResource' | 'ListTagsOfResource') {
  return {
    actions: [`dynamodb:${action}`],
    map: (input: JsonObject, context: Context): MappedParts => {
      const arn = requiredString(input, 'ResourceArn');
      if (splitArn(arn)?.service !== 'dynamodb') {
        throw new AwsError('ValidationException', `Invalid TableArn: ${truncate(arn)}`, { status: 400 });
      }
      const keys =
        action === 'TagResource'
          ? requestTagContext(tagList(input, 'Tags'))
          : action === 'UntagResource'
            ? tagKeysContext(stringList(input, 'TagKeys'))
            : {};
      return {
        checks: [
          {
            action: `dynamodb:${action}`,
            resource: arn,
            ...foreignAccount(context.request, arn),
            context: keys,
          },
        ],
        requestParameters: pickParameters(input, LOGGED),
      };
    },
  };
}

const operations: OperationTable<JsonObject, Context> = {
  GetItem: itemOperation('GetItem'),
  PutItem: itemOperation('PutItem'),
  UpdateItem: itemOperation('UpdateItem'),
  DeleteItem: itemOperation('DeleteItem'),
  Query: readManyOperation('Query'),
  Scan: readManyOperation('Scan'),
  BatchGetItem: batchOperation('BatchGetItem'),
  BatchWriteItem: batchOperation('BatchWriteItem'),
  TransactGetItems: transactOperation('TransactGetItems'),
  TransactWriteItems: transactOperation('TransactWriteItems'),
  CreateTable: tableOperation('CreateTable', true),
  DeleteTable: tableOperation('DeleteTable'),
  DescribeTable: tableOperation('DescribeTable'),
  UpdateTable: tableOperation('UpdateTable'),
  DescribeTimeToLive: tableOperation('DescribeTimeToLive'),
  ListTables: {
    actions: ['dynamodb:ListTables'],
    map: (input: JsonObject) => ({
      checks: [{ action: 'dynamodb:ListTables', resource: '*', context: {} }],
      requestParameters: pickParameters(input, LOGGED),
    }),
  },
  TagResource: taggingOperation('TagResource'),
  UntagResource: taggingOperation('UntagResource'),
  ListTagsOfResource: taggingOperation('ListTagsOfResource'),
};

/** Every mapped operation with the actions it can need (the coverage table reads this). */
export const dynamodbCoverage = coverageOf(operations);

/**
 * A DynamoDB mapper; `options.keySchema` makes `dynamodb:LeadingKeys` exact.
 *
 * @example
 * const mapper = createDynamoDbMapper({ keySchema: ({ tableName }) => schemas.get(tableName) });
 * mapper.map(request); // { operation: 'GetItem', checks: [{ action: 'dynamodb:GetItem', ... }] }
 */
export function createDynamoDbMapper(options: DynamoDbMapperOptions = {}): ServiceMapper {
  const fallback: KeySchemaLookup = options.keySchema ?? (() => undefined);
  return {
    service: 'dynamodb',
    signingName: 'dynamodb',
    protocol: 'json',
    errorNamespace: 'com.amazonaws.dynamodb.v20120810#',
    needsBody: () => true,
    map(request: GatewayRequest): MappedRequest | UnmappedRequest {
      const operation = requireOperationFromTarget(request, 'DynamoDB_20120810');
      const keySchema = request.resolved?.tables === undefined ? fallback : resolvedSchemas(request);
      return runOperation(
        SERVICE,
        operations,
        operation,
        () => checkNestingDepth(parseJsonBody(request.body)),
        {
          request,
          keySchema,
        },
      );
    },
    references(request: GatewayRequest): ResourceReferences {
      const operation = requireOperationFromTarget(request, 'DynamoDB_20120810');
      if (!KEYED_OPERATIONS.has(operation)) return {};
      const tables = tablesNamed(parseJsonBody(request.body));
      return tables.length === 0 ? {} : { tables };
    },
  };
}

/** Operations whose checks carry `dynamodb:LeadingKeys`, so need the tables' key schemas. */
const KEYED_OPERATIONS: ReadonlySet<string> = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);

/** The `TableName`s (as given) of an item, batch or transaction request. */
function tablesNamed(input: JsonObject): string[] {
  const names: string[] = [];
  const table = input['TableName'];
  if (typeof table === 'string') names.push(table);
  names.push(...Object.keys(optionalObject(input, 'RequestItems') ?? {}));
  for (const entry of optionalArray(input, 'TransactItems') ?? []) {
    if (!isObject(entry)) continue;
    for (const item of Object.values(entry)) {
      if (isObject(item) && typeof item['TableName'] === 'string') names.push(item['TableName']);
    }
  }
  return unique(names);
}

/** The key schemas the resolver found, by the table ARN the mapper builds from each name. */
function resolvedSchemas(request: GatewayRequest): KeySchemaLookup {
  const byArn = new Map<string, TableKeySchemas>();
  for (const [name, schemas] of request.resolved?.tables ?? []) {
    byArn.set(tableTarget(request, name).arn, schemas);
  }
  return ({ tableArn, indexName }) => {
    const schemas = byArn.get(tableArn);
    if (schemas === undefined) return undefined;
    return indexName === undefined ? schemas : schemas.indexes[indexName];
  };
}

/** The DynamoDB mapper without key schemas (see the module comment for what that costs). */
export const dynamodbMapper: ServiceMapper = createDynamoDbMapper();

function truncate(text: string): string {
  return text.length > 128 ? `${text.slice(0, 128)}...` : text;
}
