/**
 * IAM binds a user or role named as an AWS principal in a trust policy to that principal's unique
 * id: once the principal is deleted (or no longer carries that ARN), the policy names the unique id
 * instead, so a new principal created with the same name is not trusted (IAM User Guide, "IAM
 * identifiers" → "Unique identifiers"). The store applies this when it deletes or renames a user
 * or role; this module only rewrites the document text.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function rebind(value: Json, arn: string, uniqueId: string): { value: Json; changed: boolean } {
  if (value === arn) return { value: uniqueId, changed: true };
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      if (v !== arn) return v;
      changed = true;
      return uniqueId;
    });
    return { value: out, changed };
  }
  return { value, changed: false };
}

/**
 * The trust policy `text` with every AWS principal equal to `arn` replaced by `uniqueId`, or
 * `undefined` when the policy does not name `arn` (or is not a JSON policy).
 *
 * @example
 * unbindPrincipal(trust, 'arn:aws:iam::123456789012:user/bob', 'AIDAQ3EXAMPLE7Z9K2LMN');
 */
export function unbindPrincipal(text: string, arn: string, uniqueId: string): string | undefined {
  // A shortcut only where it is sound: JSON may spell any character of the ARN as an escape
  // (`user\/bob`, `\u0062ob`), which the policy engine reads as the same ARN, so text with a
  // backslash in it is always parsed and compared as values.
  if (!text.includes(arn) && !text.includes('\\')) return undefined;
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const statements = doc['Statement'];
  const list = Array.isArray(statements) ? statements : statements === undefined ? [] : [statements];
  let changed = false;
  for (const statement of list) {
    if (statement === null || typeof statement !== 'object' || Array.isArray(statement)) continue;
    for (const key of ['Principal', 'NotPrincipal']) {
      const principal = statement[key];
      if (principal === null || typeof principal !== 'object' || Array.isArray(principal)) continue;
      const aws = principal['AWS'];
      if (aws === undefined) continue;
      const next = rebind(aws, arn, uniqueId);
      if (next.changed) {
        principal['AWS'] = next.value;
        changed = true;
      }
    }
  }
  return changed ? JSON.stringify(doc) : undefined;
}
