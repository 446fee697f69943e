/**
 * `String*` operators. `Equals` compares exactly, `EqualsIgnoreCase` after lower-casing both
 * sides, `Like` as a case-sensitive glob (`*`, `?`). Policy variables (Version 2012-10-17) resolve
 * from the request; a resolved value is literal text, and a variable without a value (and without
 * a default) makes that policy value match nothing — so the negated operators then hold.
 */
import type { ConditionOperatorName } from '../ast.js';
import type { ContextValue, RequestContext } from '../context.js';
import { compileGlobText, compileTemplate } from '../match.js';
import type { TemplateMatcher } from '../match.js';
import { parseVariableTemplate, resolveTemplate } from '../variables.js';
import type { TemplateSegment } from '../variables.js';
import type { ValueMatcher } from './types.js';

type Mode = 'exact' | 'ignoreCase' | 'like';

const MODES: Partial<Record<ConditionOperatorName, Mode>> = {
  StringEquals: 'exact',
  StringNotEquals: 'exact',
  StringEqualsIgnoreCase: 'ignoreCase',
  StringNotEqualsIgnoreCase: 'ignoreCase',
  StringLike: 'like',
  StringNotLike: 'like',
};

/** Resolves a template to plain text (escapes and variable values joined); undefined = no value. */
export function resolveText(
  segments: readonly TemplateSegment[],
  context: RequestContext,
): string | undefined {
  const parts = resolveTemplate(segments, (key) => context.variable(key));
  if (parts === undefined) return undefined;
  let text = '';
  for (const p of parts) text += p.text;
  return text;
}

/** Splits policy values into plain ones and ones with variables (only when variables are enabled). */
export function splitTemplated(
  values: readonly string[],
  variables: boolean,
): { plain: string[]; templated: TemplateSegment[][] } {
  const plain: string[] = [];
  const templated: TemplateSegment[][] = [];
  for (const v of values) {
    if (variables && v.includes('${')) templated.push(parseVariableTemplate(v).segments);
    else plain.push(v);
  }
  return { plain, templated };
}

/** `(context value)` → true when it satisfies any policy value of the String operator `base`. */
export function stringMatcher(
  base: ConditionOperatorName,
  values: readonly string[],
  variables: boolean,
): ValueMatcher {
  const mode = MODES[base];
  if (mode === undefined) throw new Error(`not a string operator: ${base}`);
  const { plain, templated } = splitTemplated(values, variables);

  if (mode === 'like') {
    const globs = plain.map((p) => compileGlobText(p));
    const dynamic = templated.map((t) => compileTemplate(t, false));
    return (v: ContextValue, context: RequestContext) => {
      const s = v.text;
      for (let i = 0; i < globs.length; i++) if ((globs[i] as (s: string) => boolean)(s)) return true;
      for (let i = 0; i < dynamic.length; i++) if ((dynamic[i] as TemplateMatcher)(s, context)) return true;
      return false;
    };
  }

  const ignoreCase = mode === 'ignoreCase';
  const wanted = ignoreCase ? plain.map((p) => p.toLowerCase()) : plain;
  const set = wanted.length > 6 ? new Set(wanted) : null;
  return (v: ContextValue, context: RequestContext) => {
    const s = ignoreCase ? v.lower : v.text;
    if (set !== null) {
      if (set.has(s)) return true;
    } else {
      for (let i = 0; i < wanted.length; i++) if (wanted[i] === s) return true;
    }
    for (const t of templated) {
      const resolved = resolveText(t, context);
      if (resolved !== undefined && (ignoreCase ? resolved.toLowerCase() : resolved) === s) return true;
    }
    return false;
  };
}
