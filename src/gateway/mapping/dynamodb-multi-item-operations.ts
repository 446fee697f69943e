/** Operations on many items: `Query` and `Scan`, batches, and transactions (one check per item). */
import { AwsError } from '../../errors.js';
import type { ContextInput } from '../../policy/index.js';
import type { AuthorizationCheck } from '../types.js';
import { expressionAttributeNames, keyEqualities } from './dynamodb-expressions.js';
import {
  isObject,
  optionalArray,
  optionalObject,
  optionalString,
  requiredString,
  serializationError,
} from './support/json-body.js';
import type { JsonObject } from './support/json-body.js';
import type { MappedParts } from './support/operations.js';
import { pickParameters } from './support/parameters.js';
import {
  attributeNames,
  checkName,
  effectiveSelect,
  keyValueText,
  leadingKeysOfItem,
  LOGGED,
  projection,
  returnKeys,
  setValues,
  tableTarget,
  unique,
  type Context,
} from './dynamodb-request.js';
import { itemCheck, type ItemAction } from './dynamodb-item-operations.js';

export function readManyOperation(action: 'Query' | 'Scan') {
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
export function batchOperation(action: 'BatchGetItem' | 'BatchWriteItem') {
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

export function transactOperation(operation: 'TransactGetItems' | 'TransactWriteItems') {
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
