/** Tag merging shared by roles, policies, instance profiles and OIDC providers. */
import { LimitExceededError } from '../../iam/errors.js';
import { IAM_QUOTAS } from '../../iam/quotas.js';
import type { Tag } from '../../iam/types.js';

/**
 * Adds or replaces tags by key. Roles compare keys without case (IAM: "you can't have separate
 * Department and department tag keys"), keeping the newest spelling; other resources compare
 * keys exactly. Past the quota, `LimitExceeded`.
 */
export function mergeTags(current: Tag[], added: Tag[], caseInsensitiveKeys: boolean): Tag[] {
  const norm = (k: string) => (caseInsensitiveKeys ? k.toLowerCase() : k);
  const result = [...current];
  for (const tag of added) {
    const i = result.findIndex((t) => norm(t.key) === norm(tag.key));
    if (i >= 0) result[i] = { key: tag.key, value: tag.value };
    else result.push({ key: tag.key, value: tag.value });
  }
  if (result.length > IAM_QUOTAS.tagsPerResource) {
    throw new LimitExceededError('The number of tags has reached the maximum limit.');
  }
  return result;
}
