/**
 * Wildcard matching for the `Action`, `Resource` and `Principal` elements and the `*Like`/`Arn*`
 * condition operators (IAM User Guide, IAM JSON policy elements: Action, Resource).
 *
 * Patterns are compiled once into closures. The matcher never uses a backtracking regex: `*`
 * patterns are matched chunk by chunk (leftmost match of each `*`-free chunk, which is optimal for
 * globs), so a hostile pattern such as `*a*a*a*a*b` is O(pattern × subject), never exponential.
 * `?` matches exactly one UTF-16 code unit.
 */
import type { PrincipalBlock } from './ast.js';
import type { RequestPrincipal } from './context.js';
import { parseVariableTemplate, resolveTemplate } from './variables.js';
import type { ResolvedPart, TemplateSegment } from './variables.js';

/** A compiled glob: true when the whole subject matches. */
export type GlobMatcher = (subject: string) => boolean;

interface Chunk {
  text: string;
  /** `wild[i]` is 1 where the pattern had `?` (any one unit); null when the chunk has none. */
  wild: Uint8Array | null;
}

const NEVER: GlobMatcher = () => false;
const ALWAYS: GlobMatcher = () => true;

/**
 * Compiles a glob from parts; `literal` parts (resolved policy variables, `${*}` escapes) never act
 * as wildcards. With `ignoreCase` the pattern is lower-cased and the caller must lower-case subjects.
 *
 * @example
 * compileGlob([{ text: 'home/', literal: false }, { text: 'a*b', literal: true }, { text: '/*', literal: false }])('home/a*b/x'); // true
 */
export function compileGlob(parts: readonly ResolvedPart[], ignoreCase = false): GlobMatcher {
  const chunks: Chunk[] = [];
  let text = '';
  let wild: number[] | null = null;
  const closeChunk = (): void => {
    chunks.push({ text, wild: wild === null ? null : Uint8Array.from(wild) });
    text = '';
    wild = null;
  };
  for (const part of parts) {
    const t = ignoreCase ? part.text.toLowerCase() : part.text;
    if (part.literal) {
      if (wild !== null) for (let i = 0; i < t.length; i++) (wild as number[]).push(0);
      text += t;
      continue;
    }
    for (let i = 0; i < t.length; i++) {
      const c = t[i] as string;
      if (c === '*') {
        closeChunk();
      } else if (c === '?') {
        if (wild === null) wild = new Array<number>(text.length).fill(0);
        wild.push(1);
        text += '?';
      } else {
        if (wild !== null) wild.push(0);
        text += c;
      }
    }
  }
  closeChunk();
  return matcherFor(chunks);
}

/** Compiles a glob written as plain pattern text (`*` and `?` are wildcards). */
export function compileGlobText(pattern: string, ignoreCase = false): GlobMatcher {
  return compileGlob([{ text: pattern, literal: false }], ignoreCase);
}

function matcherFor(chunks: readonly Chunk[]): GlobMatcher {
  const n = chunks.length;
  const first = chunks[0] as Chunk;
  const last = chunks[n - 1] as Chunk;
  if (n === 1) {
    if (first.wild === null) {
      const exact = first.text;
      return (s) => s === exact;
    }
    return (s) => s.length === first.text.length && chunkAt(first, s, 0);
  }
  if (n === 2 && first.text === '' && last.text === '') return ALWAYS;
  const simple = chunks.every((c) => c.wild === null);
  if (n === 2 && simple) {
    const a = first.text;
    const b = last.text;
    if (b === '') return (s) => s.startsWith(a);
    if (a === '') return (s) => s.endsWith(b);
    const min = a.length + b.length;
    return (s) => s.length >= min && s.startsWith(a) && s.endsWith(b);
  }
  let minLength = 0;
  for (const c of chunks) minLength += c.text.length;
  return (s) => {
    if (s.length < minLength) return false;
    if (!chunkAt(first, s, 0)) return false;
    const end = s.length - last.text.length;
    if (!chunkAt(last, s, end)) return false;
    let pos = first.text.length;
    for (let i = 1; i < n - 1; i++) {
      const c = chunks[i] as Chunk;
      const at = findChunk(c, s, pos, end);
      if (at < 0) return false;
      pos = at + c.text.length;
    }
    return true;
  };
}

function chunkAt(c: Chunk, s: string, pos: number): boolean {
  const wild = c.wild;
  if (wild === null) return s.startsWith(c.text, pos);
  const t = c.text;
  if (pos + t.length > s.length) return false;
  for (let i = 0; i < t.length; i++) {
    if (wild[i] === 0 && t.charCodeAt(i) !== s.charCodeAt(pos + i)) return false;
  }
  return true;
}

/** Leftmost position ≥ `from` where `c` matches and ends at or before `limit`; -1 if none. */
function findChunk(c: Chunk, s: string, from: number, limit: number): number {
  const len = c.text.length;
  if (c.wild === null) {
    const at = s.indexOf(c.text, from);
    return at >= 0 && at + len <= limit ? at : -1;
  }
  for (let at = from; at + len <= limit; at++) if (chunkAt(c, s, at)) return at;
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Actions

/** A compiled `Action`/`NotAction` pattern. */
export interface ActionPattern {
  /** The lower-cased service prefix when it has no wildcard (`s3` for `s3:Get*`); null otherwise. */
  service: string | null;
  /** The lower-cased action when the pattern has no wildcard at all (it then matches only that action). */
  exact: string | null;
  /** Matches every action (`"*"`). */
  all: boolean;
  /** Matches a lower-cased action name (`s3:getobject`). */
  test: GlobMatcher;
}

/**
 * Compiles an action pattern: case-insensitive, `*` and `?` anywhere. A pattern containing a comma
 * or surrounding whitespace never matches anything (and so always "does not match" under
 * NotAction) — AWS treats `"s3:GetObject, s3:PutObject"` as one unknown action name.
 *
 * @example
 * compileActionPattern('S3:Get*').test('s3:getobject'); // true
 */
export function compileActionPattern(pattern: string): ActionPattern {
  if (pattern.includes(',') || pattern !== pattern.trim() || pattern === '') {
    return { service: null, exact: null, all: false, test: NEVER };
  }
  const lower = pattern.toLowerCase();
  if (lower === '*') return { service: null, exact: null, all: true, test: ALWAYS };
  const colon = lower.indexOf(':');
  const prefix = colon < 0 ? null : lower.slice(0, colon);
  const service = prefix !== null && !/[*?]/.test(prefix) ? prefix : null;
  const exact = /[*?]/.test(lower) ? null : lower;
  return { service, exact, all: false, test: compileGlobText(lower) };
}

// ---------------------------------------------------------------------------------------------
// ARNs

/**
 * An ARN split for matching: the first five segments (`arn`, partition, service, region, account)
 * lower-cased, and the resource part as written. `isArn` is false for text with fewer than six
 * colon-separated segments (such as the `*` resource of actions without a resource type). The
 * per-segment split is made only when a pattern with wildcards in its head asks for it.
 */
export class ParsedArn {
  /** `arn:aws:s3::` style head: the five lower-cased segments joined with `:` (empty when not an ARN). */
  readonly head: string;
  /** The resource part (after the fifth colon); empty when not an ARN. */
  readonly resource: string;
  readonly isArn: boolean;
  private split: readonly string[] | undefined;

  constructor(readonly text: string) {
    let pos = -1;
    for (let i = 0; i < 5; i++) {
      pos = text.indexOf(':', pos + 1);
      if (pos < 0) break;
    }
    this.isArn = pos >= 0;
    this.head = this.isArn ? text.slice(0, pos).toLowerCase() : '';
    this.resource = this.isArn ? text.slice(pos + 1) : '';
  }

  /** The five lower-cased head segments (empty when not an ARN). */
  get segments(): readonly string[] {
    return (this.split ??= this.isArn ? this.head.split(':') : []);
  }
}

/**
 * Splits a request resource or an ARN-valued context key for matching.
 *
 * @example
 * const arn = parseArnValue('arn:aws:s3:::bucket/a:b');
 * arn.segments; // ['arn', 'aws', 's3', '', '']
 * arn.resource; // 'bucket/a:b'
 */
export function parseArnValue(text: string): ParsedArn {
  return new ParsedArn(text);
}

/** Where policy variables get their values: the request context (`RequestContext.variable`). */
export interface VariableSource {
  /** The single value of `key` (any case), or `undefined` when the request has none. */
  variable(key: string): string | undefined;
}

/** A compiled ARN pattern; `vars` resolves policy variables (no value → the pattern matches nothing). */
export type ArnMatcher = (arn: ParsedArn, vars: VariableSource) => boolean;

/**
 * Compiles an ARN pattern (a `Resource` entry or an `Arn*` condition value). Matching is segment by
 * segment: a `*` in the partition, service, region or account segment cannot cross `:`; the
 * resource part may contain `:` and `/`. Head segments compare case-insensitively (**UNVERIFIED**
 * for AWS; as iam-simulate does), the resource part case-sensitively. `"*"` matches everything. A
 * malformed `arn:` pattern (fewer than six segments) matches nothing; any other non-ARN pattern is
 * matched against the whole text. With `variables` (policy Version 2012-10-17) `${key}` is
 * resolved from the request and the resolved text is literal.
 *
 * @example
 * const m = compileArnPattern('arn:aws:s3:::docs/${aws:username}/*', true);
 * m(parseArnValue('arn:aws:s3:::docs/alice/x'), createRequestContext({ 'aws:username': 'alice' })); // true
 */
export function compileArnPattern(pattern: string, variables: boolean): ArnMatcher {
  if (pattern === '*') return () => true;
  const template: TemplateSegment[] =
    variables && pattern.includes('${')
      ? parseVariableTemplate(pattern).segments
      : [{ kind: 'text', text: pattern }];
  const pieces = splitTemplate(template);
  if (pieces === null) {
    // `arn:` with fewer than six segments is a malformed ARN: it names nothing (a wildcard in it
    // must not stand in for missing segments).
    if (/^arn:/i.test(pattern)) return () => false;
    const whole = compileTemplate(template, false);
    return (arn, vars) => whole(arn.text, vars);
  }
  const headMatchers = pieces.slice(0, 5).map((p) => compileTemplate(p, true));
  const resource = compileTemplate(pieces[5] as TemplateSegment[], false);
  const staticHead = pieces.slice(0, 5).every(isPlainLiteral)
    ? pieces
        .slice(0, 5)
        .map((p) => (p.length === 0 ? '' : (p[0] as { text: string }).text.toLowerCase()))
        .join(':')
    : null;
  if (staticHead !== null) {
    return (arn, vars) => arn.isArn && arn.head === staticHead && resource(arn.resource, vars);
  }
  return (arn, vars) => {
    if (!arn.isArn) return false;
    const segs = arn.segments;
    for (let i = 0; i < 5; i++) {
      if (!(headMatchers[i] as TemplateMatcher)(segs[i] as string, vars)) return false;
    }
    return resource(arn.resource, vars);
  };
}

export type TemplateMatcher = (subject: string, vars: VariableSource) => boolean;

function isPlainLiteral(segments: readonly TemplateSegment[]): boolean {
  if (segments.length === 0) return true;
  if (segments.length > 1) return false;
  const s = segments[0] as TemplateSegment;
  return s.kind === 'text' && !/[*?]/.test(s.text);
}

/**
 * Splits a template at its first five colons (only colons written in the policy text count — a
 * colon inside a variable or its resolved value never splits). `null` if there are fewer than five.
 */
function splitTemplate(template: readonly TemplateSegment[]): TemplateSegment[][] | null {
  const pieces: TemplateSegment[][] = [[]];
  for (const seg of template) {
    if (seg.kind !== 'text' || pieces.length === 6) {
      (pieces[pieces.length - 1] as TemplateSegment[]).push(seg);
      continue;
    }
    let rest = seg.text;
    let colon = rest.indexOf(':');
    while (colon >= 0 && pieces.length < 6) {
      if (colon > 0)
        (pieces[pieces.length - 1] as TemplateSegment[]).push({ kind: 'text', text: rest.slice(0, colon) });
      pieces.push([]);
      rest = rest.slice(colon + 1);
      colon = rest.indexOf(':');
    }
    if (rest !== '') (pieces[pieces.length - 1] as TemplateSegment[]).push({ kind: 'text', text: rest });
  }
  return pieces.length === 6 ? pieces : null;
}

/**
 * A glob over a template: compiled once when it has no variables. With variables it is compiled
 * per distinct set of resolved values; values repeat (a team tag, a user name), so compiled globs
 * are cached in a bounded map that simply starts over when full.
 */
export function compileTemplate(template: readonly TemplateSegment[], ignoreCase: boolean): TemplateMatcher {
  if (!template.some((s) => s.kind === 'variable')) {
    const parts = resolveTemplate(template, () => undefined) as ResolvedPart[];
    const glob = compileGlob(parts, ignoreCase);
    if (!ignoreCase) return (s) => glob(s);
    return (s) => glob(s.toLowerCase());
  }
  const variables = template
    .filter((t): t is Extract<TemplateSegment, { kind: 'variable' }> => t.kind === 'variable')
    .map((t) => ({ key: t.key.toLowerCase(), default: t.default }));
  const cache = new Map<string, GlobMatcher>();
  return (s, vars) => {
    let key = '';
    for (let i = 0; i < variables.length; i++) {
      const v = variables[i] as { key: string; default?: string };
      const value = vars.variable(v.key) ?? v.default;
      if (value === undefined) return false;
      key = i === 0 ? value : `${key}\u0000${value}`;
    }
    let glob = cache.get(key);
    if (glob === undefined) {
      const parts = resolveTemplate(template, (k) => vars.variable(k)) as ResolvedPart[];
      glob = compileGlob(parts, ignoreCase);
      if (cache.size >= TEMPLATE_CACHE_SIZE) cache.clear();
      cache.set(key, glob);
    }
    return glob(ignoreCase ? s.toLowerCase() : s);
  };
}

const TEMPLATE_CACHE_SIZE = 256;

// ---------------------------------------------------------------------------------------------
// Principals

/**
 * How strongly a resource-based policy statement names the caller (IAM User Guide, Policy
 * evaluation logic: resource-based policies in the same account):
 * - `0` not named;
 * - `1` only through its account (`"AWS": "ACCT"` / `arn:aws:iam::ACCT:root`): the account delegates
 *   to its identity policies, which must allow too;
 * - `2` through the identity behind a session (role ARN for a role session, IAM user ARN for a
 *   GetFederationToken session): no identity-policy Allow needed, but boundary and session policy
 *   still limit it;
 * - `3` the caller itself (IAM user ARN, role-session ARN, federated-user session ARN, a service or
 *   web-identity provider, or the wildcard `*`): the statement grants on its own.
 */
export type PrincipalStrength = 0 | 1 | 2 | 3;

/** A compiled `Principal`/`NotPrincipal` block. */
export interface PrincipalMatcher {
  negated: boolean;
  /** Strength with which `Principal` names the caller (for `NotPrincipal`: see `excludes`). */
  strength(p: RequestPrincipal): PrincipalStrength;
  /**
   * For `NotPrincipal`: true when the caller is fully listed and so exempt. AWS requires every
   * layer of the caller's identity to be listed: the account and the user ARN; for a role session
   * the account, the role and the session ARN (NotPrincipal element reference).
   */
  excludes(p: RequestPrincipal): boolean;
}

const ACCOUNT_ID = /^\d{12}$/;
const ROOT_ARN = /^arn:[^:]+:iam::(\d{12}):root$/;

/**
 * Compiles a principal block.
 *
 * @example
 * const m = compilePrincipal(statement.principal!);
 * m.strength({ type: 'User', arn: 'arn:aws:iam::111122223333:user/alice', account: '111122223333' });
 */
export function compilePrincipal(block: PrincipalBlock): PrincipalMatcher {
  let anyone = block.wildcard;
  const accounts = new Set<string>();
  const ids = new Set<string>();
  const services = new Set<string>();
  const federated = new Set<string>();
  const canonical = new Set<string>();
  for (const entry of block.entries) {
    for (const { value } of entry.values) {
      switch (entry.type) {
        case 'AWS': {
          if (value === '*') {
            anyone = true;
            break;
          }
          const root = ROOT_ARN.exec(value);
          if (ACCOUNT_ID.test(value)) accounts.add(value);
          else if (root !== null) accounts.add(root[1] as string);
          else ids.add(value);
          break;
        }
        case 'Service':
          services.add(value.toLowerCase());
          break;
        case 'Federated':
          federated.add(value.toLowerCase());
          break;
        case 'CanonicalUser':
          canonical.add(value);
          break;
      }
    }
  }
  const has = (set: ReadonlySet<string>, v: string | undefined): boolean => v !== undefined && set.has(v);
  const roleIdOf = (p: RequestPrincipal): string | undefined => {
    if (p.roleId !== undefined) return p.roleId;
    const colon = p.userId?.indexOf(':') ?? -1;
    return colon > 0 ? p.userId?.slice(0, colon) : undefined;
  };
  const federatedNamed = (p: RequestPrincipal): boolean => {
    const provider = p.federatedProvider?.toLowerCase();
    if (provider === undefined) return false;
    if (federated.has(provider)) return true;
    // An OIDC provider ARN and its host name both name the provider.
    const marker = provider.indexOf(':oidc-provider/');
    if (marker >= 0) return federated.has(provider.slice(marker + ':oidc-provider/'.length));
    for (const f of federated) {
      const at = f.indexOf(':oidc-provider/');
      if (at >= 0 && f.slice(at + ':oidc-provider/'.length) === provider) return true;
    }
    return false;
  };

  const strength = (p: RequestPrincipal): PrincipalStrength => {
    if (anyone) return wildcardStrength(p);
    switch (p.type) {
      case 'User':
        if (has(ids, p.arn) || has(ids, p.userId)) return 3;
        return has(accounts, p.account) ? 1 : 0;
      case 'AssumedRole':
        if (has(ids, p.arn) || has(ids, p.userId)) return 3;
        if (has(ids, p.roleArn) || has(ids, roleIdOf(p))) return 2;
        return has(accounts, p.account) ? 1 : 0;
      case 'FederatedUser':
        if (has(ids, p.arn)) return 3;
        if (has(ids, p.sourceUserArn) || has(ids, p.sourceUserId)) return 2;
        return has(accounts, p.account) ? 1 : 0;
      case 'Root':
        return has(accounts, p.account) || has(ids, p.arn) ? 1 : 0;
      case 'Service':
        return p.service !== undefined && services.has(p.service.toLowerCase()) ? 3 : 0;
      case 'WebIdentity':
        return federatedNamed(p) ? 3 : 0;
      case 'Anonymous':
        return has(canonical, p.canonicalUser) ? 3 : 0;
    }
  };

  const excludes = (p: RequestPrincipal): boolean => {
    if (anyone) return true;
    switch (p.type) {
      case 'User':
        return has(accounts, p.account) && (has(ids, p.arn) || has(ids, p.userId));
      case 'AssumedRole':
        return (
          has(accounts, p.account) &&
          (has(ids, p.roleArn) || has(ids, roleIdOf(p))) &&
          (has(ids, p.arn) || has(ids, p.userId))
        );
      case 'FederatedUser':
        return has(accounts, p.account) && has(ids, p.arn);
      case 'Root':
        return has(accounts, p.account);
      case 'Service':
        return p.service !== undefined && services.has(p.service.toLowerCase());
      case 'WebIdentity':
        return federatedNamed(p);
      case 'Anonymous':
        return has(canonical, p.canonicalUser);
    }
  };

  return { negated: block.negated, strength, excludes };
}

/**
 * `"Principal": "*"` (and `{"AWS": "*"}`, and an `Allow` + `NotPrincipal` that does not name the
 * caller) names every caller directly, sessions included. The IAM User Guide ("Policy evaluation
 * for requests within a single account", and "AWS JSON policy elements: Principal", IAM role
 * principals): "Permissions boundaries and session policies do not limit permissions granted using
 * the aws:PrincipalArn condition key with a wildcard(*) in the Principal element, unless the
 * identity-based policies contain an explicit deny." An explicit deny wins anyway (step 1), so the
 * grant has the strength of one naming the caller itself; the condition only narrows who matches.
 */
export function wildcardStrength(_p: RequestPrincipal): PrincipalStrength {
  return 3;
}
