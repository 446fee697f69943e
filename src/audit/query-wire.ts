/**
 * Query-protocol requests and responses (STS, IAM, EC2) as CloudTrail shows them: flattened
 * parameters (`Tags.member.1.Key`) become nested camelCase members (`tags: [{ key }]`), the
 * members of a response's `<Op>Result` (as the handler built them, before rendering) become
 * `responseElements`. Redaction happens later, in `buildAccessEvent`.
 */
import type { JsonValue } from '../iam/types.js';
import type { XmlNode, XmlValue } from '../protocol/xml.js';
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
  const gaps = { left: MAX_LIST_GAPS };
  for (const [name, value] of pairs) {
    if (PLUMBING.has(name)) continue;
    if (!place(out, name.split('.'), value, gaps)) setOwn(out, name, value);
  }
  return out;
}

/**
 * How many list slots the parameters of one request may leave empty (`Tags.member.3` sent
 * without `.1` and `.2`; a list sent out of order). An index is the client's to choose: without a
 * bound, `PolicyArns.member.4294967295.arn=x` — 40 bytes, accepted unsigned on
 * AssumeRoleWithWebIdentity — made an array of 2³² slots whose JSON (`null,` each) the access
 * log's journal encodes on the event loop: seconds to minutes of a stalled server per request.
 * Past the bound a member is kept as it was sent (`'PolicyArns.member.4294967295.arn': 'x'`), so
 * the event stays as large as the request. Clients number lists from 1 without gaps (botocore's
 * Query serializer); a lexical order (`member.10` before `member.2`) needs fewer than 10 per list.
 */
const MAX_LIST_GAPS = 1000;

/** Puts `value` at the path; `false` when the path collides with what is already there. */
function place(root: JsonObject, segments: string[], value: string, gaps: { left: number }): boolean {
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
    if (typeof key === 'number') {
      // Slots this member would leave empty, counted once: they are filled when their own member comes.
      const gap = key - (node as JsonValue[]).length;
      if (gap > gaps.left) return false;
      if (gap > 0) gaps.left -= gap;
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

/** Element names the response documents use for list entries (`member` for Query, `item` for EC2). */
function isListEntry(name: string): boolean {
  return name === 'member' || name === 'item';
}

/**
 * A rendered value as the log records it, which is what reading the rendered XML back gives:
 * camelCase members, lists as arrays, and an element with no content (an empty list, an object
 * with no members) as `''`.
 */
function elementValue(value: XmlValue): JsonValue {
  if (Array.isArray(value)) {
    if (value.length === 0) return '';
    return value.map((v) => (v === undefined || v === null ? '' : elementValue(v)));
  }
  if (typeof value !== 'object' || value === null)
    return value === undefined || value === null ? '' : String(value);
  const members = Object.entries(value).filter(([, member]) => member !== undefined && member !== null);
  if (members.length === 0) return '';
  // A `<member>`/`<item>` child is a list entry: an array, and the list itself when it is the only child.
  if (members.length === 1 && isListEntry(members[0]![0])) return [elementValue(members[0]![1])];
  const out: JsonObject = {};
  for (const [key, member] of members) {
    setOwn(out, lowerFirst(key), isListEntry(key) ? [elementValue(member)] : elementValue(member));
  }
  return out;
}

/**
 * The members of an `<Op>Result` as `responseElements`; `undefined` when the rendered element
 * would be empty.
 *
 * @example
 * queryResultElements({ AssumedRoleUser: { Arn: 'arn:aws:sts::1:assumed-role/r/s' } });
 * // { assumedRoleUser: { arn: 'arn:aws:sts::1:assumed-role/r/s' } }
 */
export function queryResultElements(result: XmlNode): JsonObject | undefined {
  const elements = elementValue(result);
  return elements !== null && typeof elements === 'object' && !Array.isArray(elements) ? elements : undefined;
}
