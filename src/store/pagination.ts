/**
 * IAM-style pagination (`Marker`, `MaxItems`, `IsTruncated`) over key-ordered queries.
 *
 * A marker is the last key of the previous page behind a short digest of it, base64url-encoded so
 * that callers treat it as opaque; the next page is every row whose key sorts after it. Rows
 * written between pages are seen or not according to where their key falls, never twice. The
 * digest makes a marker no previous call returned (garbage, truncated, edited) an error instead of
 * a page that starts somewhere arbitrary: a client echoing a bad marker is told so rather than
 * looping. It is a checksum, not a secret: a marker grants nothing a first page does not.
 */
import { createHash } from 'node:crypto';
import { validationError } from '../iam/names.js';
import type { ListOptions, Page } from './store.js';

export const DEFAULT_MAX_ITEMS = 100;
export const MAX_MAX_ITEMS = 1000;

/** `maxItems` after IAM's 1..1000 check. @example resolveMaxItems({}) // 100 */
export function resolveMaxItems(options: ListOptions | undefined): number {
  const value = options?.maxItems ?? DEFAULT_MAX_ITEMS;
  if (!Number.isInteger(value) || value < 1) {
    throw validationError([
      { field: 'maxItems', value, constraint: 'have value greater than or equal to 1' },
    ]);
  }
  if (value > MAX_MAX_ITEMS) {
    throw validationError([
      { field: 'maxItems', value, constraint: `have value less than or equal to ${MAX_MAX_ITEMS}` },
    ]);
  }
  return value;
}

const DIGEST_BYTES = 6;

function keyDigest(key: Buffer): Buffer {
  return createHash('sha256').update(key).digest().subarray(0, DIGEST_BYTES);
}

/** The marker for a page that ends at `key`. @example encodeMarker('role/b') */
export function encodeMarker(key: string): string {
  const bytes = Buffer.from(key, 'utf8');
  return Buffer.concat([keyDigest(bytes), bytes]).toString('base64url');
}

/** The key a marker stands for, or `undefined` for the first page. */
export function markerKey(options: ListOptions | undefined): string | undefined {
  const marker = options?.marker;
  if (marker === undefined || marker === '') return undefined;
  const invalid = () =>
    validationError([
      { field: 'marker', value: marker, constraint: 'be a marker returned by a previous call' },
    ]);
  if (!/^[A-Za-z0-9_-]+$/.test(marker)) throw invalid();
  const bytes = Buffer.from(marker, 'base64url');
  const key = bytes.subarray(DIGEST_BYTES);
  if (
    bytes.length <= DIGEST_BYTES ||
    bytes.toString('base64url') !== marker ||
    !keyDigest(key).equals(bytes.subarray(0, DIGEST_BYTES))
  ) {
    throw invalid();
  }
  return key.toString('utf8');
}

/**
 * Turns `maxItems + 1` fetched rows into a page.
 *
 * @example
 * toPage(rows, 100, (r) => r.name_key, toRole);
 */
export function toPage<Row, T>(
  rows: Row[],
  maxItems: number,
  keyOf: (row: Row) => string,
  map: (row: Row) => T,
): Page<T> {
  const isTruncated = rows.length > maxItems;
  const kept = isTruncated ? rows.slice(0, maxItems) : rows;
  const last = kept[kept.length - 1];
  const page: Page<T> = { items: kept.map(map), isTruncated };
  if (isTruncated && last !== undefined) page.marker = encodeMarker(keyOf(last));
  return page;
}

/**
 * One page of a keyset-ordered list: checks `maxItems` and the marker (before any lookup, as IAM
 * validates parameters first), asks `fetchRows` for up to `limit` rows whose key sorts after
 * `after`, and turns them into a page.
 *
 * @example
 * pageOf(options, (after, limit) => selectRoles(after, limit), (r) => r.name_key, toRole);
 */
export async function pageOf<Row, T>(
  options: ListOptions | undefined,
  fetchRows: (after: string | undefined, limit: number) => Promise<Row[]>,
  keyOf: (row: Row) => string,
  map: (row: Row) => T,
): Promise<Page<T>> {
  const maxItems = resolveMaxItems(options);
  const after = markerKey(options);
  const rows = await fetchRows(after, maxItems + 1);
  return toPage(rows, maxItems, keyOf, map);
}
