import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedPolicyDocumentError } from './errors.js';
import { jsonNodeFromValue, readJsonSource } from './json-source.js';
import type { JsonNode } from './json-source.js';

/** Back to plain data, to compare with JSON.parse. */
function toValue(node: JsonNode): unknown {
  switch (node.kind) {
    case 'object':
      return Object.fromEntries(node.members.map((m) => [m.key, toValue(m.value)]));
    case 'array':
      return node.items.map(toValue);
    case 'string':
      return node.value;
    case 'number':
      return Number(node.text);
    case 'boolean':
      return node.value;
    case 'null':
      return null;
  }
}

function readError(text: string): MalformedPolicyDocumentError {
  try {
    readJsonSource(text);
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedPolicyDocumentError);
    return error as MalformedPolicyDocumentError;
  }
  throw new Error('expected readJsonSource to throw');
}

describe('readJsonSource', () => {
  it('locates keys and values with paths, lines and columns', () => {
    const { root } = readJsonSource('{\n "a": [1, {"b": true}],\n "c": null\n}');
    if (root.kind !== 'object') throw new Error('object expected');
    const [a, c] = root.members;
    expect(a?.keyLoc).toEqual({
      path: 'a',
      start: { line: 2, column: 2, offset: 3 },
      end: { line: 2, column: 5, offset: 6 },
    });
    if (a?.value.kind !== 'array') throw new Error('array expected');
    const inner = a.value.items[1];
    expect(inner?.loc.path).toBe('a[1]');
    if (inner?.kind !== 'object') throw new Error('object expected');
    expect(inner.members[0]?.value.loc).toEqual({
      path: 'a[1].b',
      start: { line: 2, column: 17, offset: 18 },
      end: { line: 2, column: 21, offset: 22 },
    });
    expect(c?.value.loc.start).toEqual({ line: 3, column: 7, offset: 32 });
  });

  it('keeps numbers as written and counts size without whitespace', () => {
    const source = readJsonSource(' [ 1.50 , -0 , 2E+3 ] ');
    expect(
      source.root.kind === 'array' && source.root.items.map((n) => (n.kind === 'number' ? n.text : '')),
    ).toEqual(['1.50', '-0', '2E+3']);
    expect(source.size).toBe('[1.50,-0,2E+3]'.length);
  });

  it('counts a lone CR as a line break', () => {
    const { root } = readJsonSource('[\r1,\r\n2]');
    expect(root.kind === 'array' && root.items.map((n) => n.loc.start?.line)).toEqual([2, 3]);
  });

  it.each([
    ['{"a":1,"a":2}', 'DUPLICATE_KEY', 'a'],
    ['{"a":{"b":1,"b":1}}', 'DUPLICATE_KEY', 'a.b'],
    ['[1,]', 'JSON_SYNTAX_ERROR', '[1]'],
    ['{"a" 1}', 'JSON_SYNTAX_ERROR', 'a'],
    ['{"a":1 "b":2}', 'JSON_SYNTAX_ERROR', ''],
    ['"abc', 'JSON_SYNTAX_ERROR', ''],
    ['tru', 'JSON_SYNTAX_ERROR', ''],
    ['1.', 'JSON_SYNTAX_ERROR', ''],
    ['-', 'JSON_SYNTAX_ERROR', ''],
    ['.5', 'JSON_SYNTAX_ERROR', ''],
    ['NaN', 'JSON_SYNTAX_ERROR', ''],
    ["{'a':1}", 'JSON_SYNTAX_ERROR', ''],
    ['"\\u00"', 'JSON_SYNTAX_ERROR', ''],
    ['"\\', 'JSON_SYNTAX_ERROR', ''],
    ['\u00a0{}', 'JSON_SYNTAX_ERROR', ''],
    ['{}\uFEFF', 'JSON_SYNTAX_ERROR', ''],
  ])('rejects %j with %s at %j', (text, code, path) => {
    const error = readError(text);
    expect(error.issueCode).toBe(code);
    expect(error.loc.path).toBe(path);
  });

  it('reports where a syntax error is', () => {
    const error = readError('{\n  "a": [1,\n    2 3]\n}');
    expect(error.loc.start).toEqual({ line: 3, column: 7, offset: 19 });
    expect(error.message).toBe("Unexpected character '3': expected ',' or ']'. (a, line 3, column 7)");
  });

  it('depth is bounded (configurable)', () => {
    expect(() => readJsonSource('[[[[1]]]]', { maxDepth: 4 })).not.toThrow();
    expect(readErrorWith('[[[[[1]]]]]', { maxDepth: 4 }).issueCode).toBe('NESTING_TOO_DEEP');
  });

  it('differential: agrees with JSON.parse on generated JSON, in any layout', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 0, max: 3 }), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        expect(toValue(readJsonSource(text).root)).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('differential: accepts and rejects what JSON.parse does on token soup', () => {
    const token = fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '"a"',
      '"b"',
      '1',
      '-2.5e1',
      'true',
      'null',
      ' ',
      '\n',
      '"\\u0041"',
      '"\\ud800"',
      '0x1',
      '"',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 25 }), (tokens) => {
        const text = tokens.join('');
        let expected: { ok: true; value: unknown } | { ok: false };
        try {
          expected = { ok: true, value: JSON.parse(text) };
        } catch {
          expected = { ok: false };
        }
        let actual: { ok: true; value: unknown } | { ok: false; error: unknown };
        try {
          actual = { ok: true, value: toValue(readJsonSource(text).root) };
        } catch (error) {
          actual = { ok: false, error };
        }
        if (!actual.ok) {
          expect(actual.error).toBeInstanceOf(MalformedPolicyDocumentError);
          // Stricter than JSON.parse only on duplicate keys.
          if (expected.ok)
            expect((actual.error as MalformedPolicyDocumentError).issueCode).toBe('DUPLICATE_KEY');
        } else {
          expect(expected).toEqual({ ok: true, value: actual.value });
        }
      }),
      { numRuns: 1000 },
    );
  });
});

function readErrorWith(text: string, limits: { maxDepth: number }): MalformedPolicyDocumentError {
  try {
    readJsonSource(text, limits);
  } catch (error) {
    return error as MalformedPolicyDocumentError;
  }
  throw new Error('expected readJsonSource to throw');
}

describe('jsonNodeFromValue', () => {
  it('fills paths, no positions, and the compact size', () => {
    const value = { a: [1, 'x', { b: null }], c: true };
    const { root, size } = jsonNodeFromValue(value);
    expect(size).toBe(JSON.stringify(value).length);
    expect(toValue(root)).toEqual(value);
    expect(
      root.kind === 'object' &&
        root.members[0]?.value.kind === 'array' &&
        root.members[0].value.items[2]?.loc,
    ).toEqual({
      path: 'a[2]',
    });
  });

  it('turns a throwing getter into a malformed document', () => {
    const hostile = {
      get Statement(): unknown {
        throw new Error('boom');
      },
    };
    expect(() => jsonNodeFromValue(hostile)).toThrow(MalformedPolicyDocumentError);
  });
});
