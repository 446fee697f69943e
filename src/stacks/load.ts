/**
 * Template text (YAML or JSON) to a tree of located nodes.
 *
 * JSON is read by the same YAML 1.2 parser (JSON is a subset of it), so both forms get line and
 * column for every node. YAML short-form tags (`!Ref`, `!GetAtt A.B`, `!Sub [text, vars]`, ...)
 * and JSON long forms (`{"Ref": ...}`, `{"Fn::GetAtt": [...]}`) become the same `fn` node.
 */
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node as YamlNode,
  type ScalarTag,
  type CollectionTag,
  type Alias,
} from 'yaml';
import { templateError, type Position } from './errors.js';
import {
  childPath,
  functionForTag,
  SUPPORTED_FUNCTIONS,
  tagForFunction,
  UNSUPPORTED_FUNCTIONS,
  type MapNode,
  type TemplateNode,
} from './node.js';

/** Templates larger than CloudFormation's own limit for an S3-hosted template (1 MB) are refused. */
export const MAX_TEMPLATE_BYTES = 1_000_000;
/** Deeper nesting than this is refused rather than risking the stack. */
const MAX_DEPTH = 128;
/** Aliases can multiply a small text into a huge tree ("billion laughs"); the tree is capped. */
const MAX_NODES = 500_000;

/** Every tag is registered for scalars, sequences and maps; the resolver checks the argument shape. */
const CUSTOM_TAGS: (ScalarTag | CollectionTag)[] = [...SUPPORTED_FUNCTIONS, ...UNSUPPORTED_FUNCTIONS].flatMap(
  (name) => {
    const tag = tagForFunction(name);
    return [
      { tag, resolve: (text: string) => text } satisfies ScalarTag,
      { tag, collection: 'seq', resolve: (value: unknown) => value } as CollectionTag,
      { tag, collection: 'map', resolve: (value: unknown) => value } as CollectionTag,
    ];
  },
);

/** A plain YAML number is kept as written when JSON would not write it the same way (`012345678901`). */
const CANONICAL_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** The long-form function names a one-key map stands for. */
function isLongFormKey(key: string): boolean {
  return key === 'Ref' || key.startsWith('Fn::');
}

interface Walk {
  lines: LineCounter;
  doc: Document;
  count: number;
}

function positionOf(
  walk: Walk,
  node: { range?: [number, number, number] | null } | undefined,
): Position | undefined {
  const offset = node?.range?.[0];
  if (offset === undefined) return undefined;
  const { line, col } = walk.lines.linePos(offset);
  return { line, column: col };
}

function convert(walk: Walk, raw: unknown, path: string, depth: number): TemplateNode {
  walk.count += 1;
  if (depth > MAX_DEPTH) throw templateError({ path, message: `nesting is deeper than ${MAX_DEPTH} levels` });
  if (walk.count > MAX_NODES)
    throw templateError({ path, message: `template has more than ${MAX_NODES} nodes` });
  let node = raw as YamlNode | null;
  if (isAlias(node)) {
    const target = (node as Alias).resolve(walk.doc);
    if (target === undefined)
      throw templateError({ path, message: `unresolved alias *${(node as Alias).source}` });
    node = target as YamlNode;
  }
  const position = positionOf(walk, node ?? undefined);
  const base = position === undefined ? { path } : { path, position };
  const tag = node !== null && 'tag' in node ? node.tag : undefined;
  const fnName = tag === undefined ? undefined : functionForTag(tag);
  if (tag !== undefined && fnName === undefined && !tag.startsWith('tag:yaml.org,2002:')) {
    throw templateError({ ...base, message: `unknown tag ${tag}` });
  }
  const value = convertUntagged(walk, node, path, depth, fnName === undefined ? base : { path }, fnName);
  if (fnName === undefined) return value;
  return { kind: 'fn', name: fnName, arg: value, ...base };
}

function convertUntagged(
  walk: Walk,
  node: YamlNode | null,
  path: string,
  depth: number,
  base: { path: string; position?: Position },
  fnName: string | undefined,
): TemplateNode {
  // A tagged node's argument keeps the function's path so messages point at the call.
  const argPath = fnName === undefined ? path : childPath(path, fnName);
  if (node === null) return { kind: 'scalar', value: null, ...base };
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'number') {
      const source = (node as { source?: unknown }).source;
      const kept = typeof source === 'string' && !CANONICAL_NUMBER.test(source) ? source : v;
      return {
        kind: 'scalar',
        value: Number.isFinite(v) || typeof kept === 'string' ? kept : String(v),
        ...base,
      };
    }
    if (typeof v === 'string' || typeof v === 'boolean' || v === null)
      return { kind: 'scalar', value: v, ...base };
    if (typeof v === 'bigint') return { kind: 'scalar', value: String(v), ...base };
    return { kind: 'scalar', value: String(v), ...base };
  }
  if (isSeq(node)) {
    const items = node.items.map((item, i) => convert(walk, item, childPath(argPath, i), depth + 1));
    return { kind: 'seq', items, ...base };
  }
  if (isMap(node)) {
    const entries = node.items.map((pair) => {
      const keyNode = pair.key as YamlNode | null;
      const keyPosition = positionOf(walk, keyNode ?? undefined);
      if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
        throw templateError({
          path: argPath,
          ...(keyPosition ? { position: keyPosition } : {}),
          message: 'map keys must be plain strings',
        });
      }
      const key = String(keyNode.value);
      const value = convert(walk, pair.value, childPath(argPath, key), depth + 1);
      return keyPosition === undefined ? { key, value } : { key, keyPosition, value };
    });
    const map: MapNode = { kind: 'map', entries, ...base };
    return fnName === undefined ? longForm(map) : map;
  }
  throw templateError({ ...base, message: 'unsupported YAML node' });
}

/** `{"Ref": x}`, `{"Fn::Join": [...]}` and `{"Condition": "name"}` become function nodes. */
function longForm(map: MapNode): TemplateNode {
  if (map.entries.length !== 1) return map;
  const only = map.entries[0];
  if (only === undefined) return map;
  const isCondition =
    only.key === 'Condition' && only.value.kind === 'scalar' && typeof only.value.value === 'string';
  if (!isLongFormKey(only.key) && !isCondition) return map;
  return {
    kind: 'fn',
    name: only.key,
    arg: only.value,
    path: map.path,
    ...(map.position ? { position: map.position } : {}),
  };
}

/**
 * Parses a template's text into located nodes. Throws `TemplateError` for text that is not YAML
 * or JSON, unknown tags, or a root that is not a map.
 *
 * @example
 * const root = parseTemplateText('Resources:\n  R: { Type: AWS::IAM::Role }\n');
 * root.entries[0]?.key; // 'Resources'
 */
export function parseTemplateText(text: string): MapNode {
  if (typeof text !== 'string') throw templateError({ path: '', message: 'template must be text' });
  if (Buffer.byteLength(text, 'utf8') > MAX_TEMPLATE_BYTES) {
    throw templateError({ path: '', message: `template is larger than ${MAX_TEMPLATE_BYTES} bytes` });
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    customTags: CUSTOM_TAGS,
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
  });
  const walk: Walk = { lines, doc, count: 0 };
  const first = doc.errors[0];
  if (first !== undefined) {
    const { line, col } = lines.linePos(first.pos[0]);
    throw templateError({
      path: '',
      position: { line, column: col },
      message: yamlMessage(first.code, first.message),
    });
  }
  const root = convert(walk, doc.contents, '', 0);
  if (root.kind !== 'map') {
    throw templateError({
      path: '',
      ...(root.position ? { position: root.position } : {}),
      message: 'template must be a map with a Resources section',
    });
  }
  return root;
}

function yamlMessage(code: string, message: string): string {
  if (code === 'DUPLICATE_KEY') return 'duplicate key in map';
  // The parser's own message names the problem; its first line is enough.
  return `not valid YAML or JSON: ${message.split('\n')[0] ?? code}`;
}
