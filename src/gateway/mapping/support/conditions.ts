/**
 * Request condition keys that several services share: the tags a request sets
 * (`aws:RequestTag/<key>` and `aws:TagKeys`) and the tag keys it removes.
 */
import type { ContextInput } from '../../../policy/index.js';
import type { Tag } from './json-body.js';

/**
 * `aws:RequestTag/<key>` for every tag and `aws:TagKeys` for their keys; nothing when no tags are set
 * (the keys are then absent from the request, as on AWS).
 *
 * @example
 * requestTagContext([{ key: 'team', value: 'pay' }]);
 * // { 'aws:RequestTag/team': 'pay', 'aws:TagKeys': ['team'] }
 */
export function requestTagContext(tags: readonly Tag[]): Record<string, ContextInput> {
  const context: Record<string, ContextInput> = {};
  if (tags.length === 0) return context;
  for (const tag of tags) context[`aws:RequestTag/${tag.key}`] = tag.value;
  context['aws:TagKeys'] = tags.map((tag) => tag.key);
  return context;
}

/** `aws:TagKeys` for a request that removes tags. */
export function tagKeysContext(keys: readonly string[]): Record<string, ContextInput> {
  return keys.length === 0 ? {} : { 'aws:TagKeys': [...keys] };
}
