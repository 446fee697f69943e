/**
 * DynamoDB's nesting limit, enforced before anything else reads a request: "Nested attribute depth:
 * DynamoDB supports nested attributes up to 32 levels deep" (Amazon DynamoDB Developer Guide,
 * "Quotas in Amazon DynamoDB"). A scalar is one level and each map (`M`) or list (`L`) around it
 * adds one. DynamoDB refuses deeper values with a `ValidationException`; the gateway does the same
 * rather than forward them, and refuses any other member nested past what a valid request can
 * reach, so no later step (the mapper, the access log's JSON) walks an attacker-chosen depth.
 *
 * Every walk here is iterative: the depth it measures is the attacker's to choose.
 */
import { AwsError } from '../../errors.js';
import type { JsonValue } from '../../iam/types.js';
import { isObject, type JsonObject } from './support/json-body.js';

export const MAX_ATTRIBUTE_DEPTH = 32;

/**
 * JSON nesting no valid request reaches: the deepest home of an attribute value is a
 * `BatchWriteItem` item (6 containers), and 32 levels of values add at most 64 more.
 */
const MAX_JSON_DEPTH = 100;

/** DynamoDB's own message (as captured from the service) for a value nested too deep. */
function tooDeep(): AwsError {
  return new AwsError(
    'ValidationException',
    'Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit',
    { status: 400 },
  );
}

/** Throws DynamoDB's `ValidationException` when an attribute value in `input` is nested too deep. */
export function checkNestingDepth(input: JsonObject): JsonObject {
  if (jsonDepthExceeds(input, MAX_JSON_DEPTH)) throw tooDeep();
  const values: JsonValue[] = [];
  collectItemLevel(input, values);
  for (const requests of Object.values(objectMember(input, 'RequestItems'))) {
    if (Array.isArray(requests)) {
      // BatchWriteItem: [{ PutRequest: { Item } } | { DeleteRequest: { Key } }]
      for (const write of requests) {
        if (!isObject(write)) continue;
        collectItemLevel(objectMember(write, 'PutRequest'), values);
        collectItemLevel(objectMember(write, 'DeleteRequest'), values);
      }
    } else if (isObject(requests)) {
      // BatchGetItem: { Keys: [key, ...] }
      const keys = requests.Keys;
      if (Array.isArray(keys)) for (const key of keys) if (isObject(key)) values.push(...Object.values(key));
    }
  }
  const transact = input.TransactItems;
  if (Array.isArray(transact)) {
    for (const item of transact) {
      if (!isObject(item)) continue;
      for (const member of ['Put', 'Update', 'Delete', 'ConditionCheck', 'Get']) {
        collectItemLevel(objectMember(item, member), values);
      }
    }
  }
  for (const value of values) {
    if (attributeDepthExceeds(value, MAX_ATTRIBUTE_DEPTH)) throw tooDeep();
  }
  return input;
}

/** The attribute values of one item-level request (PutItem, a transaction's Put, ...). */
function collectItemLevel(input: JsonObject, into: JsonValue[]): void {
  for (const member of ['Item', 'Key', 'ExpressionAttributeValues', 'ExclusiveStartKey']) {
    into.push(...Object.values(objectMember(input, member)));
  }
  // Legacy parameters: AttributeUpdates and Expected carry `Value`; conditions `AttributeValueList`.
  for (const member of ['AttributeUpdates', 'Expected', 'KeyConditions', 'QueryFilter', 'ScanFilter']) {
    for (const entry of Object.values(objectMember(input, member))) {
      if (!isObject(entry)) continue;
      if (entry.Value !== undefined) into.push(entry.Value);
      if (Array.isArray(entry.AttributeValueList)) into.push(...entry.AttributeValueList);
    }
  }
}

function objectMember(input: JsonObject, name: string): JsonObject {
  const value = input[name];
  return isObject(value) ? value : {};
}

/** Whether a DynamoDB attribute value is more than `limit` levels deep. */
function attributeDepthExceeds(root: JsonValue, limit: number): boolean {
  const pending: [JsonValue, number][] = [[root, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, level] = next;
    if (level > limit) return true;
    if (!isObject(value)) continue;
    const map = value.M;
    if (isObject(map)) for (const child of Object.values(map)) pending.push([child, level + 1]);
    const list = value.L;
    if (Array.isArray(list)) for (const child of list) pending.push([child, level + 1]);
  }
  return false;
}

/** Whether JSON arrays and objects nest more than `limit` deep. */
function jsonDepthExceeds(root: JsonValue, limit: number): boolean {
  const pending: [JsonValue, number][] = [[root, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, level] = next;
    if (typeof value !== 'object' || value === null) continue;
    if (level > limit) return true;
    const children = Array.isArray(value) ? value : Object.values(value);
    for (const child of children) pending.push([child, level + 1]);
  }
  return false;
}
