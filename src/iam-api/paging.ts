/**
 * Pages over lists the API layer assembles itself (AWS managed policies, policy versions, the
 * roles a policy is attached to), with IAM's `Marker`/`MaxItems`/`IsTruncated`. The marker is the
 * key of the last item returned, opaque to callers, checked as the store's markers are.
 */
import { encodeMarker, markerKey } from '../store/pagination.js';
import type { ListOptions, Page } from '../store/store.js';

export const DEFAULT_MAX_ITEMS = 100;

/**
 * One page of `items` (already in key order): those whose key sorts after the marker's.
 *
 * @example
 * pageOf(versions, { maxItems: 2 }, (v) => v.versionId.padStart(12, '0'));
 */
export function pageOf<T>(items: readonly T[], options: ListOptions, keyOf: (item: T) => string): Page<T> {
  const max = options.maxItems ?? DEFAULT_MAX_ITEMS;
  const after = markerKey(options);
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
