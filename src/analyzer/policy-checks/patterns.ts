/**
 * Wildcard patterns as the policy checks compare them: two patterns can match a common string
 * (`overlaps`), or every string one matches the other matches too (`covers`).
 *
 * Policy patterns use `*` (any run of characters) and `?` (one character); policy variables
 * (`${aws:username}`) and values a template leaves unresolved stand for "any text". The catalogue's
 * ARN templates (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`) use `${Name}` placeholders:
 * a placeholder inside an ARN holds no `:`, and may hold `/` (log group names, IAM paths and
 * parameter names do: `log-group:/aws/lambda/x:log-stream:s`); the last one may be anything (object
 * keys). Only a last placeholder that another template of the service continues with `/` (the
 * bucket of `bucket/object`) holds no `/` either. That is what tells `bucket/*` from `bucket`.
 */

/** Characters a template substitutes for values it cannot know (see `template-policies.ts`). */
export const UNRESOLVED = '\uE000';

type Token =
  | { kind: 'char'; char: string }
  | { kind: 'one' }
  | { kind: 'any' }
  /** Any run of characters other than `:` and, when `noSlash`, `/`. */
  | { kind: 'segment'; noSlash: boolean };

/** Tokens of a policy pattern (`*`, `?`, `${variable}` and unresolved text are wildcards). */
export function policyPatternTokens(pattern: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '$' && pattern.charAt(i + 1) === '{') {
      const close = pattern.indexOf('}', i + 2);
      if (close > 0) {
        pushAny(tokens);
        i = close;
        continue;
      }
    }
    if (c === '*' || c === UNRESOLVED) pushAny(tokens);
    else if (c === '?') tokens.push({ kind: 'one' });
    else tokens.push({ kind: 'char', char: c.toLowerCase() });
  }
  return tokens;
}

/**
 * Tokens of a catalogue ARN template; `${Name}` placeholders become segment wildcards, the last one
 * "anything" unless `siblings` holds a template that continues this one with `/` (the bucket of
 * `bucket/object`: a bucket name has no `/`).
 */
export function arnTemplateTokens(template: string, siblings: readonly string[] = []): Token[] {
  const nested = siblings.some((s) => s.length > template.length && s.startsWith(`${template}/`));
  const tokens: Token[] = [];
  for (let i = 0; i < template.length; i++) {
    const c = template.charAt(i);
    if (c === '$' && template.charAt(i + 1) === '{') {
      const close = template.indexOf('}', i + 2);
      if (close > 0) {
        const last = close === template.length - 1;
        tokens.push(last && !nested ? { kind: 'any' } : { kind: 'segment', noSlash: last });
        i = close;
        continue;
      }
    }
    tokens.push({ kind: 'char', char: c.toLowerCase() });
  }
  return tokens;
}

function pushAny(tokens: Token[]): void {
  if (tokens.at(-1)?.kind !== 'any') tokens.push({ kind: 'any' });
}

function isLoop(token: Token): boolean {
  return token.kind === 'any' || token.kind === 'segment';
}

/** Can one character be produced by both tokens? */
function sharesCharacter(a: Token, b: Token): boolean {
  if (a.kind === 'char' && b.kind === 'char') return a.char === b.char;
  if (a.kind === 'char') return b.kind !== 'segment' || segmentHolds(b, a.char);
  if (b.kind === 'char') return a.kind !== 'segment' || segmentHolds(a, b.char);
  return true;
}

function segmentHolds(segment: { noSlash: boolean }, c: string): boolean {
  return c !== ':' && !(segment.noSlash && c === '/');
}

/**
 * True when some string matches both token lists: a breadth-first walk over pairs of positions
 * (the product of the two automata), linear in the product of the lengths.
 *
 * @example
 * overlaps(policyPatternTokens('arn:aws:s3:::b/*'), arnTemplateTokens('arn:${Partition}:s3:::${BucketName}')); // false
 */
export function overlaps(a: Token[], b: Token[]): boolean {
  const seen = new Set<number>();
  const width = b.length + 1;
  const stack: [number, number][] = [[0, 0]];
  while (stack.length > 0) {
    const [i, j] = stack.pop() as [number, number];
    const key = i * width + j;
    if (seen.has(key)) continue;
    seen.add(key);
    if (i === a.length && j === b.length) return true;
    const ta = a[i];
    const tb = b[j];
    // A loop token may match nothing.
    if (ta !== undefined && isLoop(ta)) stack.push([i + 1, j]);
    if (tb !== undefined && isLoop(tb)) stack.push([i, j + 1]);
    if (ta !== undefined && tb !== undefined && sharesCharacter(ta, tb)) {
      stack.push([isLoop(ta) ? i : i + 1, isLoop(tb) ? j : j + 1]);
    }
  }
  return false;
}

/**
 * True when every string `inner` matches, `outer` matches too. Sufficient, not complete: `inner`
 * is read as text whose wildcards must be met by wildcards of `outer` (`*` by `*`, `?` by `?` or
 * `*`). Good enough to find `s3:GetObject` under `s3:Get*` and `bucket/a/*` under `bucket/*`.
 *
 * @example
 * covers('arn:aws:s3:::b/*', 'arn:aws:s3:::b/logs/*'); // true
 */
export function covers(outer: string, inner: string): boolean {
  const o = policyPatternTokens(outer);
  const n = policyPatternTokens(inner);
  // below[j] holds whether o[i + 1..] covers n[j..], row[j] whether o[i..] does; rows are filled
  // from the end so no recursion (patterns may be thousands of characters long).
  let below = new Uint8Array(n.length + 1);
  let row = new Uint8Array(n.length + 1);
  below[n.length] = 1;
  for (let i = o.length - 1; i >= 0; i--) {
    const to = o[i] as Token;
    for (let j = n.length; j >= 0; j--) {
      const tn = n[j];
      let result: boolean;
      if (to.kind === 'any') result = below[j] === 1 || (tn !== undefined && row[j + 1] === 1);
      else if (tn === undefined) result = false;
      else if (to.kind === 'one') result = tn.kind !== 'any' && below[j + 1] === 1;
      else if (to.kind === 'char') result = tn.kind === 'char' && tn.char === to.char && below[j + 1] === 1;
      else result = false;
      row[j] = result ? 1 : 0;
    }
    [below, row] = [row, below];
  }
  return below[0] === 1;
}

/** True when the value has a part a template could not resolve. */
export function isUnresolved(value: string): boolean {
  return value.includes(UNRESOLVED);
}

/** The value as shown in messages: unresolved parts read `{?}`. */
export function shown(value: string): string {
  const text = value.replace(/\uE000+/g, '{?}');
  return text.length <= 100 ? text : `${text.slice(0, 100)}...`;
}
