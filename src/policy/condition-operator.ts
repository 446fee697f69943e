/**
 * Splits a condition operator as written (`ForAnyValue:StringLikeIfExists`) into set prefix,
 * base operator and the `IfExists` modifier.
 *
 * Operator names are matched case-sensitively, as AWS writes them: `stringequals` is an unknown
 * operator. An unknown operator is always an error, never ignored — ignoring one would drop a
 * condition and could turn a conditional Deny into no Deny at all.
 */
import { CONDITION_OPERATORS } from './ast.js';
import type { ConditionOperator, ConditionOperatorName, SetOperator } from './ast.js';
import { truncate } from './json-source.js';

const BASE_OPERATORS: ReadonlySet<string> = new Set(CONDITION_OPERATORS);
const SET_PREFIXES: readonly SetOperator[] = ['ForAllValues', 'ForAnyValue'];
const IF_EXISTS = 'IfExists';

export type OperatorParseResult =
  | { ok: true; operator: ConditionOperator }
  | {
      ok: false;
      issueCode: 'UNKNOWN_CONDITION_OPERATOR' | 'INVALID_SET_OPERATOR' | 'NULL_WITH_IF_EXISTS';
      message: string;
    };

/**
 * @example
 * parseConditionOperator('ForAllValues:StringEqualsIfExists')
 * // { ok: true, operator: { text, set: 'ForAllValues', base: 'StringEquals', ifExists: true } }
 */
export function parseConditionOperator(text: string): OperatorParseResult {
  let rest = text;
  let set: SetOperator | undefined;
  const colon = text.indexOf(':');
  if (colon >= 0) {
    const prefix = text.slice(0, colon);
    set = SET_PREFIXES.find((p) => p === prefix);
    if (set === undefined) {
      return {
        ok: false,
        issueCode: 'INVALID_SET_OPERATOR',
        message: `Condition operator "${truncate(text)}" has an invalid prefix "${truncate(prefix)}:"; only ForAllValues: and ForAnyValue: are allowed.`,
      };
    }
    rest = text.slice(colon + 1);
  }
  let ifExists = false;
  let base = rest;
  if (!BASE_OPERATORS.has(rest) && rest.endsWith(IF_EXISTS)) {
    ifExists = true;
    base = rest.slice(0, -IF_EXISTS.length);
  }
  if (!BASE_OPERATORS.has(base)) {
    return {
      ok: false,
      issueCode: 'UNKNOWN_CONDITION_OPERATOR',
      message: `Unknown condition operator "${truncate(text)}" (operator names are case-sensitive).`,
    };
  }
  if (ifExists && base === 'Null') {
    return {
      ok: false,
      issueCode: 'NULL_WITH_IF_EXISTS',
      message: `Condition operator "${text}": the Null operator cannot take the IfExists suffix.`,
    };
  }
  const operator: ConditionOperator = { text, base: base as ConditionOperatorName, ifExists };
  if (set !== undefined) operator.set = set;
  return { ok: true, operator };
}
