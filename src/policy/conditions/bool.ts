/**
 * `Bool`: compares `true`/`false` case-insensitively. Policy variables are allowed (2023 guide).
 */
import type { ContextValue, RequestContext } from '../context.js';
import { resolveText, splitTemplated } from './string.js';
import type { ValueMatcher } from './types.js';

/** `(context value)` → true when it equals any policy value, ignoring case. */
export function boolMatcher(values: readonly string[], variables: boolean): ValueMatcher {
  const { plain, templated } = splitTemplated(values, variables);
  const wanted = plain.map((p) => p.toLowerCase());
  return (v: ContextValue, context: RequestContext) => {
    const s = v.lower;
    for (let i = 0; i < wanted.length; i++) if (wanted[i] === s) return true;
    for (const t of templated) if (resolveText(t, context)?.toLowerCase() === s) return true;
    return false;
  };
}
