/**
 * The policy view's tokenizer: the tokens of a line concatenate to exactly the line (so nothing is
 * lost or invented, and finding lines stay put), keys are told from values, and hostile text stays
 * inside a string token.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenize, tokenizeLine } from '../../console-ui/src/json-tokens.js';

describe('json-tokens', () => {
  it('types keys, strings, numbers, literals and punctuation', () => {
    const tokens = tokenizeLine('  "Effect": "Allow", "n": -1.5e3, "b": true, "z": null');
    const kinds = tokens.filter((t) => t.kind !== 'space').map((t) => `${t.kind}:${t.text}`);
    expect(kinds).toEqual([
      'key:"Effect"',
      'punct::',
      'string:"Allow"',
      'punct:,',
      'key:"n"',
      'punct::',
      'number:-1.5e3',
      'punct:,',
      'key:"b"',
      'punct::',
      'literal:true',
      'punct:,',
      'key:"z"',
      'punct::',
      'literal:null',
    ]);
  });

  it('keeps escaped quotes and markup inside one string token', () => {
    const line = JSON.stringify({ a: `x"<img src=x onerror=alert(1)>\\` });
    const strings = tokenizeLine(line).filter((t) => t.kind === 'string');
    expect(strings.map((t) => t.text)).toEqual([JSON.stringify(`x"<img src=x onerror=alert(1)>\\`)]);
  });

  it('loses nothing: the tokens of any text concatenate to the text, line by line', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json().map((j) => JSON.stringify(JSON.parse(j), null, 2)),
        ),
        (text) => {
          const lines = tokenize(text);
          expect(lines.map((tokens) => tokens.map((t) => t.text).join('')).join('\n')).toBe(text);
          for (const tokens of lines) for (const t of tokens) expect(t.text.length).toBeGreaterThan(0);
        },
      ),
    );
  });
});
