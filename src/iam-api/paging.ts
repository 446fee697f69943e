/**
 * Pages over lists the API layer assembles itself (AWS managed policies, policy versions, the
 * roles a policy is attached to), with IAM's `Marker`/`MaxItems`/`IsTruncated`. The marker is the
 * key of the last item returned, opaque to callers.
 */
import { validationError } from '../iam/names.js';
import type { ListOptions, Page } from '../store/store.js';

export const DEFAULT_MAX_ITEMS = 100;

export function encodeMarker(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

/** The key a marker stands for; a marker this API did not issue is a `ValidationError`. */
export function decodeMarker(marker: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(marker)) {
    throw validationError([
      { field: 'marker', value: marker, constraint: 'be a marker returned by a previous call' },
    ]);
  }
  return Buffer.from(marker, 'base64url').toString('utf8');
}

/**
 * One page of `items` (already in key order): those whose key sorts after the marker's.
 *
 * @example
 * pageOf(versions, { maxItems: 2 }, (v) => v.versionId.padStart(12, '0'));
 */
export function pageOf<T>(items: readonly T[], options: ListOptions, keyOf: (item: T) => string): Page<T> {
  const max = options.maxItems ?? DEFAULT_MAX_ITEMS;
  const after = options.marker === undefined ? undefined : decodeMarker(options.marker);
  const rest = after === undefined ? items : items.filter((item) => keyOf(item) > after);
  const kept = rest.slice(0, max);
  const isTruncated = rest.length > max;
  const last = kept[kept.length - 1];
  return {
    items: kept,
    isTruncated,
    ...(isTruncated && last !== undefined ? { marker: encodeMarker(keyOf(last)) } : {}),
  };
}
