/**
 * Compiles one condition entry (operator + key + values) into a test over the request context,
 * applying the rules that are the same for every operator family (IAM User Guide, Condition
 * operators; Multivalued context keys):
 *
 * - several policy values: OR for positive operators, NOR for negated ones ("equals none");
 * - key absent: positive → false, negated → true, `…IfExists` → true;
 * - `ForAllValues:` true when every request value satisfies the per-value test, and also when the
 *   key is absent or its set is empty; `ForAnyValue:` true when some value does, false when absent
 *   or empty (`…IfExists`: true when absent);
 * - a set operator on a single-valued key treats it as a one-element set;
 * - `Null`: `"true"` = key absent (or an empty set), `"false"` = present.
 *
 * Decision on a point the IAM User Guide leaves open (Single-valued vs. multivalued context keys): a plain
 * (non-set) operator meeting a multivalued key (a key given as an array) does not match — the whole condition
 * is false, for positive and negated operators alike. This is what iam-simulate does (citing AWS's re:Inforce
 * 2025 IAM431).
 */
import type { ConditionEntry, ConditionOperatorName } from '../ast.js';
import type { ContextValue } from '../context.js';
import { arnMatcher } from './arn.js';
import { binaryMatcher } from './binary.js';
import { boolMatcher } from './bool.js';
import { dateMatcher } from './date.js';
import { ipMatcher } from './ip.js';
import { numericMatcher } from './numeric.js';
import { stringMatcher } from './string.js';
import type { ConditionTest, ValueMatcher } from './types.js';

export type { ConditionTest, ValueMatcher } from './types.js';
export { parseNumericValue } from './numeric.js';
export { parseDateValue } from './date.js';
export { parseIpAddress, parseCidr, cidrContains } from './ip.js';
export type { CidrBlock, IpAddressValue } from './ip.js';
export { decodeBase64Value } from './binary.js';

const NEGATED: ReadonlySet<ConditionOperatorName> = new Set([
  'StringNotEquals',
  'StringNotEqualsIgnoreCase',
  'StringNotLike',
  'NumericNotEquals',
  'DateNotEquals',
  'NotIpAddress',
  'ArnNotEquals',
  'ArnNotLike',
]);

/** True for the operators whose values combine as NOR and that hold when the key is absent. */
export function isNegatedOperator(base: ConditionOperatorName): boolean {
  return NEGATED.has(base);
}

function valueMatcher(
  base: ConditionOperatorName,
  values: readonly string[],
  variables: boolean,
): ValueMatcher {
  switch (base) {
    case 'StringEquals':
    case 'StringNotEquals':
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
    case 'StringLike':
    case 'StringNotLike':
      return stringMatcher(base, values, variables);
    case 'NumericEquals':
    case 'NumericNotEquals':
    case 'NumericLessThan':
    case 'NumericLessThanEquals':
    case 'NumericGreaterThan':
    case 'NumericGreaterThanEquals':
      return numericMatcher(base, values);
    case 'DateEquals':
    case 'DateNotEquals':
    case 'DateLessThan':
    case 'DateLessThanEquals':
    case 'DateGreaterThan':
    case 'DateGreaterThanEquals':
      return dateMatcher(base, values);
    case 'Bool':
      return boolMatcher(values, variables);
    case 'BinaryEquals':
      return binaryMatcher(values);
    case 'IpAddress':
    case 'NotIpAddress':
      return ipMatcher(values);
    case 'ArnEquals':
    case 'ArnLike':
    case 'ArnNotEquals':
    case 'ArnNotLike':
      return arnMatcher(base, values, variables);
    case 'Null':
      throw new Error('Null is not a value comparison');
  }
}

export interface CompileConditionOptions {
  /** Policy variables are resolved (only for `"Version": "2012-10-17"`). */
  variables: boolean;
}

/**
 * Compiles one condition entry.
 *
 * @example
 * const test = compileCondition(statement.conditions[0], { variables: true });
 * test(createRequestContext({ 'aws:SourceIp': '10.1.2.3' })); // true for IpAddress 10.0.0.0/8
 */
export function compileCondition(entry: ConditionEntry, options: CompileConditionOptions): ConditionTest {
  const { base, set, ifExists } = entry.operator;
  const key = entry.key.value.toLowerCase();
  const values = entry.values.map((v) => v.value);

  if (base === 'Null') {
    const wantAbsent = values.map((v) => v.toLowerCase()).filter((v) => v === 'true' || v === 'false');
    const acceptAbsent = wantAbsent.includes('true');
    const acceptPresent = wantAbsent.includes('false');
    return (context) => {
      const e = context.getLower(key);
      const absent = e === undefined || e.values.length === 0;
      return absent ? acceptAbsent : acceptPresent;
    };
  }

  const anyMatch = valueMatcher(base, values, options.variables);
  const negated = NEGATED.has(base);

  if (set === 'ForAllValues') {
    return (context) => {
      const e = context.getLower(key);
      if (e === undefined) return true;
      const vs = e.values;
      for (let i = 0; i < vs.length; i++) {
        const hit = anyMatch(vs[i] as ContextValue, context);
        if (hit === negated) return false;
      }
      return true;
    };
  }
  if (set === 'ForAnyValue') {
    return (context) => {
      const e = context.getLower(key);
      if (e === undefined || e.values.length === 0) return ifExists;
      const vs = e.values;
      for (let i = 0; i < vs.length; i++) {
        const hit = anyMatch(vs[i] as ContextValue, context);
        if (hit !== negated) return true;
      }
      return false;
    };
  }
  const whenAbsent = ifExists || negated;
  return (context) => {
    const e = context.getLower(key);
    if (e === undefined) return whenAbsent;
    if (e.multi) return false;
    const v = e.values[0];
    if (v === undefined) return whenAbsent;
    return anyMatch(v, context) !== negated;
  };
}
