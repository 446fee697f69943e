/**
 * Role tag operations: TagRole, UntagRole, ListRoleTags. Role tag keys compare without case.
 */
import { NAME_LIMITS, PATTERNS, assertTagKeyNotReserved } from '../iam/names.js';
import type { IamOperation } from './operation.js';
import { IamParams, checkText } from './params.js';
import { authorizeOnRole, requestTagContext } from './resources.js';
import { pageXml } from './serialize.js';

export const TAG_KEY = {
  min: 1,
  max: NAME_LIMITS.tagKey,
  re: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u,
  pattern: PATTERNS.tagKey,
};

/**
 * `TagKeys.member.N` of an untag operation: required, each a tag key, at most 50 of them. The
 * caller refuses reserved keys after `done()` (`assertTagKeyNotReserved`), as IAM reports
 * `InvalidInput` after any `ValidationError`.
 */
export function readTagKeys(input: IamParams): string[] {
  const keys = input.list('TagKeys', 'tagKeys', (value, field) => checkText(value, field, TAG_KEY));
  input.requireSent('TagKeys', 'tagKeys');
  if (keys.length > NAME_LIMITS.tags) {
    input.violation({
      field: 'tagKeys',
      value: `${keys.length} keys`,
      constraint: `have length less than or equal to ${NAME_LIMITS.tags}`,
    });
  }
  return keys;
}

const tagRole: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const roleName = input.roleName();
  input.requireSent('Tags', 'tags');
  const tags = input.tags('Tags', true);
  input.done();
  await authorizeOnRole(ctx, 'iam:TagRole', roleName, requestTagContext(tags));
  await ctx.store.tagRole(ctx.accountId, roleName, tags);
  return undefined;
};

const untagRole: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const roleName = input.roleName();
  const keys = readTagKeys(input);
  input.done();
  keys.forEach(assertTagKeyNotReserved);
  await authorizeOnRole(ctx, 'iam:UntagRole', roleName, { 'aws:TagKeys': keys });
  await ctx.store.untagRole(ctx.accountId, roleName, keys);
  return undefined;
};

const listRoleTags: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const roleName = input.roleName();
  const paging = input.paging();
  input.done();
  await authorizeOnRole(ctx, 'iam:ListRoleTags', roleName);
  const page = await ctx.store.listRoleTags(ctx.accountId, roleName, paging);
  return pageXml('Tags', page, (t) => ({ Key: t.key, Value: t.value }));
};

export const tagOperations: Record<string, IamOperation> = {
  TagRole: tagRole,
  UntagRole: untagRole,
  ListRoleTags: listRoleTags,
};
