/**
 * Containment of `Resource` patterns, for policy generation: may a narrowed resource pattern (a
 * folded S3 prefix, a dependent action's ARN template, `*`) stand in for the resource element of
 * the statement that granted the access? Only when every ARN the narrow pattern matches, the wide
 * one matches too. The answer is `false` whenever that cannot be shown (the caller then keeps the
 * exact ARNs, or the old statement's own resource element), so a `true` is always safe.
 *
 * Matching follows the policy engine (`compileArnPattern` in src/policy/match.ts): segment by
 * segment, `*` in the partition/service/region/account segments does not cross `:`, those
 * segments compare case-insensitively and the resource part case-sensitively.
 */

/** True when the text is a pattern (`*` or `?` somewhere), not one resource. */
export function hasWildcard(text: string): boolean {
  return text.includes('*') || text.includes('?');
}

/**
 * Whether `outer` matches every resource `inner` matches. Both are `Resource` entries; either one
 * holding a policy variable (`${...}`) is never shown to cover (its value depends on the request).
 *
 * @example
 * resourcePatternCovers('arn:aws:s3:::docs/*', 'arn:aws:s3:::docs/in/*'); // true
 * resourcePatternCovers('arn:aws:s3:::docs/in/a*', 'arn:aws:s3:::docs/in/*'); // false
 */
export function resourcePatternCovers(outer: string, inner: string): boolean {
  if (outer.includes('${') || inner.includes('${')) return false;
  if (outer === '*') return true;
  if (inner === '*') return false;
  const o = arnSegments(outer);
  const i = arnSegments(inner);
  if (o === null || i === null) return false;
  for (let n = 0; n < 5; n++) {
    if (!globCovers(o[n]!.toLowerCase(), i[n]!.toLowerCase())) return false;
  }
  return globCovers(o[5]!, i[5]!);
}

/** `arn`, partition, service, region, account, and the rest (which may hold `:`); null for non-ARNs. */
function arnSegments(text: string): string[] | null {
  const parts = text.split(':');
  if (parts.length < 6 || parts[0]!.toLowerCase() !== 'arn') return null;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/**
 * Whether glob `p` matches every string glob `q` matches: `q`'s text must match `p` where `p`'s
 * `*` may absorb anything of `q` (wildcards included), `p`'s `?` one character of `q` that is not
 * a `*`, and `p`'s literal characters only the same literal characters of `q`. Sufficient (every
 * expansion of `q` is then matched by the same alignment), not necessary — a `false` may be
 * over-cautious, never wrong in the other direction.
 */
export function globCovers(p: string, q: string): boolean {
  const width = q.length + 1;
  // memo[i * width + j]: 0 unknown, 1 yes, 2 no
  const memo = new Uint8Array((p.length + 1) * width);
  const match = (i: number, j: number): boolean => {
    const slot = i * width + j;
    if (memo[slot] !== 0) return memo[slot] === 1;
    let ok: boolean;
    if (i === p.length) ok = j === q.length;
    else if (p[i] === '*') ok = match(i + 1, j) || (j < q.length && match(i, j + 1));
    else if (j === q.length) ok = false;
    else if (p[i] === '?') ok = q[j] !== '*' && match(i + 1, j + 1);
    else ok = q[j] !== '*' && q[j] !== '?' && p[i] === q[j] && match(i + 1, j + 1);
    memo[slot] = ok ? 1 : 2;
    return ok;
  };
  return match(0, 0);
}
