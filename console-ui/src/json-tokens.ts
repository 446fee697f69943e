/**
 * A small JSON tokenizer for syntax highlighting: it splits a document's text into typed tokens
 * whose concatenation is exactly the text, so the view renders each token as a text node in a span
 * (never markup from the document) and lines stay where the validator's findings point.
 */
export type TokenKind = 'key' | 'string' | 'number' | 'literal' | 'punct' | 'space' | 'other';

export interface Token {
  kind: TokenKind;
  text: string;
}

const PATTERNS: [TokenKind, RegExp][] = [
  ['string', /"(?:[^"\\\n]|\\.)*"?/y],
  ['number', /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y],
  ['literal', /\b(?:true|false|null)\b/y],
  ['punct', /[{}[\],:]/y],
  ['space', /[ \t\r]+/y],
];

/** The tokens of one line (strings never span lines in pretty-printed JSON). */
export function tokenizeLine(line: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < line.length) {
    let matched: Token | undefined;
    for (const [kind, pattern] of PATTERNS) {
      pattern.lastIndex = at;
      const m = pattern.exec(line);
      if (m !== null && m[0].length > 0) {
        matched = { kind, text: m[0] };
        break;
      }
    }
    matched ??= { kind: 'other', text: line[at] as string };
    tokens.push(matched);
    at += matched.text.length;
  }
  // A string followed (after spaces) by a colon is an object key.
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]?.kind !== 'string') continue;
    let j = i + 1;
    while (tokens[j]?.kind === 'space') j++;
    const next = tokens[j];
    if (next?.kind === 'punct' && next.text === ':') (tokens[i] as Token).kind = 'key';
  }
  return tokens;
}

/** The document's lines, each tokenized. */
export function tokenize(text: string): Token[][] {
  return text.split('\n').map(tokenizeLine);
}
