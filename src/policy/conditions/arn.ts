/**
 * `Arn*` operators. `ArnEquals` and `ArnLike` are the same test (AWS documents both as
 * wildcard-capable); each of the six colon-separated segments is matched on its own, so unlike
 * `StringLike` a `*` never eats a `:` before the resource part (IAM User
 * Guide, IAM JSON policy elements: Condition operators, ARN condition operators).
 */
import type { ConditionOperatorName } from '../ast.js';
import type { ContextValue, RequestContext } from '../context.js';
import { compileArnPattern } from '../match.js';
import type { ArnMatcher } from '../match.js';
import type { ValueMatcher } from './types.js';

const ARN_OPERATORS: ReadonlySet<ConditionOperatorName> = new Set([
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
]);

/** `(context value)` → true when the ARN matches any policy pattern. */
export function arnMatcher(
  base: ConditionOperatorName,
  values: readonly string[],
  variables: boolean,
): ValueMatcher {
  if (!ARN_OPERATORS.has(base)) throw new Error(`not an ARN operator: ${base}`);
  const patterns = values.map((v) => compileArnPattern(v, variables));
  return (v: ContextValue, context: RequestContext) => {
    const arn = v.asArn();
    if (!arn.isArn) return false;
    for (let i = 0; i < patterns.length; i++) if ((patterns[i] as ArnMatcher)(arn, context)) return true;
    return false;
  };
}
