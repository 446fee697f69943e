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
import type {
  GatewayRequest,
  MappedRequest,
  ResourceReferences,
  ServiceMapper,
  TableKeySchemas,
  UnmappedRequest,
} from '../types.js';
import { checkNestingDepth } from './dynamodb-depth.js';
import { isObject, optionalArray, optionalObject, parseJsonBody } from './support/json-body.js';
import type { JsonObject } from './support/json-body.js';
import { coverageOf, runOperation } from './support/operations.js';
import type { OperationTable } from './support/operations.js';
import { pickParameters } from './support/parameters.js';
import { requireOperationFromTarget } from './support/target.js';
import {
  LOGGED,
  tableTarget,
  unique,
  type Context,
  type DynamoDbKeySchema,
  type DynamoDbMapperOptions,
  type DynamoDbTableRef,
  type KeySchemaLookup,
} from './dynamodb-request.js';
import { itemOperation } from './dynamodb-item-operations.js';
import { batchOperation, readManyOperation, transactOperation } from './dynamodb-multi-item-operations.js';
import { tableOperation, taggingOperation } from './dynamodb-table-operations.js';

export type { DynamoDbKeySchema, DynamoDbMapperOptions, DynamoDbTableRef };

const SERVICE = { service: 'dynamodb', eventSource: 'dynamodb.amazonaws.com' } as const;

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
