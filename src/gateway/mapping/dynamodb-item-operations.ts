/** Single-item operations (`GetItem`, `PutItem`, `UpdateItem`, `DeleteItem`) and the check every item gets. */
import { AwsError } from '../../errors.js';
import type { ContextInput } from '../../policy/index.js';
import type { AuthorizationCheck } from '../types.js';
import { expressionAttributeNames } from './dynamodb-expressions.js';
import { optionalObject, optionalString, requiredString } from './support/json-body.js';
import type { JsonObject } from './support/json-body.js';
import type { MappedParts } from './support/operations.js';
import { pickParameters } from './support/parameters.js';
import {
  attributeNames,
  effectiveSelect,
  leadingKeysOfItem,
  LOGGED,
  projection,
  returnKeys,
  setValues,
  tableTarget,
  type Context,
} from './dynamodb-request.js';

export type ItemAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'ConditionCheckItem';

/** One item operation's check: used directly and for each item of a transaction. */
export function itemCheck(
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

export function itemOperation(action: ItemAction) {
  return {
    actions: [`dynamodb:${action}`],
    map: (input: JsonObject, context: Context): MappedParts => ({
      checks: [itemCheck(action, input, context)],
      requestParameters: pickParameters(input, LOGGED),
    }),
  };
}
