/**
 * A JSON reader that remembers where every value came from.
 *
 * `JSON.parse` gives neither positions nor duplicate-key detection, and a policy error that cannot
 * say "line 7, column 5" is hard to act on. This reader is a single left-to-right pass (linear in
 * the input), recursion is bounded by `maxDepth`, and every limit ends in
 * `MalformedPolicyDocumentError` — hostile input can neither overflow the stack nor hang.
 *
 * The same node tree is built from an already-parsed object (`jsonNodeFromValue`), with paths but
 * without positions, so that the policy builder has one input shape.
 */
import type { SourceLocation, SourcePosition } from './ast.js';
import { MalformedPolicyDocumentError } from './errors.js';

export type JsonNode = JsonObject | JsonArray | JsonString | JsonNumber | JsonBoolean | JsonNull;

export interface JsonObject {
  kind: 'object';
  members: JsonMember[];
  loc: SourceLocation;
}

export interface JsonMember {
  key: string;
  /** The key token; its path is the member's path (`Statement[0].Effect`). */
  keyLoc: SourceLocation;
  value: JsonNode;
}

export interface JsonArray {
  kind: 'array';
  items: JsonNode[];
  loc: SourceLocation;
}

export interface JsonString {
  kind: 'string';
  value: string;
  loc: SourceLocation;
}

export interface JsonNumber {
  kind: 'number';
  /** The number exactly as written (`10`, `1.50`, `2e3`): AWS compares condition values as text. */
  text: string;
  loc: SourceLocation;
}

export interface JsonBoolean {
  kind: 'boolean';
  value: boolean;
  loc: SourceLocation;
}

export interface JsonNull {
  kind: 'null';
  loc: SourceLocation;
}

export interface JsonReadLimits {
  /** Longest accepted text in UTF-16 code units. Default 1 MiB — far above every AWS policy quota. */
  maxLength?: number;
  /** Deepest accepted nesting of arrays and objects. Default 32; a policy needs 5. */
  maxDepth?: number;
}

export interface JsonSource {
  root: JsonNode;
  /** UTF-16 code units outside insignificant whitespace (and the BOM): what AWS size quotas count. */
  size: number;
}

export const DEFAULT_MAX_LENGTH = 1024 * 1024;
export const DEFAULT_MAX_DEPTH = 32;

/** The JSON path of a member `key` inside the container at `parent`. */
export function memberPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/** The JSON path of item `index` inside the array at `parent`. */
export function itemPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/**
 * Reads JSON text into located nodes, rejecting duplicate keys, trailing text and anything
 * beyond the limits.
 *
 * @example
 * const { root } = readJsonSource('{"Version": "2012-10-17"}');
 * // root.kind === 'object', root.members[0].value.loc.start -> { line: 1, column: 13, offset: 12 }
 */
export function readJsonSource(text: string, limits: JsonReadLimits = {}): JsonSource {
  return new Reader(text, limits).readDocument();
}

class Reader {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  private whitespace = 0;
  private readonly maxDepth: number;

  constructor(
    private readonly text: string,
    private readonly limits: JsonReadLimits,
  ) {
    this.maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  }

  readDocument(): JsonSource {
    const maxLength = this.limits.maxLength ?? DEFAULT_MAX_LENGTH;
    if (this.text.length > maxLength) {
      throw new MalformedPolicyDocumentError(
        'DOCUMENT_TOO_LARGE',
        `Policy document is ${this.text.length} characters long; at most ${maxLength} are accepted.`,
        { path: '' },
      );
    }
    let bom = 0;
    if (this.text.charCodeAt(0) === 0xfeff) {
      // A byte-order mark is not JSON, but editors on Windows write one; columns start after it.
      this.pos = 1;
      this.lineStart = 1;
      bom = 1;
    }
    this.skipWhitespace();
    if (this.pos >= this.text.length) this.fail('Policy document is empty.', '');
    const root = this.readValue('', 0);
    this.skipWhitespace();
    if (this.pos < this.text.length) {
      this.fail('Unexpected text after the end of the policy document.', '');
    }
    return { root, size: this.text.length - bom - this.whitespace };
  }

  private position(): SourcePosition {
    return { line: this.line, column: this.pos - this.lineStart + 1, offset: this.pos };
  }

  private fail(message: string, path: string, code = 'JSON_SYNTAX_ERROR'): never {
    const at = this.position();
    throw new MalformedPolicyDocumentError(code, message, { path, start: at, end: at });
  }

  private skipWhitespace(): void {
    const text = this.text;
    let pos = this.pos;
    const from = pos;
    for (; pos < text.length; pos++) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x09) continue;
      if (c === 0x0a) {
        this.line++;
        this.lineStart = pos + 1;
        continue;
      }
      if (c === 0x0d) {
        // CR LF counts as one line break; a lone CR is a line break of its own.
        if (text.charCodeAt(pos + 1) !== 0x0a) {
          this.line++;
          this.lineStart = pos + 1;
        }
        continue;
      }
      break;
    }
    this.whitespace += pos - from;
    this.pos = pos;
  }

  private readValue(path: string, depth: number): JsonNode {
    const c = this.text.charCodeAt(this.pos);
    switch (c) {
      case 0x7b /* { */:
        return this.readObject(path, depth + 1);
      case 0x5b /* [ */:
        return this.readArray(path, depth + 1);
      case 0x22 /* " */: {
        const start = this.position();
        const value = this.readString(path);
        return { kind: 'string', value, loc: { path, start, end: this.position() } };
      }
      case 0x74 /* t */:
        return this.readLiteral('true', path);
      case 0x66 /* f */:
        return this.readLiteral('false', path);
      case 0x6e /* n */:
        return this.readLiteral('null', path);
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.readNumber(path);
        if (Number.isNaN(c)) this.fail('Unexpected end of the policy document: a value is missing.', path);
        this.fail(`Unexpected character ${describeChar(this.text, this.pos)}: expected a JSON value.`, path);
    }
  }

  private enter(path: string, depth: number): void {
    if (depth > this.maxDepth) {
      this.fail(`Policy document nests deeper than ${this.maxDepth} levels.`, path, 'NESTING_TOO_DEEP');
    }
  }

  private readObject(path: string, depth: number): JsonObject {
    this.enter(path, depth);
    const start = this.position();
    this.pos++; // {
    const members: JsonMember[] = [];
    const seen = new Set<string>();
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 0x7d /* } */) {
      this.pos++;
      return { kind: 'object', members, loc: { path, start, end: this.position() } };
    }
    for (;;) {
      if (this.text.charCodeAt(this.pos) !== 0x22) {
        this.fail(this.expected('a quoted member name'), path);
      }
      const keyStart = this.position();
      const key = this.readString(path);
      const childPath = memberPath(path, key);
      const keyLoc: SourceLocation = { path: childPath, start: keyStart, end: this.position() };
      if (seen.has(key)) {
        throw new MalformedPolicyDocumentError(
          'DUPLICATE_KEY',
          `Duplicate element "${truncate(key)}": a key may appear only once in an object.`,
          keyLoc,
        );
      }
      seen.add(key);
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== 0x3a /* : */) this.fail(this.expected("':'"), childPath);
      this.pos++;
      this.skipWhitespace();
      const value = this.readValue(childPath, depth);
      members.push({ key, keyLoc, value });
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x2c /* , */) {
        this.pos++;
        this.skipWhitespace();
        continue;
      }
      if (c === 0x7d /* } */) {
        this.pos++;
        return { kind: 'object', members, loc: { path, start, end: this.position() } };
      }
      this.fail(this.expected("',' or '}'"), path);
    }
  }

  private readArray(path: string, depth: number): JsonArray {
    this.enter(path, depth);
    const start = this.position();
    this.pos++; // [
    const items: JsonNode[] = [];
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 0x5d /* ] */) {
      this.pos++;
      return { kind: 'array', items, loc: { path, start, end: this.position() } };
    }
    for (;;) {
      items.push(this.readValue(itemPath(path, items.length), depth));
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x2c /* , */) {
        this.pos++;
        this.skipWhitespace();
        continue;
      }
      if (c === 0x5d /* ] */) {
        this.pos++;
        return { kind: 'array', items, loc: { path, start, end: this.position() } };
      }
      this.fail(this.expected("',' or ']'"), path);
    }
  }

  /** Reads a string token starting at the opening quote; runs between escapes are sliced, not appended char by char. */
  private readString(path: string): string {
    const text = this.text;
    let pos = this.pos + 1;
    let runStart = pos;
    const parts: string[] = [];
    for (;;) {
      if (pos >= text.length) {
        this.pos = pos;
        this.fail('Unterminated string.', path);
      }
      const c = text.charCodeAt(pos);
      if (c === 0x22 /* " */) {
        parts.push(text.slice(runStart, pos));
        this.pos = pos + 1;
        return parts.length === 1 ? (parts[0] as string) : parts.join('');
      }
      if (c < 0x20) {
        this.pos = pos;
        this.fail(`Control character ${describeChar(text, pos)} must be escaped inside a string.`, path);
      }
      if (c !== 0x5c /* \ */) {
        pos++;
        continue;
      }
      parts.push(text.slice(runStart, pos));
      const e = text.charCodeAt(pos + 1);
      switch (e) {
        case 0x22:
          parts.push('"');
          break;
        case 0x5c:
          parts.push('\\');
          break;
        case 0x2f:
          parts.push('/');
          break;
        case 0x62:
          parts.push('\b');
          break;
        case 0x66:
          parts.push('\f');
          break;
        case 0x6e:
          parts.push('\n');
          break;
        case 0x72:
          parts.push('\r');
          break;
        case 0x74:
          parts.push('\t');
          break;
        case 0x75 /* u */: {
          const hex = text.slice(pos + 2, pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.pos = pos;
            this.fail('Invalid \\u escape: four hexadecimal digits are required.', path);
          }
          // Lone surrogates are kept as they are: a JavaScript string can hold them, and the
          // policy engine compares UTF-16 code units throughout.
          parts.push(String.fromCharCode(parseInt(hex, 16)));
          pos += 4;
          break;
        }
        default:
          this.pos = pos;
          this.fail(`Invalid escape sequence \\${Number.isNaN(e) ? '' : text.charAt(pos + 1)}.`, path);
      }
      pos += 2;
      runStart = pos;
    }
  }

  private readNumber(path: string): JsonNumber {
    const start = this.position();
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (match === null) this.fail('Invalid number.', path);
    const text = match[0];
    this.pos += text.length;
    const next = this.text.charCodeAt(this.pos);
    if ((next >= 0x30 && next <= 0x39) || next === 0x2e || next === 0x65 || next === 0x45) {
      this.fail('Invalid number.', path);
    }
    return { kind: 'number', text, loc: { path, start, end: this.position() } };
  }

  private readLiteral(word: 'true' | 'false' | 'null', path: string): JsonBoolean | JsonNull {
    if (!this.text.startsWith(word, this.pos)) {
      this.fail(`Unexpected character ${describeChar(this.text, this.pos)}: expected a JSON value.`, path);
    }
    const start = this.position();
    this.pos += word.length;
    const loc = { path, start, end: this.position() };
    return word === 'null' ? { kind: 'null', loc } : { kind: 'boolean', value: word === 'true', loc };
  }

  private expected(what: string): string {
    if (this.pos >= this.text.length) return `Unexpected end of the policy document: expected ${what}.`;
    return `Unexpected character ${describeChar(this.text, this.pos)}: expected ${what}.`;
  }
}

function describeChar(text: string, pos: number): string {
  const c = text.charCodeAt(pos);
  if (Number.isNaN(c)) return 'end of input';
  if (c < 0x20 || c === 0x7f || (c >= 0xd800 && c <= 0xdfff) || c === 0xfeff) {
    return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return `'${text.charAt(pos)}'`;
}

/** Keeps messages short when a hostile document uses megabyte-long keys. */
export function truncate(text: string, max = 64): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}

/**
 * Builds the same node tree from an already-parsed value (e.g. `JSON.parse` output or a literal
 * in code). Locations carry paths only. Shared sub-objects and cycles are bounded by the same
 * depth limit and by a budget on the total amount of content, so a small object graph that would
 * expand into an enormous tree is rejected rather than walked.
 *
 * @example
 * const root = jsonNodeFromValue({ Version: '2012-10-17', Statement: [] });
 */
export function jsonNodeFromValue(value: unknown, limits: JsonReadLimits = {}): JsonSource {
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxLength = limits.maxLength ?? DEFAULT_MAX_LENGTH;
  // Size as AWS counts it: the compact serialisation (no insignificant whitespace).
  let size = 0;

  const charge = (amount: number, path: string): void => {
    size += amount;
    if (size > maxLength) {
      throw new MalformedPolicyDocumentError(
        'DOCUMENT_TOO_LARGE',
        `Policy document exceeds ${maxLength} characters.`,
        { path },
      );
    }
  };

  const convert = (v: unknown, path: string, depth: number): JsonNode => {
    const loc: SourceLocation = { path };
    if (typeof v === 'string') {
      charge(JSON.stringify(v).length, path);
      return { kind: 'string', value: v, loc };
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) {
        throw new MalformedPolicyDocumentError('JSON_SYNTAX_ERROR', `${v} is not a JSON number.`, loc);
      }
      const text = String(v);
      charge(text.length, path);
      return { kind: 'number', text, loc };
    }
    if (typeof v === 'boolean') {
      charge(v ? 4 : 5, path);
      return { kind: 'boolean', value: v, loc };
    }
    if (v === null) {
      charge(4, path);
      return { kind: 'null', loc };
    }
    if (typeof v !== 'object') {
      throw new MalformedPolicyDocumentError(
        'JSON_SYNTAX_ERROR',
        `A value of type ${typeof v} is not a JSON value.`,
        loc,
      );
    }
    if (depth + 1 > maxDepth) {
      throw new MalformedPolicyDocumentError(
        'NESTING_TOO_DEEP',
        `Policy document nests deeper than ${maxDepth} levels.`,
        loc,
      );
    }
    if (Array.isArray(v)) {
      charge(2 + Math.max(0, v.length - 1), path);
      const items: JsonNode[] = [];
      for (let i = 0; i < v.length; i++) items.push(convert(v[i], itemPath(path, i), depth + 1));
      return { kind: 'array', items, loc };
    }
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      throw new MalformedPolicyDocumentError(
        'JSON_SYNTAX_ERROR',
        'Only plain objects, arrays, strings, numbers, booleans and null are JSON values.',
        loc,
      );
    }
    // As in JSON.stringify: an undefined member is absent, so `{ Sid: maybeSid }` works.
    const entries = Object.entries(v as Record<string, unknown>).filter(([, m]) => m !== undefined);
    charge(2 + Math.max(0, entries.length - 1), path);
    const members: JsonMember[] = [];
    for (const [key, member] of entries) {
      const childPath = memberPath(path, key);
      charge(JSON.stringify(key).length + 1, childPath);
      members.push({ key, keyLoc: { path: childPath }, value: convert(member, childPath, depth + 1) });
    }
    return { kind: 'object', members, loc };
  };

  try {
    return { root: convert(value, '', 0), size };
  } catch (error) {
    if (error instanceof MalformedPolicyDocumentError) throw error;
    // A getter or proxy trap threw while the object was read: still a bad document, not a crash.
    throw new MalformedPolicyDocumentError(
      'JSON_SYNTAX_ERROR',
      'The policy object could not be read as JSON data.',
      { path: '' },
      { cause: error },
    );
  }
}
