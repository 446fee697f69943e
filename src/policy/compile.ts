/**
 * Compiles a parsed policy once into closures for the request path (ARCHITECTURE.md, Decisions:
 * compiled policies).
 *
 * Every pattern and condition value is precompiled; statements are indexed by lower-cased action
 * and service prefix, so evaluating `s3:GetObject` looks at the statements that can match an `s3`
 * action (plus `*`/`NotAction` ones) and never re-reads the AST or JSON.
 */
import type { PolicyDocument, PolicyType, Statement } from './ast.js';
import { compileCondition } from './conditions/index.js';
import type { ConditionTest } from './conditions/index.js';
import type { RequestContext } from './context.js';
import { MalformedPolicyDocumentError } from './errors.js';
import type { StatementRef } from './explain.js';
import { compileActionPattern, compileArnPattern, compilePrincipal } from './match.js';
import type { ActionPattern, ArnMatcher, ParsedArn, PrincipalMatcher, VariableSource } from './match.js';
import { parsePolicy } from './parse.js';
import type { ParsePolicyOptions } from './parse.js';
import { validatePolicy } from './validate.js';
import type { ValidatePolicyOptions } from './validate.js';

export interface CompilePolicyOptions {
  /** Stable identifier used in explanations (a policy ARN, `role/NAME/inline/POLICY`, ...). */
  id: string;
  /** Friendly name for messages; defaults to `id`. */
  name?: string;
  kind: PolicyType;
}

/** One statement ready to evaluate. */
export interface CompiledStatement {
  readonly ref: StatementRef;
  readonly deny: boolean;
  /** Null when the statement has no Principal/NotPrincipal (identity, SCP, boundary, session policies). */
  readonly principal: PrincipalMatcher | null;
  /** The compiled Action (or NotAction, when `actionNegated`) patterns; empty when the statement has neither. */
  readonly actions: readonly ActionPattern[];
  readonly actionNegated: boolean;
  /** True when the lower-cased action is covered by Action (or not covered by NotAction). */
  matchesAction(action: string): boolean;
  /** True when the resource is covered by Resource (or not covered by NotResource); absent element = any. */
  matchesResource(resource: ParsedArn, vars: VariableSource): boolean;
  /** All condition entries hold. */
  matchesConditions(context: RequestContext): boolean;
  /**
   * The condition keys the statement tests, as written, first occurrence of each (keys compare
   * case-insensitively): what IAM's policy simulator reports as `MissingContextValues` when the
   * caller did not supply them.
   */
  readonly conditionKeys: readonly string[];
}

/**
 * Statements that may apply to an action: `sure` ones certainly match the action (exact name or
 * `*`), `maybe` ones still need `matchesAction`. Both in document order.
 */
export interface StatementBucket {
  readonly sure: readonly CompiledStatement[];
  readonly maybe: readonly CompiledStatement[];
}

export interface CompiledPolicy {
  readonly id: string;
  readonly name: string;
  readonly kind: PolicyType;
  readonly variables: boolean;
  readonly statements: readonly CompiledStatement[];
  /** The statements worth testing for a lower-cased action and its service prefix. */
  candidates(action: string, service: string): StatementBucket;
}

/**
 * Policy kinds whose statements say whom they apply to. A statement of one of these without
 * `Principal`/`NotPrincipal` is refused rather than read as "everyone" (IAM User Guide, "AWS JSON
 * policy elements: Principal": "You must use the Principal element in resource-based policies").
 */
const PRINCIPAL_REQUIRED: ReadonlySet<PolicyType> = new Set(['resource', 'trust', 'rcp']);

/**
 * Compiles a policy document (from `parsePolicy`) for evaluation. Compile once per policy version
 * and cache the result; it is immutable and safe to share.
 *
 * Only the checks evaluation depends on are made here (a resource, trust or RCP statement without
 * a principal throws `MalformedPolicyDocumentError` `MISSING_PRINCIPAL`); `compilePolicyStrict`
 * also applies every `validatePolicy` rule for the kind.
 *
 * @example
 * const policy = compilePolicy(parsePolicy(text), { id: 'arn:aws:iam::111122223333:policy/ops', kind: 'identity' });
 * evaluate(request, { identity: [policy] });
 */
export function compilePolicy(doc: PolicyDocument, options: CompilePolicyOptions): CompiledPolicy {
  const variables = doc.version?.value === '2012-10-17';
  const name = options.name ?? options.id;
  if (PRINCIPAL_REQUIRED.has(options.kind)) {
    for (const s of doc.statements) {
      if (s.principal === undefined) throw missingPrincipal(options.kind, s.loc);
    }
  }
  const statements = doc.statements.map((s) => compileStatement(s, options, name, variables));
  const index = buildIndex(statements);
  return {
    id: options.id,
    name,
    kind: options.kind,
    variables,
    statements,
    candidates: (action, service) =>
      index.byAction.get(action) ?? index.byService.get(service) ?? index.fallback,
  };
}

/**
 * Validates `input` for its kind (`validatePolicy`), then parses and compiles it: the first ERROR
 * finding throws as `MalformedPolicyDocumentError` with the finding's code and location. Use this
 * for policies from users, so that a rule cannot be forgotten between validation and evaluation.
 *
 * @example
 * const trust = compilePolicyStrict(role.assumeRolePolicyDocument, { id: `${role.arn}/trust`, kind: 'trust' });
 */
export function compilePolicyStrict(
  input: string | object,
  options: CompilePolicyOptions &
    ParsePolicyOptions &
    Pick<ValidatePolicyOptions, 'attachment' | 'sizeQuota'>,
): CompiledPolicy {
  const { id, name, kind, ...rest } = options;
  const error = validatePolicy(input, { ...rest, policyType: kind }).find((f) => f.severity === 'ERROR');
  if (error !== undefined) throw new MalformedPolicyDocumentError(error.code, error.message, error.loc);
  return compilePolicy(parsePolicy(input, rest), { id, kind, ...(name === undefined ? {} : { name }) });
}

/** The error for a statement that must name its principal and does not. */
export function missingPrincipal(kind: PolicyType, loc: Statement['loc']): MalformedPolicyDocumentError {
  const what = kind === 'trust' ? 'role trust' : kind === 'rcp' ? 'resource control' : 'resource-based';
  return new MalformedPolicyDocumentError(
    'MISSING_PRINCIPAL',
    `Statements in a ${what} policy must contain a Principal.`,
    loc,
  );
}

function compileStatement(
  s: Statement,
  options: CompilePolicyOptions,
  name: string,
  variables: boolean,
): CompiledStatement {
  const ref: StatementRef = {
    policyId: options.id,
    policyKind: options.kind,
    statementIndex: s.index,
    effect: s.effect.value,
    loc: s.loc,
  };
  if (options.name !== undefined) ref.policyName = name;
  if (s.sid !== undefined) ref.sid = s.sid.value;

  const actions = (s.action?.values ?? []).map((v) => compileActionPattern(v.value));
  const actionNegated = s.action?.negated ?? false;
  const matchesAction = (action: string): boolean => {
    let hit = false;
    for (let i = 0; i < actions.length; i++) {
      if ((actions[i] as ActionPattern).test(action)) {
        hit = true;
        break;
      }
    }
    return hit !== actionNegated;
  };

  const resources: ArnMatcher[] | null =
    s.resource === undefined ? null : s.resource.values.map((v) => compileArnPattern(v.value, variables));
  const resourceNegated = s.resource?.negated ?? false;
  const matchesResource =
    resources === null
      ? () => true
      : (resource: ParsedArn, vars: VariableSource): boolean => {
          let hit = false;
          for (let i = 0; i < resources.length; i++) {
            if ((resources[i] as ArnMatcher)(resource, vars)) {
              hit = true;
              break;
            }
          }
          return hit !== resourceNegated;
        };

  const conditions: ConditionTest[] = s.conditions.map((c) => compileCondition(c, { variables }));
  const matchesConditions = (context: RequestContext): boolean => {
    for (let i = 0; i < conditions.length; i++) if (!(conditions[i] as ConditionTest)(context)) return false;
    return true;
  };

  const seen = new Set<string>();
  const conditionKeys: string[] = [];
  for (const c of s.conditions) {
    const lower = c.key.value.toLowerCase();
    if (!seen.has(lower)) {
      seen.add(lower);
      conditionKeys.push(c.key.value);
    }
  }

  return {
    ref,
    deny: s.effect.value === 'Deny',
    principal: s.principal === undefined ? null : compilePrincipal(s.principal),
    actions,
    actionNegated,
    matchesAction,
    matchesResource,
    matchesConditions,
    conditionKeys,
  };
}

interface StatementIndex {
  byAction: Map<string, StatementBucket>;
  byService: Map<string, StatementBucket>;
  fallback: StatementBucket;
}

function buildIndex(compiled: readonly CompiledStatement[]): StatementIndex {
  const globalSure = new Set<CompiledStatement>();
  const globalMaybe = new Set<CompiledStatement>();
  const serviceMaybe = new Map<string, Set<CompiledStatement>>();
  const exactHits = new Map<string, Set<CompiledStatement>>();
  const add = <K>(map: Map<K, Set<CompiledStatement>>, key: K, s: CompiledStatement): void => {
    let set = map.get(key);
    if (set === undefined) map.set(key, (set = new Set()));
    set.add(s);
  };

  for (const c of compiled) {
    if (c.actionNegated) {
      globalMaybe.add(c);
      continue;
    }
    for (const p of c.actions) {
      if (p.all) globalSure.add(c);
      else if (p.exact !== null) add(exactHits, p.exact, c);
      else if (p.service !== null) add(serviceMaybe, p.service, c);
      else globalMaybe.add(c); // wildcard service prefix (or a pattern that never matches)
    }
  }

  const order = (set: Iterable<CompiledStatement>): CompiledStatement[] =>
    [...set].sort((a, b) => a.ref.statementIndex - b.ref.statementIndex);
  const bucket = (sure: Set<CompiledStatement>, maybe: Iterable<CompiledStatement>): StatementBucket => {
    const rest = new Set<CompiledStatement>();
    for (const s of maybe) if (!sure.has(s)) rest.add(s);
    return { sure: order(sure), maybe: order(rest) };
  };

  const byService = new Map<string, StatementBucket>();
  const services = new Set<string>(serviceMaybe.keys());
  for (const action of exactHits.keys()) services.add(serviceOf(action));
  for (const service of services) {
    byService.set(service, bucket(globalSure, [...(serviceMaybe.get(service) ?? []), ...globalMaybe]));
  }
  const byAction = new Map<string, StatementBucket>();
  for (const [action, hits] of exactHits) {
    const sure = new Set([...globalSure, ...hits]);
    byAction.set(action, bucket(sure, [...(serviceMaybe.get(serviceOf(action)) ?? []), ...globalMaybe]));
  }
  return { byAction, byService, fallback: bucket(globalSure, globalMaybe) };
}

/** The lower-cased service prefix of a lower-cased action (`s3` for `s3:getobject`); the whole text if it has no colon. */
export function serviceOf(action: string): string {
  const colon = action.indexOf(':');
  return colon < 0 ? action : action.slice(0, colon);
}
