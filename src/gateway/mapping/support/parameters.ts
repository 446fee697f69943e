/**
 * CloudTrail's `requestParameters` for the access log: an allow-list of the request's own members,
 * renamed to CloudTrail's lower-camel spelling. An allow-list rather than a deny-list, so that a
 * member that carries data (SecretString, Plaintext, MessageBody, item values) can never reach the
 * log by being forgotten.
 */
import type { JsonValue } from '../../../iam/types.js';
import { lowerFirst } from './json-body.js';
import type { JsonObject } from './json-body.js';

/**
 * The members of `input` named in `allowed`, lower-camel-cased, or `undefined` when none is present.
 *
 * @example
 * pickParameters({ SecretId: 's', SecretString: 'x' }, ['SecretId']); // { secretId: 's' }
 */
export function pickParameters(
  input: JsonObject,
  allowed: readonly string[],
): { [key: string]: JsonValue } | undefined {
  const out: { [key: string]: JsonValue } = {};
  let any = false;
  for (const name of allowed) {
    const value = input[name];
    if (value === undefined) continue;
    out[lowerFirst(name)] = value;
    any = true;
  }
  return any ? out : undefined;
}
