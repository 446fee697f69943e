/**
 * Evaluation of CloudFormation intrinsic functions over located template nodes.
 *
 * What a name refers to (parameters, pseudo parameters, resources, conditions, mappings, exports)
 * is the caller's business, given as an `EvalScope`; this module only knows the functions' rules
 * and argument shapes, and reports a misuse at the function's own location.
 */
import { templateError, type TemplateIssue } from './errors.js';
import { childPath, describeNode, type FnNode, type TemplateNode } from './node.js';

/** A resolved template value: JSON. */
export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

/** `Ref: AWS::NoValue`: the property (or list item) is removed. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');
export type Evaluated = Value | typeof NO_VALUE;

export interface EvalScope {
  /** `Ref` of a parameter, pseudo parameter or resource. */
  ref(name: string, at: FnNode): Evaluated;
  /** `Fn::GetAtt` of a resource. */
  getAtt(logicalId: string, attribute: string, at: FnNode): Value;
  /** The value of a named condition. */
  condition(name: string, at: FnNode): boolean;
  /** `Fn::FindInMap`. */
  findInMap(mapName: string, topKey: string, secondKey: string, at: FnNode): Value;
  /** `Fn::ImportValue`. */
  importValue(exportName: string, at: FnNode): Value;
  /** Called for every value produced, with its output path, so schema errors can find their source. */
  located?(outPath: string, node: TemplateNode): void;
}

/** Raises a `TemplateError` at a node. */
export function failAt(node: TemplateNode, message: string, logicalId?: string): never {
  const issue: TemplateIssue = { path: node.path, message };
  if (node.position) issue.position = node.position;
  if (logicalId !== undefined) issue.logicalId = logicalId;
  throw templateError(issue);
}

/** A scalar as the string CloudFormation would use (numbers and booleans are written out). */
export function asString(value: Evaluated, at: TemplateNode, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return failAt(at, `${what} must be a string, found ${describeValue(value)}`);
}

export function describeValue(value: Evaluated): string {
  if (value === NO_VALUE) return 'AWS::NoValue';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a map' : `a ${typeof value}`;
}

function argList(fn: FnNode, min: number, max: number): TemplateNode[] {
  const arg = fn.arg;
  if (arg.kind !== 'seq' || arg.items.length < min || arg.items.length > max) {
    const count = min === max ? `${min}` : `${min} to ${max}`;
    return failAt(fn, `${fn.name} takes a list of ${count} arguments, found ${describeNode(arg)}`);
  }
  return arg.items;
}

/** A literal string argument: CloudFormation does not allow functions in these places. */
function literalString(node: TemplateNode, fn: FnNode, what: string): string {
  if (node.kind === 'scalar' && typeof node.value === 'string' && node.value !== '') return node.value;
  return failAt(node, `${fn.name} needs ${what} as a literal string, found ${describeNode(node)}`);
}

function evaluateList(node: TemplateNode, scope: EvalScope, fn: FnNode, what: string): Value[] {
  const value = evaluate(node, scope);
  if (!Array.isArray(value))
    return failAt(node, `${fn.name} needs ${what} as a list, found ${describeValue(value)}`);
  return value;
}

function conditionOf(node: TemplateNode, scope: EvalScope, fn: FnNode): boolean {
  const value = evaluate(node, scope);
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  return failAt(
    node,
    `${fn.name} needs conditions (Fn::Equals, Condition, ...), found ${describeValue(value)}`,
  );
}

/** CloudFormation compares scalars by their text: `!Equals [!Ref Count, 3]` holds for "3". */
function comparable(value: Evaluated): string {
  if (value === NO_VALUE) return '\u0000NoValue';
  if (Array.isArray(value)) return JSON.stringify(value.map(comparable));
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Parses `Fn::Sub` text into literal parts and `${Name}` / `${Logical.Attribute}` references.
 * `${!Literal}` is written out as `${Literal}`.
 */
export function parseSub(text: string, at: TemplateNode): ({ text: string } | { name: string })[] {
  const parts: ({ text: string } | { name: string })[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('${', i);
    if (open < 0) {
      literal += text.slice(i);
      break;
    }
    literal += text.slice(i, open);
    const close = text.indexOf('}', open + 2);
    if (close < 0) return failAt(at, `Fn::Sub has an unclosed \${ at character ${open + 1}`);
    const inner = text.slice(open + 2, close);
    if (inner.startsWith('!')) {
      literal += `\${${inner.slice(1)}}`;
    } else {
      const name = inner.trim();
      if (name === '') return failAt(at, 'Fn::Sub has an empty ${} reference');
      if (literal !== '') parts.push({ text: literal });
      literal = '';
      parts.push({ name });
    }
    i = close + 1;
  }
  if (literal !== '') parts.push({ text: literal });
  return parts;
}

/** `Logical.Attribute` split at the first dot (attribute names may contain dots themselves). */
export function splitGetAtt(text: string): [string, string] | undefined {
  const dot = text.indexOf('.');
  if (dot <= 0 || dot === text.length - 1) return undefined;
  return [text.slice(0, dot), text.slice(dot + 1)];
}

function evaluateSub(fn: FnNode, scope: EvalScope): string {
  let template: TemplateNode = fn.arg;
  const variables = new Map<string, Value>();
  if (fn.arg.kind === 'seq') {
    const [text, vars] = argList(fn, 2, 2) as [TemplateNode, TemplateNode];
    template = text;
    if (vars.kind !== 'map')
      return failAt(vars, `Fn::Sub variables must be a map, found ${describeNode(vars)}`);
    for (const e of vars.entries) {
      const v = evaluate(e.value, scope);
      if (v === NO_VALUE) continue;
      variables.set(e.key, asString(v, e.value, `Fn::Sub variable ${e.key}`));
    }
  }
  if (template.kind !== 'scalar' || typeof template.value !== 'string') {
    return failAt(template, `Fn::Sub needs a literal string, found ${describeNode(template)}`);
  }
  let out = '';
  for (const part of parseSub(template.value, template)) {
    if ('text' in part) {
      out += part.text;
      continue;
    }
    const bound = variables.get(part.name);
    if (bound !== undefined) {
      out += asString(bound, template, `\${${part.name}}`);
      continue;
    }
    const getAtt = part.name.includes('::') ? undefined : splitGetAtt(part.name);
    const value = getAtt ? scope.getAtt(getAtt[0], getAtt[1], fn) : scope.ref(part.name, fn);
    out += asString(value, fn, `\${${part.name}}`);
  }
  return out;
}

function evaluateFn(fn: FnNode, scope: EvalScope): Evaluated {
  switch (fn.name) {
    case 'Ref':
      return scope.ref(literalString(fn.arg, fn, 'a name'), fn);
    case 'Condition':
      return scope.condition(literalString(fn.arg, fn, 'a condition name'), fn);
    case 'Fn::GetAtt': {
      if (fn.arg.kind === 'scalar') {
        const split = splitGetAtt(literalString(fn.arg, fn, 'Logical.Attribute'));
        if (!split) return failAt(fn.arg, 'Fn::GetAtt needs Logical.Attribute or [Logical, Attribute]');
        return scope.getAtt(split[0], split[1], fn);
      }
      const [id, attr] = argList(fn, 2, 2) as [TemplateNode, TemplateNode];
      const attribute = asString(evaluate(attr, scope), attr, 'Fn::GetAtt attribute');
      return scope.getAtt(literalString(id, fn, 'the logical id'), attribute, fn);
    }
    case 'Fn::Sub':
      return evaluateSub(fn, scope);
    case 'Fn::Join': {
      const [delimNode, listNode] = argList(fn, 2, 2) as [TemplateNode, TemplateNode];
      const delimiter = asString(evaluate(delimNode, scope), delimNode, 'Fn::Join delimiter');
      const items = evaluateList(listNode, scope, fn, 'the values');
      return items.map((v) => asString(v, listNode, 'each Fn::Join value')).join(delimiter);
    }
    case 'Fn::Select': {
      const [indexNode, listNode] = argList(fn, 2, 2) as [TemplateNode, TemplateNode];
      const indexText = asString(evaluate(indexNode, scope), indexNode, 'Fn::Select index');
      const list = evaluateList(listNode, scope, fn, 'the values');
      const index = /^\d+$/.test(indexText) ? Number(indexText) : NaN;
      const picked = list[index];
      if (picked === undefined) {
        return failAt(
          indexNode,
          `Fn::Select index ${indexText} is outside the list of ${list.length} values`,
        );
      }
      return picked;
    }
    case 'Fn::Split': {
      const [delimNode, textNode] = argList(fn, 2, 2) as [TemplateNode, TemplateNode];
      const delimiter = asString(evaluate(delimNode, scope), delimNode, 'Fn::Split delimiter');
      if (delimiter === '') return failAt(delimNode, 'Fn::Split delimiter must not be empty');
      return asString(evaluate(textNode, scope), textNode, 'Fn::Split source').split(delimiter);
    }
    case 'Fn::If': {
      const [nameNode, whenTrue, whenFalse] = argList(fn, 3, 3) as [TemplateNode, TemplateNode, TemplateNode];
      const chosen = scope.condition(literalString(nameNode, fn, 'a condition name'), fn)
        ? whenTrue
        : whenFalse;
      return evaluateAt(chosen, scope, undefined);
    }
    case 'Fn::Equals': {
      const [a, b] = argList(fn, 2, 2) as [TemplateNode, TemplateNode];
      return comparable(evaluate(a, scope)) === comparable(evaluate(b, scope));
    }
    case 'Fn::Not': {
      const [only] = argList(fn, 1, 1) as [TemplateNode];
      return !conditionOf(only, scope, fn);
    }
    case 'Fn::And':
      return argList(fn, 2, 10).every((c) => conditionOf(c, scope, fn));
    case 'Fn::Or':
      // Every argument is evaluated, as CloudFormation validates them all, not only up to the first true one.
      return argList(fn, 2, 10)
        .map((c) => conditionOf(c, scope, fn))
        .some(Boolean);
    case 'Fn::FindInMap': {
      const args = argList(fn, 3, 4);
      const [m, k1, k2] = args.slice(0, 3).map((a) => asString(evaluate(a, scope), a, 'Fn::FindInMap key'));
      return scope.findInMap(m as string, k1 as string, k2 as string, fn);
    }
    case 'Fn::Base64':
      return Buffer.from(asString(evaluate(fn.arg, scope), fn.arg, 'Fn::Base64 value'), 'utf8').toString(
        'base64',
      );
    case 'Fn::ImportValue':
      return scope.importValue(asString(evaluate(fn.arg, scope), fn.arg, 'Fn::ImportValue name'), fn);
    case 'Fn::GetAZs':
      return failAt(fn, 'Fn::GetAZs is not supported: credplane has no availability zones to list');
    default:
      return failAt(fn, `${fn.name} is not supported by credplane`);
  }
}

/**
 * Evaluates a node to its value. Maps drop keys whose value is `AWS::NoValue`, lists drop such
 * items; the root itself may be `NO_VALUE`.
 *
 * @example
 * evaluate(node, scope); // { RoleName: 'demo-app', MaxSessionDuration: 3600 }
 */
export function evaluate(node: TemplateNode, scope: EvalScope): Evaluated {
  return evaluateAt(node, scope, undefined);
}

/** As `evaluate`, reporting output paths (relative to `outPath`) to `scope.located`. */
export function evaluateAt(node: TemplateNode, scope: EvalScope, outPath: string | undefined): Evaluated {
  if (outPath !== undefined) scope.located?.(outPath, node);
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'seq': {
      const out: Value[] = [];
      for (const item of node.items) {
        const v = evaluateAt(item, scope, outPath === undefined ? undefined : childPath(outPath, out.length));
        if (v !== NO_VALUE) out.push(v);
      }
      return out;
    }
    case 'map': {
      const out: { [key: string]: Value } = {};
      for (const e of node.entries) {
        const v = evaluateAt(e.value, scope, outPath === undefined ? undefined : childPath(outPath, e.key));
        if (v !== NO_VALUE) out[e.key] = v;
      }
      return out;
    }
    case 'fn': {
      if (node.name === 'Fn::If' && outPath !== undefined) {
        // The chosen branch's own nodes are the better source locations for what is inside it.
        const [nameNode, t, f] = argList(node, 3, 3) as [TemplateNode, TemplateNode, TemplateNode];
        const chosen = scope.condition(literalString(nameNode, node, 'a condition name'), node) ? t : f;
        return evaluateAt(chosen, scope, outPath);
      }
      return evaluateFn(node, scope);
    }
  }
}
