/**
 * Header collection: every accepted header shape becomes one map from lowercase name to the
 * values in arrival order, which is what canonicalisation needs.
 */
import type { RequestHeaders } from './types.js';

export type HeaderMap = Map<string, string[]>;

function add(map: HeaderMap, name: string, value: string): void {
  const key = name.toLowerCase();
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/**
 * @example collectHeaders([['Host', 'example.com'], ['X-A', '1'], ['x-a', '2']]).get('x-a') // => ['1', '2']
 */
export function collectHeaders(headers: RequestHeaders): HeaderMap {
  const map: HeaderMap = new Map();
  if (Array.isArray(headers)) {
    if (headers.length > 0 && typeof headers[0] === 'string') {
      const flat = headers as readonly string[];
      for (let i = 0; i + 1 < flat.length; i += 2) add(map, String(flat[i]), String(flat[i + 1]));
    } else {
      for (const pair of headers as ReadonlyArray<readonly [string, string]>) {
        if (Array.isArray(pair) && pair.length >= 2) add(map, String(pair[0]), String(pair[1]));
      }
    }
    return map;
  }
  for (const [name, value] of Object.entries(
    headers as Record<string, string | readonly string[] | undefined>,
  )) {
    if (value === undefined) continue;
    if (typeof value === 'string') add(map, name, value);
    else for (const v of value) add(map, name, String(v));
  }
  return map;
}

/** The single value of a header, or undefined; repeated headers are joined with `,`. */
export function headerValue(map: HeaderMap, lowercaseName: string): string | undefined {
  const list = map.get(lowercaseName);
  if (list === undefined) return undefined;
  return list.length === 1 ? list[0] : list.join(',');
}
