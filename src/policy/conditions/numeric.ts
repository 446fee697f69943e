/**
 * `Numeric*` operators. Policy values and context values are decimal numbers written as text
 * (AWS accepts integers and decimals, quoted or not). Text that is not a number never compares
 * true, so the positive operators do not match and the negated ones do.
 */
import type { ConditionOperatorName } from '../ast.js';
import type { ContextValue } from '../context.js';
import type { ValueMatcher } from './types.js';

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses a numeric condition value; `NaN` when the text is not a decimal number (hex, blank and
 * `Infinity` are not numbers to IAM).
 *
 * @example
 * parseNumericValue('2.0'); // 2
 */
export function parseNumericValue(text: string): number {
  return NUMBER.test(text) ? Number(text) : Number.NaN;
}

type Compare = (a: number, b: number) => boolean;

const COMPARE: Partial<Record<ConditionOperatorName, Compare>> = {
  NumericEquals: (a, b) => a === b,
  NumericNotEquals: (a, b) => a === b,
  NumericLessThan: (a, b) => a < b,
  NumericLessThanEquals: (a, b) => a <= b,
  NumericGreaterThan: (a, b) => a > b,
  NumericGreaterThanEquals: (a, b) => a >= b,
};

/** `(context value, policy values)` → true when the context value satisfies any policy value. */
export function numericMatcher(base: ConditionOperatorName, values: readonly string[]): ValueMatcher {
  const compare = COMPARE[base];
  if (compare === undefined) throw new Error(`not a numeric operator: ${base}`);
  const wanted = values.map(parseNumericValue);
  return (v: ContextValue) => {
    const n = v.asNumber();
    for (let i = 0; i < wanted.length; i++) if (compare(n, wanted[i] as number)) return true;
    return false;
  };
}
