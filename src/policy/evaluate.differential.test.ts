/**
 * Differential property test: the compiled evaluator against a small, independent reference
 * evaluator written the naive way (raw JSON objects, a fresh regular expression per comparison, no
 * index, no AST). Random policy sets and requests are drawn from small alphabets so that matches
 * and mismatches are both frequent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PolicyType } from './ast.js';
import { compilePolicy } from './compile.js';
import { createRequestContext } from './context.js';
import type { RequestPrincipal } from './context.js';
import { evaluate } from './evaluate.js';
import { parsePolicy } from './parse.js';

// ------------------------------------------------------------------------------------------------
// The reference evaluator

type Json = Record<string, unknown>;
type Ctx = Record<string, string | string[]>;

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const globRe = (pattern: string, flags = ''): RegExp =>
  new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : escapeRe(c)))
      .join('')}$`,
    `s${flags}`,
  );
const list = (v: unknown): string[] =>
  v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [v as string];
const ctxGet = (ctx: Ctx, key: string): string | string[] | undefined => {
  const k = Object.keys(ctx).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : ctx[k];
};

function refAction(pattern: string, action: string): boolean {
  if (pattern.includes(',') || pattern.trim() !== pattern) return false;
  return globRe(pattern, 'i').test(action);
}

/** Resource pattern with `${aws:username}` substituted (literal), matched per segment. */
function refResource(pattern: string, resource: string, ctx: Ctx, version: string): boolean {
  if (pattern === '*') return true;
  let re = pattern;
  let literalValue: string | undefined;
  if (version === '2012-10-17' && pattern.includes('${aws:username}')) {
    const v = ctxGet(ctx, 'aws:username');
    if (typeof v !== 'string') return false;
    literalValue = v;
    re = pattern.replace('${aws:username}', '\u0000');
  }
  const ps = re.split(':');
  const rs = resource.split(':');
  if (ps.length < 6 || rs.length < 6) return false;
  for (let i = 0; i < 5; i++) if (!globRe(ps[i] as string, 'i').test(rs[i] as string)) return false;
  const pRes = ps.slice(5).join(':');
  const rRes = rs.slice(5).join(':');
  const body = pRes
    .split('')
    .map((c) =>
      c === '\u0000' ? escapeRe(literalValue ?? '') : c === '*' ? '.*' : c === '?' ? '.' : escapeRe(c),
    )
    .join('');
  return new RegExp(`^${body}$`, 's').test(rRes);
}

function refCompare(op: string, ctxValue: string, policyValue: string): boolean {
  switch (op) {
    case 'StringEquals':
    case 'StringNotEquals':
      return ctxValue === policyValue;
    case 'StringLike':
    case 'StringNotLike':
      return globRe(policyValue).test(ctxValue);
    case 'NumericLessThan':
      return Number(ctxValue) < Number(policyValue);
    case 'Bool':
      return ctxValue.toLowerCase() === policyValue.toLowerCase();
    default:
      throw new Error(op);
  }
}

function refCondition(opText: string, key: string, values: string[], ctx: Ctx): boolean {
  let op = opText;
  let set: string | undefined;
  if (op.includes(':')) [set, op] = op.split(':') as [string, string];
  const ifExists = op.endsWith('IfExists');
  if (ifExists) op = op.slice(0, -'IfExists'.length);
  const negated = op.includes('Not');
  const perValue = (v: string): boolean => {
    const any = values.some((p) => refCompare(op, v, p));
    return negated ? !any : any;
  };
  const raw = ctxGet(ctx, key);
  if (set === 'ForAllValues') return raw === undefined || list(raw).every(perValue);
  if (set === 'ForAnyValue')
    return raw === undefined || list(raw).length === 0 ? ifExists : list(raw).some(perValue);
  if (raw === undefined) return ifExists || negated;
  if (Array.isArray(raw)) return false;
  return perValue(raw);
}

/** ALLOW=1, DENY=2 for one policy. */
function refPolicy(doc: Json, action: string, resource: string, ctx: Ctx): number {
  let flags = 0;
  for (const s of list(doc.Statement as never) as unknown as Json[]) {
    const actionHit = list(s.Action ?? s.NotAction).some((p) => refAction(p, action));
    if (actionHit !== (s.Action !== undefined)) continue;
    const resHit = list(s.Resource ?? s.NotResource).some((p) =>
      refResource(p, resource, ctx, doc.Version as string),
    );
    if (resHit !== (s.Resource !== undefined)) continue;
    const cond = (s.Condition ?? {}) as Record<string, Record<string, string | string[]>>;
    const condOk = Object.entries(cond).every(([op, keys]) =>
      Object.entries(keys).every(([k, v]) => refCondition(op, k, list(v), ctx)),
    );
    if (!condOk) continue;
    flags |= s.Effect === 'Deny' ? 2 : 1;
  }
  return flags;
}

interface RefSet {
  identity: Json[];
  boundary?: Json;
  session?: Json[];
  scp?: Json[][];
}

function refEvaluate(set: RefSet, action: string, resource: string, ctx: Ctx): string {
  const f = (docs: Json[]): number => docs.reduce((acc, d) => acc | refPolicy(d, action, resource, ctx), 0);
  const identity = f(set.identity);
  const boundary = set.boundary === undefined ? 1 : f([set.boundary]);
  const session = set.session === undefined ? 1 : f(set.session);
  const scps = (set.scp ?? []).map(f);
  if ([identity, boundary, session, ...scps].some((x) => (x & 2) !== 0)) return 'ExplicitDeny';
  if ([identity, boundary, session, ...scps].every((x) => (x & 1) !== 0)) return 'Allow';
  return 'ImplicitDeny';
}

// ------------------------------------------------------------------------------------------------
// Generators

const ACTIONS = ['s3:GetObject', 's3:PutObject', 'ec2:RunInstances', 'iam:ListUsers', 'sqs:SendMessage'];
const ACTION_PATTERNS = [
  's3:GetObject',
  'S3:getobject',
  's3:Get*',
  's3:*',
  '*',
  'ec2:Run*',
  's3:?etObject',
  '*:*Object',
  'iam:List*',
  's3:GetObject,s3:PutObject',
  'sqs:SendMessage',
];
const RESOURCES = [
  'arn:aws:s3:::b/a.txt',
  'arn:aws:s3:::b/alice/x',
  'arn:aws:s3:::c/d:e',
  'arn:aws:ec2:us-east-1:111122223333:instance/i-1',
  '*',
];
const RESOURCE_PATTERNS = [
  '*',
  'arn:aws:s3:::b/*',
  'arn:aws:s3:::b/a*',
  'arn:aws:s3:::B/*',
  'arn:aws:s3:::b/${aws:username}/*',
  'arn:aws:ec2:*:111122223333:instance/*',
  'arn:aws:ec2:*:*:*',
  'arn:aws:s3:::c/*',
  'arn:aws:s3:::?/*',
  'arn:*:s3:::*',
];
const CONDITIONS: Json[] = [
  { StringEquals: { 'aws:username': 'alice' } },
  { StringNotEquals: { 'aws:username': ['alice', 'bob'] } },
  { StringLike: { 'aws:username': 'a*' } },
  { StringEqualsIfExists: { 'aws:PrincipalTag/team': 'red' } },
  { NumericLessThan: { 'ec2:RoleDelivery': '2.0' } },
  { Bool: { 'aws:SecureTransport': 'true' } },
  { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team'] } },
  { 'ForAnyValue:StringLike': { 'aws:TagKeys': ['t*'] } },
  { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': 'env' } },
  { StringNotLike: { 'aws:TagKeys': 'x' } },
  { StringEquals: { 'AWS:USERNAME': 'alice' }, StringLikeIfExists: { 'aws:principaltag/TEAM': 'r?d' } },
];

const statement = fc.record({
  effect: fc.constantFrom('Allow', 'Allow', 'Allow', 'Allow', 'Allow', 'Deny'),
  notAction: fc.boolean(),
  actions: fc.uniqueArray(fc.constantFrom(...ACTION_PATTERNS), { minLength: 1, maxLength: 3 }),
  notResource: fc.boolean(),
  resources: fc.uniqueArray(fc.constantFrom(...RESOURCE_PATTERNS), { minLength: 1, maxLength: 2 }),
  condition: fc.option(fc.constantFrom(...CONDITIONS), { nil: undefined, freq: 2 }),
});
const doc = fc
  .record({
    version: fc.constantFrom('2012-10-17', '2008-10-17'),
    statements: fc.array(statement, { minLength: 1, maxLength: 4 }),
  })
  .map(({ version, statements }) => ({
    Version: version,
    Statement: statements.map((s) => ({
      Effect: s.effect,
      [s.notAction ? 'NotAction' : 'Action']: s.actions,
      [s.notResource ? 'NotResource' : 'Resource']: s.resources,
      ...(s.condition === undefined ? {} : { Condition: s.condition }),
    })),
  }));
const context = fc.record(
  {
    'aws:username': fc.constantFrom('alice', 'bob', 'a*', 'al'),
    'aws:PrincipalTag/team': fc.constantFrom('red', 'rod', 'blue'),
    'ec2:RoleDelivery': fc.constantFrom('1.0', '2.0', '2'),
    'aws:SecureTransport': fc.constantFrom('true', 'false', 'TRUE'),
    'aws:TagKeys': fc.uniqueArray(fc.constantFrom('env', 'team', 'x'), { maxLength: 3 }),
  },
  { requiredKeys: [] },
);
const policySet = fc.record({
  identity: fc.array(doc, { minLength: 1, maxLength: 3 }),
  boundary: fc.option(doc, { nil: undefined, freq: 3 }),
  session: fc.option(fc.array(doc, { maxLength: 2 }), { nil: undefined, freq: 3 }),
  scp: fc.option(fc.array(fc.array(doc, { maxLength: 2 }), { maxLength: 2 }), { nil: undefined, freq: 3 }),
});

const principal: RequestPrincipal = {
  type: 'AssumedRole',
  arn: 'arn:aws:sts::111122223333:assumed-role/app/s',
  roleArn: 'arn:aws:iam::111122223333:role/app',
  account: '111122223333',
};

describe('differential: compiled evaluator vs naive reference evaluator', () => {
  it('agree on random policy sets and requests', () => {
    const seen: Record<string, number> = { Allow: 0, ImplicitDeny: 0, ExplicitDeny: 0 };
    fc.assert(
      fc.property(
        policySet,
        fc.constantFrom(...ACTIONS),
        fc.constantFrom(...RESOURCES),
        context,
        (set, action, resource, ctx) => {
          const compile = (d: Json, kind: PolicyType): ReturnType<typeof compilePolicy> =>
            compilePolicy(parsePolicy(d), { id: kind, kind });
          const compiled = {
            identity: set.identity.map((d) => compile(d, 'identity')),
            ...(set.boundary === undefined ? {} : { boundary: compile(set.boundary, 'boundary') }),
            ...(set.session === undefined ? {} : { session: set.session.map((d) => compile(d, 'session')) }),
            ...(set.scp === undefined
              ? {}
              : { scp: set.scp.map((level) => level.map((d) => compile(d, 'scp'))) }),
          };
          const got = evaluate(
            { principal, action, resource, context: createRequestContext(ctx) },
            compiled,
          ).decision;
          const want = refEvaluate(set as RefSet, action, resource, ctx as Ctx);
          expect(got).toBe(want);
          seen[got] = (seen[got] ?? 0) + 1;
        },
      ),
      { numRuns: 1500 },
    );
    // The generators must exercise every outcome, or agreement would mean little.
    for (const outcome of Object.keys(seen)) expect(seen[outcome]).toBeGreaterThan(50);
  });
});

// ------------------------------------------------------------------------------------------------
// Same-account resource-based policies: how the principal a grant names decides which implicit
// denies still apply (IAM User Guide, "Policy evaluation for requests within a single account").

const ROLE_ARN = principal.roleArn as string;
/** Principal forms, and whether each names the caller: 'self' | 'role' | 'account' | null. */
const PRINCIPAL_FORMS: [unknown, 'self' | 'role' | 'account' | null][] = [
  [{ AWS: principal.arn }, 'self'],
  [{ AWS: ROLE_ARN }, 'role'],
  [{ AWS: '111122223333' }, 'account'],
  [{ AWS: 'arn:aws:iam::111122223333:root' }, 'account'],
  ['*', 'self'],
  [{ AWS: '*' }, 'self'],
  [{ AWS: 'arn:aws:iam::111122223333:role/other' }, null],
  [{ AWS: '444455556666' }, null],
];
const PRINCIPAL_ARN_CONDITIONS: (Json | undefined)[] = [
  undefined,
  { ArnEquals: { 'aws:PrincipalArn': ROLE_ARN } },
  { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/*' } },
  { ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/other' } },
];

interface RefResourceStatement {
  effect: 'Allow' | 'Deny';
  /** Index into PRINCIPAL_FORMS. */
  form: number;
  /** NotPrincipal instead of Principal (Allow only; a string form has no NotPrincipal twin). */
  not: boolean;
  condition: number;
  actions: string[];
}

/** The grant strength (3 self, 2 role, 1 account) and Deny flag of a resource policy. */
function refResourceGrant(
  statements: RefResourceStatement[],
  action: string,
): { strength: number; deny: boolean } {
  let strength = 0;
  let deny = false;
  for (const s of statements) {
    if (!s.actions.some((p) => refAction(p, action))) continue;
    const condition = PRINCIPAL_ARN_CONDITIONS[s.condition];
    if (condition !== undefined) {
      const [op, keys] = Object.entries(condition)[0] as [string, Record<string, string>];
      const pattern = keys['aws:PrincipalArn'] as string;
      const hit = op === 'ArnEquals' ? pattern === ROLE_ARN : globRe(pattern).test(ROLE_ARN);
      if (!hit) continue;
    }
    const names = PRINCIPAL_FORMS[s.form]![1];
    // Allow + NotPrincipal: everyone except those named in any form; the rest as if by "*".
    const level = s.not
      ? names === null
        ? 3
        : 0
      : names === 'self'
        ? 3
        : names === 'role'
          ? 2
          : names === 'account'
            ? 1
            : 0;
    if (level === 0) continue;
    if (s.effect === 'Deny') deny = true;
    else strength = Math.max(strength, level);
  }
  return { strength, deny };
}

const resourceStatement = fc
  .record({
    effect: fc.constantFrom('Allow', 'Allow', 'Allow', 'Deny') as fc.Arbitrary<'Allow' | 'Deny'>,
    form: fc.nat({ max: PRINCIPAL_FORMS.length - 1 }),
    not: fc.boolean(),
    condition: fc.nat({ max: PRINCIPAL_ARN_CONDITIONS.length - 1 }),
    actions: fc.uniqueArray(fc.constantFrom(...ACTION_PATTERNS), { minLength: 1, maxLength: 2 }),
  })
  .map((s) => ({
    ...s,
    not: s.not && s.effect === 'Allow' && typeof PRINCIPAL_FORMS[s.form]![0] !== 'string',
  }));

describe('differential: same-account resource-based grants by principal form', () => {
  it('agree with the documented table on random resource policies, boundaries and session policies', () => {
    const seen: Record<string, number> = { Allow: 0, ImplicitDeny: 0, ExplicitDeny: 0 };
    const none: Ctx = {};
    fc.assert(
      fc.property(
        fc.array(resourceStatement, { minLength: 1, maxLength: 3 }),
        fc.array(doc, { maxLength: 1 }),
        fc.option(doc, { nil: undefined, freq: 2 }),
        fc.option(fc.array(doc, { minLength: 1, maxLength: 1 }), { nil: undefined, freq: 2 }),
        fc.constantFrom(...ACTIONS),
        (statements, identityDocs, boundaryDoc, sessionDocs, action) => {
          const resourceDoc = {
            Version: '2012-10-17',
            Statement: statements.map((s) => ({
              Effect: s.effect,
              [s.not ? 'NotPrincipal' : 'Principal']: PRINCIPAL_FORMS[s.form]![0],
              Action: s.actions,
              Resource: '*',
              ...(PRINCIPAL_ARN_CONDITIONS[s.condition] === undefined
                ? {}
                : { Condition: PRINCIPAL_ARN_CONDITIONS[s.condition] }),
            })),
          };
          const compile = (d: Json, kind: PolicyType): ReturnType<typeof compilePolicy> =>
            compilePolicy(parsePolicy(d), { id: kind, kind });
          const got = evaluate(
            {
              principal,
              action,
              resource: 'arn:aws:s3:::b/a.txt',
              resourceAccount: '111122223333',
              context: createRequestContext({ 'aws:PrincipalArn': ROLE_ARN }),
            },
            {
              identity: identityDocs.map((d) => compile(d, 'identity')),
              ...(boundaryDoc === undefined ? {} : { boundary: compile(boundaryDoc, 'boundary') }),
              ...(sessionDocs === undefined
                ? {}
                : { session: sessionDocs.map((d) => compile(d, 'session')) }),
              resource: compile(resourceDoc, 'resource'),
            },
          ).decision;

          const res = 'arn:aws:s3:::b/a.txt';
          const identity = identityDocs.reduce((acc, d) => acc | refPolicy(d, action, res, none), 0);
          const boundary = boundaryDoc === undefined ? 1 : refPolicy(boundaryDoc, action, res, none);
          const session =
            sessionDocs === undefined
              ? 1
              : sessionDocs.reduce((acc, d) => acc | refPolicy(d, action, res, none), 0);
          const grant = refResourceGrant(statements, action);
          let want: string;
          if (grant.deny || ((identity | boundary | session) & 2) !== 0) want = 'ExplicitDeny';
          else if (grant.strength === 3) want = 'Allow';
          else if (grant.strength === 2) want = (boundary & session & 1) !== 0 ? 'Allow' : 'ImplicitDeny';
          else want = (identity & boundary & session & 1) !== 0 ? 'Allow' : 'ImplicitDeny';
          expect(got).toBe(want);
          seen[got] = (seen[got] ?? 0) + 1;
        },
      ),
      { numRuns: 1500 },
    );
    for (const outcome of Object.keys(seen)) expect(seen[outcome]).toBeGreaterThan(50);
  });
});
