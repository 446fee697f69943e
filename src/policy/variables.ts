/**
 * Policy variables inside strings: `${aws:username}`, `${aws:PrincipalTag/team, 'unassigned'}`
 * and the escapes `${*}`, `${?}`, `${$}`.
 *
 * Variables only exist in documents with `"Version": "2012-10-17"`. Under `2008-10-17`, or with no
 * Version, the same text is a literal string — that decision is the caller's: do not call
 * `parseVariableTemplate` for such documents (validate.ts reports VARIABLE_UNSUPPORTED_IN_VERSION).
 *
 * Which strings take variables is also the caller's concern: the resource part of
 * `Resource`/`NotResource` ARNs and String/ARN/Bool condition values (IAM User Guide, IAM policy elements:
 * Variables and tags).
 *
 * A resolved value (or an escape) is literal text: a `*` inside a tag value is not a wildcard.
 * `resolveTemplate` keeps that distinction so the matcher can escape those parts.
 */

/**
 * - `text`: characters as written; in pattern contexts (`*Like`, ARNs) `*` and `?` are wildcards.
 * - `escape`: `${*}`, `${?}` or `${$}` — the character, always literal.
 * - `variable`: a context key to substitute, with an optional default for when the key has no value.
 */
export type TemplateSegment =
  | { kind: 'text'; text: string }
  | { kind: 'escape'; char: '*' | '?' | '$' }
  | { kind: 'variable'; key: string; default?: string };

export type VariableProblemCode =
  'EMPTY_VARIABLE' | 'MISSING_BRACE_IN_VARIABLE' | 'MISSING_QUOTE_IN_VARIABLE';

/** A malformed `${...}`; its raw text is kept as a `text` segment. `offset` is where its `${` starts. */
export interface VariableProblem {
  code: VariableProblemCode;
  message: string;
  offset: number;
}

export interface VariableTemplate {
  segments: TemplateSegment[];
  problems: VariableProblem[];
}

/** A piece of a resolved template: `literal` text must be matched exactly, the rest as a pattern. */
export interface ResolvedPart {
  text: string;
  literal: boolean;
}

/**
 * True when `text` uses policy-variable syntax at all (contains `${`), well-formed or not. Cheap;
 * use it to skip template parsing for the common case.
 *
 * @example
 * hasVariables('arn:aws:s3:::bucket/${aws:username}/*'); // true
 */
export function hasVariables(text: string): boolean {
  return text.includes('${');
}

/**
 * Splits a string into text, escapes and variables. Never throws; malformed variables are
 * reported in `problems` and kept as text (so they can only ever match themselves literally).
 *
 * @example
 * parseVariableTemplate("home/${aws:PrincipalTag/team, 'unassigned'}/*").segments
 * // [ {kind:'text',text:'home/'}, {kind:'variable',key:'aws:PrincipalTag/team',default:'unassigned'},
 * //   {kind:'text',text:'/*'} ]
 */
export function parseVariableTemplate(text: string): VariableTemplate {
  const segments: TemplateSegment[] = [];
  const problems: VariableProblem[] = [];
  let textStart = 0;
  let i = text.indexOf('${');

  const flushText = (end: number): void => {
    if (end <= textStart) return;
    const last = segments[segments.length - 1];
    const piece = text.slice(textStart, end);
    if (last !== undefined && last.kind === 'text') last.text += piece;
    else segments.push({ kind: 'text', text: piece });
  };

  while (i >= 0) {
    const scanned = scanVariable(text, i);
    if (scanned.problem !== undefined) {
      problems.push({ ...scanned.problem, offset: i });
      // The raw text stays as text: the next scan starts after it.
      i = text.indexOf('${', scanned.end);
      continue;
    }
    flushText(i);
    segments.push(scanned.segment);
    textStart = scanned.end;
    i = text.indexOf('${', scanned.end);
  }
  flushText(text.length);
  return { segments, problems };
}

type Scan =
  | { segment: TemplateSegment; end: number; problem?: undefined }
  | { problem: { code: VariableProblemCode; message: string }; end: number };

/** Reads one `${...}` starting at `start`; `end` is the index just after it. */
function scanVariable(text: string, start: number): Scan {
  const bodyStart = start + 2;
  let j = bodyStart;
  while (j < text.length && text[j] !== '}' && text[j] !== ',') j++;
  if (j >= text.length) return missingBrace(text, start);
  const key = text.slice(bodyStart, j).trim();
  if (text[j] === '}') {
    if (key === '') {
      return {
        problem: { code: 'EMPTY_VARIABLE', message: 'Empty policy variable "${}".' },
        end: j + 1,
      };
    }
    if (key === '*' || key === '?' || key === '$') {
      return { segment: { kind: 'escape', char: key }, end: j + 1 };
    }
    return { segment: { kind: 'variable', key }, end: j + 1 };
  }
  // A default value: `, 'value'` (the space is customary, not required).
  if (key === '') {
    return {
      problem: { code: 'EMPTY_VARIABLE', message: 'Policy variable has a default value but no key.' },
      end: closingBrace(text, j),
    };
  }
  let q = j + 1;
  while (text[q] === ' ') q++;
  if (text[q] !== "'") {
    return {
      problem: {
        code: 'MISSING_QUOTE_IN_VARIABLE',
        message: `The default value of policy variable "${key}" must be in single quotes.`,
      },
      end: closingBrace(text, j),
    };
  }
  const close = text.indexOf("'", q + 1);
  if (close < 0) {
    return {
      problem: {
        code: 'MISSING_QUOTE_IN_VARIABLE',
        message: `The default value of policy variable "${key}" has no closing quote.`,
      },
      end: text.length,
    };
  }
  let b = close + 1;
  while (text[b] === ' ') b++;
  if (text[b] !== '}') return missingBrace(text, start);
  return { segment: { kind: 'variable', key, default: text.slice(q + 1, close) }, end: b + 1 };
}

function missingBrace(text: string, start: number): Scan {
  return {
    problem: {
      code: 'MISSING_BRACE_IN_VARIABLE',
      message: 'Policy variable is missing its closing brace "}".',
    },
    end: closingBrace(text, start + 2),
  };
}

function closingBrace(text: string, from: number): number {
  const brace = text.indexOf('}', from);
  return brace < 0 ? text.length : brace + 1;
}

/**
 * Substitutes variables. `lookup` returns the key's (single) value or `undefined` when the request
 * has none; then the default is used, and without a default the whole template has no value
 * (`undefined`): a Resource with it matches nothing, a condition value with it is "null".
 *
 * @example
 * resolveTemplate(parseVariableTemplate('a/${aws:username}/*').segments, () => 'b*')
 * // [ {text:'a/',literal:false}, {text:'b*',literal:true}, {text:'/*',literal:false} ]
 */
export function resolveTemplate(
  segments: readonly TemplateSegment[],
  lookup: (key: string) => string | undefined,
): ResolvedPart[] | undefined {
  const parts: ResolvedPart[] = [];
  for (const segment of segments) {
    switch (segment.kind) {
      case 'text':
        parts.push({ text: segment.text, literal: false });
        break;
      case 'escape':
        parts.push({ text: segment.char, literal: true });
        break;
      case 'variable': {
        const value = lookup(segment.key) ?? segment.default;
        if (value === undefined) return undefined;
        parts.push({ text: value, literal: true });
        break;
      }
    }
  }
  return parts;
}
