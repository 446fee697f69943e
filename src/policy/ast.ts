/**
 * The typed AST of an IAM policy document.
 *
 * Produced by `parse.ts`, checked by `validate.ts`, turned into closures by `compile.ts`. Every
 * element keeps where it came from (JSON path and line/column) so that errors, validation findings
 * and decision explanations can point at the exact place in the user's document.
 */

/** A position in the source text. `line` and `column` are 1-based; `offset` is a 0-based UTF-16 index. */
export interface SourcePosition {
  line: number;
  column: number;
  offset: number;
}

/**
 * Where an element sits: a JSON path in the form Access Analyzer uses in text
 * (`Statement[0].Condition.StringEquals.aws:username[1]`) and its span in the source. When the
 * document was given as an object rather than text, `start`/`end` are absent.
 */
export interface SourceLocation {
  path: string;
  start?: SourcePosition;
  end?: SourcePosition;
}

export interface Located<T> {
  value: T;
  loc: SourceLocation;
}

export type PolicyVersion = '2012-10-17' | '2008-10-17';
export type Effect = 'Allow' | 'Deny';
export type PrincipalType = 'AWS' | 'Service' | 'Federated' | 'CanonicalUser';

/** The kinds of policy AWS distinguishes; grammar rules differ per kind (see validate.ts). */
export type PolicyType = 'identity' | 'resource' | 'trust' | 'boundary' | 'session' | 'scp' | 'rcp';

export interface PolicyDocument {
  /** Absent when the document has no `Version`: then, as for 2008-10-17, no policy variables. */
  version?: Located<PolicyVersion>;
  id?: Located<string>;
  statements: Statement[];
  loc: SourceLocation;
  /** Characters outside JSON whitespace, which is what AWS's size quotas count. */
  size: number;
}

/** `Principal` or `NotPrincipal`. `"*"` and `{"AWS":"*"}` both set `wildcard`. */
export interface PrincipalBlock {
  negated: boolean;
  /** `"Principal": "*"` (the bare string form). */
  wildcard: boolean;
  entries: PrincipalEntry[];
  loc: SourceLocation;
}

export interface PrincipalEntry {
  type: PrincipalType;
  values: Located<string>[];
  loc: SourceLocation;
}

/** `Action`/`NotAction` or `Resource`/`NotResource`, normalised to a list. */
export interface PatternList {
  negated: boolean;
  values: Located<string>[];
  loc: SourceLocation;
}

export interface Statement {
  /** Position in the (normalised) `Statement` array. */
  index: number;
  sid?: Located<string>;
  effect: Located<Effect>;
  principal?: PrincipalBlock;
  action?: PatternList;
  resource?: PatternList;
  /** One entry per (operator, key) pair, in document order. Entries are ANDed. */
  conditions: ConditionEntry[];
  loc: SourceLocation;
}

export type SetOperator = 'ForAllValues' | 'ForAnyValue';

export const CONDITION_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Null',
] as const;

export type ConditionOperatorName = (typeof CONDITION_OPERATORS)[number];

/** An operator as written, e.g. `ForAnyValue:StringLikeIfExists`, split into its parts. */
export interface ConditionOperator {
  /** Exactly as written in the document. */
  text: string;
  set?: SetOperator;
  base: ConditionOperatorName;
  ifExists: boolean;
}

export interface ConditionEntry {
  operator: ConditionOperator;
  operatorLoc: SourceLocation;
  /** The key as written; keys compare case-insensitively. */
  key: Located<string>;
  /** Policy values coerced to strings (AWS accepts JSON numbers and booleans). OR-ed (NOR if negated). */
  values: Located<string>[];
  loc: SourceLocation;
}
