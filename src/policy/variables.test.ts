import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasVariables, parseVariableTemplate, resolveTemplate } from './variables.js';

describe('parseVariableTemplate', () => {
  it('plain text is one text segment; empty text has none', () => {
    expect(parseVariableTemplate('arn:aws:s3:::bucket/*')).toEqual({
      segments: [{ kind: 'text', text: 'arn:aws:s3:::bucket/*' }],
      problems: [],
    });
    expect(parseVariableTemplate('').segments).toEqual([]);
  });

  it('splits variables out of text', () => {
    expect(parseVariableTemplate('arn:aws:s3:::b/${aws:username}/*').segments).toEqual([
      { kind: 'text', text: 'arn:aws:s3:::b/' },
      { kind: 'variable', key: 'aws:username' },
      { kind: 'text', text: '/*' },
    ]);
    expect(parseVariableTemplate('${aws:PrincipalTag/team}${aws:userid}').segments).toEqual([
      { kind: 'variable', key: 'aws:PrincipalTag/team' },
      { kind: 'variable', key: 'aws:userid' },
    ]);
  });

  it('reads the escapes ${*} ${?} ${$} as literal characters', () => {
    expect(parseVariableTemplate('a${*}b${?}c${$}').segments).toEqual([
      { kind: 'text', text: 'a' },
      { kind: 'escape', char: '*' },
      { kind: 'text', text: 'b' },
      { kind: 'escape', char: '?' },
      { kind: 'text', text: 'c' },
      { kind: 'escape', char: '$' },
    ]);
  });

  it('reads default values in single quotes, with or without the customary space', () => {
    expect(parseVariableTemplate("x/${aws:PrincipalTag/team, 'unassigned'}/*").segments).toEqual([
      { kind: 'text', text: 'x/' },
      { kind: 'variable', key: 'aws:PrincipalTag/team', default: 'unassigned' },
      { kind: 'text', text: '/*' },
    ]);
    expect(parseVariableTemplate("${aws:username,'a b, }c'}").segments).toEqual([
      { kind: 'variable', key: 'aws:username', default: 'a b, }c' },
    ]);
    expect(parseVariableTemplate("${k, ''}").segments).toEqual([{ kind: 'variable', key: 'k', default: '' }]);
  });

  it('a lone $ or { is text', () => {
    expect(parseVariableTemplate('price $5 {x} $').segments).toEqual([
      { kind: 'text', text: 'price $5 {x} $' },
    ]);
  });

  it.each([
    ['${}', 'EMPTY_VARIABLE', 0],
    ['a${ }b', 'EMPTY_VARIABLE', 1],
    ["${, 'x'}", 'EMPTY_VARIABLE', 0],
    ['arn:${aws:username', 'MISSING_BRACE_IN_VARIABLE', 4],
    ["${k, 'v' x}", 'MISSING_BRACE_IN_VARIABLE', 0],
    ["${k, 'v'", 'MISSING_BRACE_IN_VARIABLE', 0],
    ['${k, v}', 'MISSING_QUOTE_IN_VARIABLE', 0],
    ['${k, "v"}', 'MISSING_QUOTE_IN_VARIABLE', 0],
    ["${k, 'v}", 'MISSING_QUOTE_IN_VARIABLE', 0],
  ])('reports %s as %s and keeps it as text', (text, code, offset) => {
    const template = parseVariableTemplate(text);
    expect(template.problems).toHaveLength(1);
    expect(template.problems[0]).toMatchObject({ code, offset });
    expect(template.segments.every((s) => s.kind === 'text')).toBe(true);
    expect(template.segments.map((s) => (s.kind === 'text' ? s.text : '')).join('')).toBe(text);
  });

  it('keeps parsing after a malformed variable', () => {
    const template = parseVariableTemplate('${}/${aws:username}');
    expect(template.problems.map((p) => p.code)).toEqual(['EMPTY_VARIABLE']);
    expect(template.segments).toEqual([
      { kind: 'text', text: '${}/' },
      { kind: 'variable', key: 'aws:username' },
    ]);
  });

  it('property: never throws; problems sit at a `${`; text without `${` stays one text segment', () => {
    const piece = fc.constantFrom('${', '}', ',', "'", ' ', '*', '$', 'a', 'aws:username', '${*}');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const text = pieces.join('');
        const template = parseVariableTemplate(text);
        for (const problem of template.problems) expect(text.startsWith('${', problem.offset)).toBe(true);
        if (!hasVariables(text)) {
          expect(template.problems).toEqual([]);
          expect(template.segments).toEqual(text === '' ? [] : [{ kind: 'text', text }]);
        }
        for (const segment of template.segments) {
          if (segment.kind === 'variable') expect(segment.key).not.toBe('');
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('hasVariables', () => {
  it('is true exactly when ${ appears', () => {
    expect(hasVariables('a/${aws:username}')).toBe(true);
    expect(hasVariables('a/${')).toBe(true);
    expect(hasVariables('a/$ {x}')).toBe(false);
  });
});

describe('resolveTemplate', () => {
  const lookup = (values: Record<string, string>) => (key: string) => values[key];

  it('marks resolved values and escapes literal, written text as pattern', () => {
    const t = parseVariableTemplate('home/${aws:username}/${*}*');
    expect(resolveTemplate(t.segments, lookup({ 'aws:username': 'a*b' }))).toEqual([
      { text: 'home/', literal: false },
      { text: 'a*b', literal: true },
      { text: '/', literal: false },
      { text: '*', literal: true },
      { text: '*', literal: false },
    ]);
  });

  it('uses the default when the key has no value, and has no value without a default', () => {
    const t = parseVariableTemplate("${aws:PrincipalTag/team, 'none'}");
    expect(resolveTemplate(t.segments, lookup({}))).toEqual([{ text: 'none', literal: true }]);
    expect(resolveTemplate(parseVariableTemplate('x${aws:username}').segments, lookup({}))).toBeUndefined();
  });
});
