/**
 * Template `Parameters`: declarations, the values the user supplies, defaults and constraints.
 *
 * Values are kept as CloudFormation keeps them: `Ref` of a `Number` parameter is its text, a list
 * type is a list of texts. A `NoEcho` value is never written into an error message; the caller
 * also gets the list of such values so that it can scrub anything built later.
 */
import { TemplateError, type TemplateIssue } from './errors.js';
import { childPath, entry, type MapNode, type TemplateNode } from './node.js';

/** A value the user passes for a parameter (`--parameter Env=prod`, or from code). */
export type ParameterInput = string | number | boolean | readonly (string | number)[];

export interface ResolvedParameter {
  name: string;
  type: string;
  value: string | string[];
  noEcho: boolean;
  /** True when the value came from `Default`. */
  usedDefault: boolean;
}

const PARAMETER_KEYS = new Set([
  'Type',
  'Default',
  'AllowedValues',
  'AllowedPattern',
  'ConstraintDescription',
  'Description',
  'MaxLength',
  'MinLength',
  'MaxValue',
  'MinValue',
  'NoEcho',
]);

/** CloudFormation's own limit on parameters per template. */
const MAX_PARAMETERS = 200;
const NUMBER_RE = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

type Kind = 'string' | 'number' | 'list' | 'number-list';

function kindOf(type: string): Kind | undefined {
  if (type === 'String') return 'string';
  if (type === 'Number') return 'number';
  if (type === 'CommaDelimitedList') return 'list';
  if (type === 'List<Number>') return 'number-list';
  if (type.startsWith('AWS::SSM::Parameter::Value<')) return undefined;
  if (type === 'AWS::SSM::Parameter::Name') return 'string';
  // AWS-specific types (AWS::EC2::KeyPair::KeyName, List<AWS::EC2::Subnet::Id>, ...) are their
  // text: credplane has no EC2 inventory to check them against.
  if (/^List<AWS::[A-Za-z0-9]+::[A-Za-z0-9:]+>$/.test(type)) return 'list';
  if (/^AWS::[A-Za-z0-9]+::[A-Za-z0-9:]+$/.test(type)) return 'string';
  return undefined;
}

function scalarText(node: TemplateNode): string | undefined {
  if (node.kind !== 'scalar' || node.value === null) return undefined;
  return String(node.value);
}

function at(node: TemplateNode, name: string, message: string): TemplateIssue {
  return { path: node.path, logicalId: name, message, ...(node.position ? { position: node.position } : {}) };
}

function toText(input: ParameterInput): string {
  return Array.isArray(input) ? input.map(String).join(',') : String(input);
}

interface Declaration {
  name: string;
  node: MapNode;
  type: string;
  kind: Kind;
  noEcho: boolean;
  defaultText?: string;
  allowedValues?: string[];
  allowedPattern?: RegExp;
  patternText?: string;
  constraintDescription?: string;
  minLength?: number;
  maxLength?: number;
  minValue?: number;
  maxValue?: number;
}

function readNumber(decl: MapNode, key: string, name: string, issues: TemplateIssue[]): number | undefined {
  const e = entry(decl, key);
  if (!e) return undefined;
  const text = scalarText(e.value);
  if (text === undefined || !NUMBER_RE.test(text)) {
    issues.push(at(e.value, name, `${key} must be a number`));
    return undefined;
  }
  return Number(text);
}

function readDeclaration(name: string, node: TemplateNode, issues: TemplateIssue[]): Declaration | undefined {
  if (node.kind !== 'map') {
    issues.push(at(node, name, 'a parameter must be a map with a Type'));
    return undefined;
  }
  for (const e of node.entries) {
    if (!PARAMETER_KEYS.has(e.key)) {
      const where = e.keyPosition ? { position: e.keyPosition } : {};
      issues.push({
        path: childPath(node.path, e.key),
        logicalId: name,
        message: `unsupported parameter property ${e.key}`,
        ...where,
      });
    }
  }
  const typeEntry = entry(node, 'Type');
  const type = typeEntry ? scalarText(typeEntry.value) : undefined;
  if (!typeEntry || type === undefined) {
    issues.push(at(node, name, 'Type is required'));
    return undefined;
  }
  const kind = kindOf(type);
  if (kind === undefined) {
    const why = type.startsWith('AWS::SSM::') ? ': credplane does not read SSM parameters' : '';
    issues.push(at(typeEntry.value, name, `unsupported parameter type ${type}${why}`));
    return undefined;
  }
  const noEchoText = entry(node, 'NoEcho') ? scalarText(entry(node, 'NoEcho')!.value) : undefined;
  const decl: Declaration = { name, node, type, kind, noEcho: noEchoText === 'true' };
  const def = entry(node, 'Default');
  if (def) {
    if (def.value.kind === 'seq') {
      decl.defaultText = def.value.items.map((i) => scalarText(i) ?? '').join(',');
    } else {
      const text = scalarText(def.value);
      if (text === undefined) issues.push(at(def.value, name, 'Default must be a string or number'));
      else decl.defaultText = text;
    }
  }
  const allowed = entry(node, 'AllowedValues');
  if (allowed) {
    if (allowed.value.kind !== 'seq') issues.push(at(allowed.value, name, 'AllowedValues must be a list'));
    else decl.allowedValues = allowed.value.items.map((i) => scalarText(i) ?? '');
  }
  const pattern = entry(node, 'AllowedPattern');
  if (pattern) {
    const text = scalarText(pattern.value);
    try {
      if (text === undefined) throw new Error('not text');
      // CloudFormation matches the whole value (Java `matches`), hence the anchors.
      decl.allowedPattern = new RegExp(`^(?:${text})$`, 'u');
      decl.patternText = text;
    } catch {
      issues.push(at(pattern.value, name, 'AllowedPattern is not a valid regular expression'));
    }
  }
  const description = entry(node, 'ConstraintDescription');
  if (description) decl.constraintDescription = scalarText(description.value) ?? '';
  const minLength = readNumber(node, 'MinLength', name, issues);
  const maxLength = readNumber(node, 'MaxLength', name, issues);
  const minValue = readNumber(node, 'MinValue', name, issues);
  const maxValue = readNumber(node, 'MaxValue', name, issues);
  if (minLength !== undefined) decl.minLength = minLength;
  if (maxLength !== undefined) decl.maxLength = maxLength;
  if (minValue !== undefined) decl.minValue = minValue;
  if (maxValue !== undefined) decl.maxValue = maxValue;
  return decl;
}

/** Checks one value (or one list member) against the declaration; returns the broken rule or undefined. */
function violation(decl: Declaration, value: string): string | undefined {
  const shown = decl.noEcho ? '' : ` (got '${value.length > 64 ? `${value.slice(0, 64)}...` : value}')`;
  const numeric = decl.kind === 'number' || decl.kind === 'number-list';
  if (numeric && !NUMBER_RE.test(value.trim())) return `must be a number${shown}`;
  if (decl.allowedValues && !decl.allowedValues.includes(value))
    return `must be one of AllowedValues${shown}`;
  const constraint = (rule: string): string =>
    `failed to satisfy constraint: ${decl.constraintDescription ?? rule}${shown}`;
  if (decl.allowedPattern && !decl.allowedPattern.test(value)) {
    return constraint(`must match pattern ${decl.patternText ?? ''}`);
  }
  if (decl.minLength !== undefined && value.length < decl.minLength) {
    return constraint(`length must be at least ${decl.minLength}`);
  }
  if (decl.maxLength !== undefined && value.length > decl.maxLength) {
    return constraint(`length must be at most ${decl.maxLength}`);
  }
  if (numeric && decl.minValue !== undefined && Number(value) < decl.minValue) {
    return constraint(`must be at least ${decl.minValue}`);
  }
  if (numeric && decl.maxValue !== undefined && Number(value) > decl.maxValue) {
    return constraint(`must be at most ${decl.maxValue}`);
  }
  return undefined;
}

function shape(decl: Declaration, text: string): string | string[] {
  if (decl.kind === 'string' || decl.kind === 'number') return text;
  // List members are space-trimmed, as CloudFormation documents for CommaDelimitedList.
  return text === '' ? [] : text.split(',').map((s) => s.trim());
}

/**
 * Resolves every declared parameter from the supplied values and defaults, checking constraints.
 * Throws one `TemplateError` listing every problem.
 *
 * @example
 * const params = resolveParameters(section, { Env: 'prod' });
 * params.get('Env')?.value; // 'prod'
 */
export function resolveParameters(
  section: TemplateNode | undefined,
  supplied: Readonly<Record<string, ParameterInput>>,
): Map<string, ResolvedParameter> {
  const issues: TemplateIssue[] = [];
  const result = new Map<string, ResolvedParameter>();
  const declared = new Set<string>();
  if (section !== undefined && section.kind !== 'map') {
    throw new TemplateError([at(section, 'Parameters', 'Parameters must be a map')]);
  }
  const entries = section?.kind === 'map' ? section.entries : [];
  if (entries.length > MAX_PARAMETERS) {
    throw new TemplateError([at(section as MapNode, 'Parameters', `more than ${MAX_PARAMETERS} parameters`)]);
  }
  const missing: string[] = [];
  for (const e of entries) {
    declared.add(e.key);
    const decl = readDeclaration(e.key, e.value, issues);
    if (!decl) continue;
    const input = Object.prototype.hasOwnProperty.call(supplied, e.key) ? supplied[e.key] : undefined;
    const text = input !== undefined ? toText(input) : decl.defaultText;
    if (text === undefined) {
      missing.push(e.key);
      continue;
    }
    const value = shape(decl, text);
    const broken = (Array.isArray(value) ? value : [value]).map((v) => violation(decl, v)).find(Boolean);
    if (broken) {
      issues.push(at(e.value, e.key, `Parameter '${e.key}' ${broken}`));
      continue;
    }
    result.set(e.key, {
      name: e.key,
      type: decl.type,
      value,
      noEcho: decl.noEcho,
      usedDefault: input === undefined,
    });
  }
  const unknown = Object.keys(supplied).filter((k) => !declared.has(k));
  if (unknown.length > 0) {
    issues.push({
      path: 'Parameters',
      message: `Parameters: [${unknown.join(', ')}] do not exist in the template`,
    });
  }
  if (missing.length > 0) {
    const where = section
      ? { path: section.path, ...(section.position ? { position: section.position } : {}) }
      : { path: 'Parameters' };
    issues.push({ ...where, message: `Parameters: [${missing.join(', ')}] must have values` });
  }
  if (issues.length > 0) throw new TemplateError(issues);
  return result;
}

/** Every NoEcho value, for scrubbing messages. */
export function secretValues(params: ReadonlyMap<string, ResolvedParameter>): string[] {
  return [...params.values()]
    .filter((p) => p.noEcho)
    .flatMap((p) => (Array.isArray(p.value) ? p.value : [p.value]));
}
