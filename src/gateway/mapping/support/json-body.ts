/**
 * Reading the body of a JSON-protocol request (JSON 1.0/1.1 and REST-JSON) with the checks the
 * services themselves make: a body that is not a JSON object is the service's own
 * `SerializationException` (400), and a field of the wrong JSON type is one too, so the gateway
 * answers it without forwarding, as the service would.
 */
import { AwsError } from '../../../errors.js';
import type { JsonValue } from '../../../iam/types.js';

export type JsonObject = { [key: string]: JsonValue };

/** Bodies above this are refused before parsing; no mapped operation accepts more (Lambda's 6 MB payload streams unread). */
const MAX_JSON_BODY = 16 * 1024 * 1024;

/**
 * The request body as a JSON object; an absent or empty body reads as `{}` (the SDKs send `{}`
 * for operations without input, older clients nothing).
 *
 * @example
 * parseJsonBody(Buffer.from('{"TableName":"t"}')); // { TableName: 't' }
 */
export function parseJsonBody(body: Buffer | undefined): JsonObject {
  if (body === undefined || body.length === 0) return {};
  // Parsed once per request: the mapper decides on it and the forwarder re-serializes the same value.
  const known = parsedBodies.get(body);
  if (known !== undefined) return known;
  if (body.length > MAX_JSON_BODY) throw serializationError('Request body is too large.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw serializationError('Start of structure or map found where not expected.');
  }
  if (!isObject(parsed)) throw serializationError('Start of structure or map found where not expected.');
  parsedBodies.set(body, parsed);
  return parsed;
}

const parsedBodies = new WeakMap<Buffer, JsonObject>();

export function serializationError(message: string): AwsError {
  return new AwsError('SerializationException', message, { status: 400 });
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An optional string member; another JSON type is a `SerializationException`. */
export function optionalString(input: JsonObject, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw serializationError(`Expected a string for ${name}.`);
  return value;
}

/**
 * A required string member. A missing one is the service's `ValidationException` in the
 * wording the JSON services use.
 */
export function requiredString(input: JsonObject, name: string): string {
  const value = optionalString(input, name);
  if (value === undefined) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value null at '${lowerFirst(name)}' failed to satisfy constraint: Member must not be null`,
      { status: 400 },
    );
  }
  return value;
}

export function optionalBoolean(input: JsonObject, name: string): boolean | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw serializationError(`Expected a boolean for ${name}.`);
  return value;
}

export function optionalNumber(input: JsonObject, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw serializationError(`Expected a number for ${name}.`);
  return value;
}

export function optionalObject(input: JsonObject, name: string): JsonObject | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw serializationError(`Expected a structure or map for ${name}.`);
  return value;
}

export function optionalArray(input: JsonObject, name: string): JsonValue[] | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw serializationError(`Expected a list for ${name}.`);
  return value;
}

export function stringList(input: JsonObject, name: string): string[] {
  const list = optionalArray(input, name) ?? [];
  return list.map((item) => {
    if (typeof item !== 'string') throw serializationError(`Expected a list of strings for ${name}.`);
    return item;
  });
}

/** A `{ "k": "v" }` string map (SQS tags, KMS encryption context). */
export function stringMap(input: JsonObject, name: string): Record<string, string> {
  const map = optionalObject(input, name) ?? {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) {
    if (typeof value !== 'string') throw serializationError(`Expected a map of strings for ${name}.`);
    out[key] = value;
  }
  return out;
}

export interface Tag {
  key: string;
  value: string;
}

/** A `[{ "Key": "k", "Value": "v" }]` tag list; `keyField`/`valueField` for services that spell them otherwise. */
export function tagList(input: JsonObject, name: string, keyField = 'Key', valueField = 'Value'): Tag[] {
  const list = optionalArray(input, name) ?? [];
  return list.map((entry) => {
    if (!isObject(entry)) throw serializationError(`Expected a list of tags for ${name}.`);
    const key = entry[keyField];
    const value = entry[valueField] ?? '';
    if (typeof key !== 'string' || typeof value !== 'string') {
      throw serializationError(`Expected string ${keyField} and ${valueField} in ${name}.`);
    }
    return { key, value };
  });
}

export function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}
