/**
 * The role's current permission policies, statement by statement, as policy generation needs them:
 * the JSON to carry over (conditions, resource elements, Deny statements) next to the policy
 * engine's compiled form of the same statement, which decides whether it grants an action on a
 * resource. Generation never reads grants from the text itself.
 */
import { AwsError } from '../../errors.js';
import {
  compilePolicy,
  createRequestContext,
  parseArnValue,
  parsePolicy,
  type CompiledPolicy,
  type CompiledStatement,
} from '../../policy/index.js';
import type { CurrentPolicy } from './generate.js';

export interface CurrentStatement {
  /** The policy it is in: inline by name, managed by ARN. */
  policy: string;
  /** The statement as JSON, with text made to mean the same under Version 2012-10-17 (see below). */
  json: Record<string, unknown>;
  compiled: CompiledStatement;
  deny: boolean;
  /** `Resource`, `NotResource`, or neither (no resource element: matches every resource). */
  resourceElement: 'Resource' | 'NotResource' | undefined;
  resources: string[];
  /** The resource element holds a policy variable: what it matches depends on the request. */
  resourceVariables: boolean;
  /** The Condition block (absent: none), and a canonical text of it to group statements by. */
  condition: Record<string, unknown> | undefined;
  conditionKey: string;
}

const NO_VARIABLES = createRequestContext();

/**
 * Reads every current policy. A policy that cannot be read stops generation: its Deny statements
 * could not be kept and its grants not bounded, so anything generated could be broader.
 *
 * @example
 * const statements = readCurrentStatements(rolePermissions.policies);
 */
export function readCurrentStatements(current: readonly CurrentPolicy[]): CurrentStatement[] {
  const statements: CurrentStatement[] = [];
  for (const policy of current) {
    const label = policy.arn ?? policy.name;
    let policyCompiled: CompiledPolicy;
    let list: Record<string, unknown>[];
    let version2012: boolean;
    try {
      policyCompiled = compilePolicy(parsePolicy(policy.document), { id: label, kind: 'identity' });
      const parsed = JSON.parse(policy.document) as { Statement?: unknown; Version?: unknown };
      const raw = parsed.Statement;
      list = (Array.isArray(raw) ? raw : [raw]) as Record<string, unknown>[];
      version2012 = parsed.Version === '2012-10-17';
    } catch (error) {
      throw new AwsError(
        'MalformedPolicyDocument',
        `current policy ${label} cannot be read (${(error as Error).message}): nothing generated, ` +
          'since a policy generated without it could be broader',
      );
    }
    for (const c of policyCompiled.statements) {
      const json = version2012 ? list[c.ref.statementIndex]! : literalVariables(list[c.ref.statementIndex]!);
      const element = 'Resource' in json ? 'Resource' : 'NotResource' in json ? 'NotResource' : undefined;
      const resources = element === undefined ? [] : toList(json[element]);
      const condition = json.Condition as Record<string, unknown> | undefined;
      statements.push({
        policy: label,
        json,
        compiled: c,
        deny: c.deny,
        resourceElement: element,
        resources,
        resourceVariables: version2012 && resources.some((r) => r.includes('${')),
        condition,
        conditionKey: condition === undefined ? '' : canonicalJson(condition),
      });
    }
  }
  return statements;
}

/** Whether the statement matches the action (lower-cased or not), whatever the resource. */
export function matchesAction(statement: CurrentStatement, action: string): boolean {
  return statement.compiled.matchesAction(action.toLowerCase());
}

/**
 * Whether the statement's resource element matches one recorded resource, conditions aside.
 * A resource element with policy variables matches depending on who asks: counted as matching
 * (the caller carries such an element over as it is, which stays within the statement).
 */
export function matchesResource(statement: CurrentStatement, resource: string): boolean {
  if (statement.resourceVariables) return true;
  return statement.compiled.matchesResource(parseArnValue(resource), NO_VARIABLES);
}

function toList(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

/**
 * Under Version 2008-10-17 (or none) `${...}` is literal text; the generated policy is
 * 2012-10-17, where it would be a policy variable. `${$}` is the escape for a literal `$` (IAM
 * User Guide, "IAM policy elements: Variables and tags", special characters), so the carried-over
 * text keeps its meaning.
 */
function literalVariables(statement: Record<string, unknown>): Record<string, unknown> {
  const escape = (value: unknown): unknown => {
    if (typeof value === 'string') return value.replaceAll('${', '${$}{');
    if (Array.isArray(value)) return value.map(escape);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escape(v)]));
    }
    return value;
  };
  const out: Record<string, unknown> = { ...statement };
  for (const key of ['Resource', 'NotResource', 'Condition']) {
    if (key in out) out[key] = escape(out[key]);
  }
  return out;
}

/** JSON with object keys sorted at every level: equal condition blocks give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
