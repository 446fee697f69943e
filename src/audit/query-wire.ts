/**
 * Query-protocol requests and responses (STS, IAM, EC2) as CloudTrail shows them: flattened
 * parameters (`Tags.member.1.Key`) become nested camelCase members (`tags: [{ key }]`), the
 * `<Op>Result` element of a response becomes `responseElements`, and an error document yields
 * its code and message. Redaction happens later, in `buildAccessEvent`.
 */
import { XMLParser } from 'fast-xml-parser';
import type { JsonValue } from '../iam/types.js';
import { setOwn } from './redact.js';

type JsonObject = { [key: string]: JsonValue };

/** Parameters that are protocol plumbing, not the operation's input. */
const PLUMBING = new Set(['Action', 'Version']);

function lowerFirst(name: string): string {
  return name.length === 0 ? name : name[0]!.toLowerCase() + name.slice(1);
}

/**
 * CloudTrail-style `requestParameters` from Query parameters.
 *
 * @example
 * queryRequestParameters(new URLSearchParams('Action=AssumeRole&RoleArn=arn:aws:iam::1:role/r&Tags.member.1.Key=team'));
 * // { roleArn: 'arn:aws:iam::1:role/r', tags: [{ key: 'team' }] }
 */
export function queryRequestParameters(pairs: Iterable<[string, string]>): JsonObject {
  const out: JsonObject = {};
  for (const [name, value] of pairs) {
    if (PLUMBING.has(name)) continue;
    if (!place(out, name.split('.'), value)) setOwn(out, name, value);
  }
  return out;
}

/** Puts `value` at the path; `false` when the path collides with what is already there. */
function place(root: JsonObject, segments: string[], value: string): boolean {
  let node: JsonObject | JsonValue[] = root;
  const path = segments.filter((s) => s !== 'member' && s !== 'entry' && s !== '');
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    const last = i === path.length - 1;
    const nextIsIndex = !last && /^\d+$/.test(path[i + 1]!);
    const key: string | number = /^\d+$/.test(segment) ? Number(segment) - 1 : lowerFirst(segment);
    if (Array.isArray(node) !== (typeof key === 'number') || (typeof key === 'number' && key < 0)) {
      return false;
    }
    const container = node as Record<string | number, JsonValue>;
    // Own members only: a parameter named `__proto__.x` must not reach Object.prototype.
    const existing = Object.hasOwn(container, key) ? container[key] : undefined;
    if (last) {
      if (existing !== undefined) return false;
      setOwn(container, key, value);
      return true;
    }
    let child = existing;
    if (child === undefined) {
      child = nextIsIndex ? [] : {};
      setOwn(container, key, child);
    }
    if (child === null || typeof child !== 'object') return false;
    node = child;
  }
  return false;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === 'member' || name === 'item',
});

/** XML as JSON: camelCase members, `member`/`item` lists as arrays, empty elements as `''`. */
function camel(value: unknown): JsonValue {
  if (Array.isArray(value)) return value.map(camel);
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object') return String(value);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1 && (entries[0]![0] === 'member' || entries[0]![0] === 'item')) {
    return camel(entries[0]![1]);
  }
  const out: JsonObject = {};
  for (const [key, member] of entries) setOwn(out, lowerFirst(key), camel(member));
  return out;
}

/**
 * The `<action>Result` of a Query success document as `responseElements`; `undefined` when
 * there is none (or the document is not one).
 *
 * @example
 * queryResponseElements('<AssumeRoleResponse><AssumeRoleResult><Credentials>…', 'AssumeRole');
 */
export function queryResponseElements(xml: string, action: string): JsonObject | undefined {
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xml) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const response = doc[`${action}Response`] as Record<string, unknown> | undefined;
  const result = response?.[`${action}Result`];
  if (result === undefined || result === null || typeof result !== 'object') return undefined;
  const elements = camel(result);
  return elements !== null && typeof elements === 'object' && !Array.isArray(elements) ? elements : undefined;
}

/**
 * The code and message of a Query (or EC2) error document; `undefined` for a success document.
 *
 * @example
 * queryErrorOf('<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message>…'); // { code: 'AccessDenied', message: 'no' }
 */
export function queryErrorOf(xml: string): { code: string; message: string } | undefined {
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
  if (code === undefined || !/<(ErrorResponse|Errors)\b/.test(xml)) return undefined;
  const message = /<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? '';
  return { code: unescapeXml(code), message: unescapeXml(message) };
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
