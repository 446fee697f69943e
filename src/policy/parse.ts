/**
 * Policy text (or an already-parsed object) → the typed AST of `ast.ts`.
 *
 * The parser rejects only what makes a document unusable whatever kind of policy it is (invalid
 * JSON, wrong JSON types, unknown elements, a missing or invalid Effect, Action/NotAction and the
 * other exclusive pairs, unknown condition operators, ...). Rules that depend on where a policy is
 * attached (principals in identity policies, size quotas, ...) belong to `validate.ts`.
 */
import type {
  ConditionEntry,
  Effect,
  Located,
  PatternList,
  PolicyDocument,
  PolicyVersion,
  PrincipalBlock,
  PrincipalEntry,
  PrincipalType,
  SourceLocation,
  Statement,
} from './ast.js';
import { parseConditionOperator } from './condition-operator.js';
import { MalformedPolicyDocumentError } from './errors.js';
import { jsonNodeFromValue, readJsonSource, truncate } from './json-source.js';
import type {
  JsonArray,
  JsonMember,
  JsonNode,
  JsonObject,
  JsonReadLimits,
  JsonSource,
} from './json-source.js';

export type ParsePolicyOptions = JsonReadLimits;

const POLICY_VERSIONS: readonly PolicyVersion[] = ['2012-10-17', '2008-10-17'];
const TOP_LEVEL_ELEMENTS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_ELEMENTS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
const PRINCIPAL_TYPES: readonly PrincipalType[] = ['AWS', 'Service', 'Federated', 'CanonicalUser'];

/**
 * Parses a policy document. Text gets full source positions; an object gets paths only.
 * Throws `MalformedPolicyDocumentError` (code `MalformedPolicyDocument`, 400) for anything unusable.
 *
 * @example
 * const doc = parsePolicy('{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}');
 * doc.statements[0].action?.values[0].value; // 's3:*'
 */
export function parsePolicy(input: string | object, options: ParsePolicyOptions = {}): PolicyDocument {
  return buildPolicyDocument(readPolicySource(input, options));
}

/** The located JSON tree of a policy given as text or as an object. */
export function readPolicySource(input: string | object, options: ParsePolicyOptions = {}): JsonSource {
  if (typeof input === 'string') return readJsonSource(input, options);
  return jsonNodeFromValue(input, options);
}

/** Builds the AST from a located JSON tree (see `readPolicySource`). */
export function buildPolicyDocument(source: JsonSource): PolicyDocument {
  const root = expectObject(source.root, 'Policy document');
  const members = indexMembers(root, TOP_LEVEL_ELEMENTS, 'policy');

  const document: PolicyDocument = { statements: [], loc: root.loc, size: source.size };

  const version = members.get('Version');
  if (version !== undefined) {
    const text = expectString(version.value, 'Version');
    const known = POLICY_VERSIONS.find((v) => v === text.value);
    if (known === undefined) {
      fail(
        'INVALID_VERSION',
        `Policy document Version "${truncate(text.value)}" is not valid; use "2012-10-17" (or the legacy "2008-10-17").`,
        text.loc,
      );
    }
    document.version = { value: known, loc: text.loc };
  }

  const id = members.get('Id');
  if (id !== undefined) document.id = expectString(id.value, 'Id');

  const statement = members.get('Statement');
  if (statement === undefined) {
    fail('MISSING_STATEMENT', 'Policy document must contain a Statement element.', root.loc);
  }
  const statementNodes = statement.value.kind === 'array' ? statement.value.items : [statement.value];
  if (statementNodes.length === 0) {
    fail('EMPTY_STATEMENT', 'Policy document must contain at least one statement.', statement.value.loc);
  }
  statementNodes.forEach((node, index) => document.statements.push(buildStatement(node, index)));
  return document;
}

function buildStatement(node: JsonNode, index: number): Statement {
  const object = expectObject(node, 'Statement');
  const members = indexMembers(object, STATEMENT_ELEMENTS, 'statement');
  const loc = object.loc;

  const effectMember = members.get('Effect');
  if (effectMember === undefined) fail('MISSING_EFFECT', 'Policy statement must contain an Effect.', loc);
  const effectText = expectString(effectMember.value, 'Effect');
  if (effectText.value !== 'Allow' && effectText.value !== 'Deny') {
    fail(
      'INVALID_EFFECT',
      `Effect "${truncate(effectText.value)}" is not valid; use "Allow" or "Deny" (case-sensitive).`,
      effectText.loc,
    );
  }
  const statement: Statement = {
    index,
    effect: { value: effectText.value as Effect, loc: effectText.loc },
    conditions: [],
    loc,
  };

  const sid = members.get('Sid');
  if (sid !== undefined) statement.sid = expectString(sid.value, 'Sid');

  const action = exclusivePair(members, 'Action', 'NotAction', 'ACTION_AND_NOT_ACTION');
  if (action === undefined) {
    fail('MISSING_ACTION', 'Policy statement must contain actions (Action or NotAction).', loc);
  }
  statement.action = buildPatternList(action.member, action.negated);

  const resource = exclusivePair(members, 'Resource', 'NotResource', 'RESOURCE_AND_NOT_RESOURCE');
  if (resource !== undefined) statement.resource = buildPatternList(resource.member, resource.negated);

  const principal = exclusivePair(members, 'Principal', 'NotPrincipal', 'PRINCIPAL_AND_NOT_PRINCIPAL');
  if (principal !== undefined) statement.principal = buildPrincipal(principal.member, principal.negated);

  const condition = members.get('Condition');
  if (condition !== undefined) statement.conditions = buildConditions(condition);
  return statement;
}

function exclusivePair(
  members: Map<string, JsonMember>,
  positive: string,
  negative: string,
  issueCode: string,
): { member: JsonMember; negated: boolean } | undefined {
  const a = members.get(positive);
  const b = members.get(negative);
  if (a !== undefined && b !== undefined) {
    const second =
      a.keyLoc.start !== undefined &&
      b.keyLoc.start !== undefined &&
      a.keyLoc.start.offset > b.keyLoc.start.offset
        ? a
        : b;
    fail(issueCode, `Policy statement cannot contain both ${positive} and ${negative}.`, second.keyLoc);
  }
  if (a !== undefined) return { member: a, negated: false };
  if (b !== undefined) return { member: b, negated: true };
  return undefined;
}

function buildPatternList(member: JsonMember, negated: boolean): PatternList {
  return { negated, values: stringOrStringList(member.value, member.key), loc: member.value.loc };
}

function buildPrincipal(member: JsonMember, negated: boolean): PrincipalBlock {
  const node = member.value;
  if (node.kind === 'string') {
    if (node.value !== '*') {
      fail(
        'INVALID_PRINCIPAL',
        `${member.key} given as a string must be "*"; name principals as {"AWS": ...}, {"Service": ...}, {"Federated": ...} or {"CanonicalUser": ...}.`,
        node.loc,
      );
    }
    return { negated, wildcard: true, entries: [], loc: node.loc };
  }
  if (node.kind !== 'object') {
    fail('INVALID_ELEMENT_TYPE', `${member.key} must be "*" or an object.`, node.loc);
  }
  const entries: PrincipalEntry[] = [];
  let wildcard = false;
  for (const m of node.members) {
    const type = PRINCIPAL_TYPES.find((t) => t === m.key);
    if (type === undefined) {
      fail(
        'UNKNOWN_PRINCIPAL_TYPE',
        `Unknown principal type "${truncate(m.key)}"; use AWS, Service, Federated or CanonicalUser (case-sensitive).`,
        m.keyLoc,
      );
    }
    const values = stringOrStringList(m.value, `${member.key}.${m.key}`);
    if (type === 'AWS' && values.some((v) => v.value === '*')) wildcard = true;
    entries.push({ type, values, loc: m.value.loc });
  }
  return { negated, wildcard, entries, loc: node.loc };
}

function buildConditions(member: JsonMember): ConditionEntry[] {
  const block = expectObject(member.value, 'Condition');
  const entries: ConditionEntry[] = [];
  for (const op of block.members) {
    const parsed = parseConditionOperator(op.key);
    if (!parsed.ok) fail(parsed.issueCode, parsed.message, op.keyLoc);
    const keys = expectObject(op.value, `Condition operator ${truncate(op.key)}`);
    for (const k of keys.members) {
      entries.push({
        operator: parsed.operator,
        operatorLoc: op.keyLoc,
        key: { value: k.key, loc: k.keyLoc },
        values: conditionValues(k.value, k.key),
        loc: k.value.loc,
      });
    }
  }
  return entries;
}

/** Condition values may be strings, numbers or booleans, alone or in a (mixed) list. */
function conditionValues(node: JsonNode, key: string): Located<string>[] {
  if (node.kind === 'array') return node.items.map((item) => conditionScalar(item, key));
  return [conditionScalar(node, key)];
}

function conditionScalar(node: JsonNode, key: string): Located<string> {
  switch (node.kind) {
    case 'string':
      return { value: node.value, loc: node.loc };
    case 'number':
      return { value: node.text, loc: node.loc };
    case 'boolean':
      return { value: node.value ? 'true' : 'false', loc: node.loc };
    default:
      return fail(
        'INVALID_ELEMENT_TYPE',
        `Condition value for key "${truncate(key)}" must be a string, number or boolean, or a list of them; found ${describeKind(node)}.`,
        node.loc,
      );
  }
}

function stringOrStringList(node: JsonNode, element: string): Located<string>[] {
  if (node.kind === 'string') return [{ value: node.value, loc: node.loc }];
  if (node.kind !== 'array') {
    fail(
      'INVALID_ELEMENT_TYPE',
      `${element} must be a string or a list of strings; found ${describeKind(node)}.`,
      node.loc,
    );
  }
  return stringList(node, element);
}

function stringList(node: JsonArray, element: string): Located<string>[] {
  return node.items.map((item) => {
    if (item.kind !== 'string') {
      fail(
        'INVALID_ELEMENT_TYPE',
        `${element} must be a string or a list of strings; found ${describeKind(item)} in the list.`,
        item.loc,
      );
    }
    return { value: item.value, loc: item.loc };
  });
}

function indexMembers(
  object: JsonObject,
  allowed: ReadonlySet<string>,
  where: 'policy' | 'statement',
): Map<string, JsonMember> {
  const members = new Map<string, JsonMember>();
  for (const m of object.members) {
    if (!allowed.has(m.key)) {
      const names = [...allowed].join(', ');
      fail(
        'UNKNOWN_ELEMENT',
        `Unknown ${where} element "${truncate(m.key)}"; allowed elements are ${names} (case-sensitive).`,
        m.keyLoc,
      );
    }
    members.set(m.key, m);
  }
  return members;
}

function expectObject(node: JsonNode, what: string): JsonObject {
  if (node.kind !== 'object') {
    fail('INVALID_ELEMENT_TYPE', `${what} must be a JSON object; found ${describeKind(node)}.`, node.loc);
  }
  return node;
}

function expectString(node: JsonNode, what: string): Located<string> {
  if (node.kind !== 'string') {
    fail('INVALID_ELEMENT_TYPE', `${what} must be a string; found ${describeKind(node)}.`, node.loc);
  }
  return { value: node.value, loc: node.loc };
}

function describeKind(node: JsonNode): string {
  switch (node.kind) {
    case 'object':
      return 'an object';
    case 'array':
      return 'a list';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'null':
      return 'null';
  }
}

function fail(issueCode: string, message: string, loc: SourceLocation): never {
  throw new MalformedPolicyDocumentError(issueCode, message, loc);
}
