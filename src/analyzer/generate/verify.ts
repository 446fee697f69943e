/**
 * The safety net of policy generation: the generated policy must refuse every request the current
 * policies refuse. Checked with the policy engine itself (`evaluate`), not by comparing text, over
 * a request set drawn from both policies:
 *
 * - actions: every action the generated policy allows (its `Action` patterns expanded through the
 *   action catalogue) and every used one. No other action needs checking: the generated policy
 *   grants only actions its Allow statements name.
 * - resources: the recorded ones, variations of them (a sibling, a longer key), and instances of
 *   every `Resource`/`NotResource` pattern of both sides, plus `*`.
 * - contexts: every condition key of both sides absent, set to each of its values, to variations
 *   of them (an IP outside the range, another tenant, a longer prefix, a number and a date one
 *   step off, multivalued sets with an extra member), one key at a time and all at once; for two
 *   sessions of the role (session-scoped policy variables).
 *
 * A sample, not a proof — the construction in generate.ts is what makes the result no broader;
 * this catches any mistake in it before a policy is applied.
 */
import {
  compilePolicy,
  createRequestContext,
  evaluate,
  parsePolicy,
  principalContextKeys,
  type CompiledPolicy,
  type ContextInput,
  type DecisionKind,
  type PolicyDocument,
  type RequestPrincipal,
} from '../../policy/index.js';
import type { ActionCatalog } from './catalog.js';
import { hasWildcard } from './covers.js';
import { splitArn } from '../../iam/arn.js';

/** A request the generated policy allows and the current policies do not. */
export interface Widening {
  action: string;
  resource: string;
  context: Record<string, ContextInput>;
  session: string;
  /** What the current policies decide. */
  current: DecisionKind;
}

export interface FindWideningInput {
  /** The current identity policies. */
  current: readonly { name: string; arn?: string; document: string }[];
  /** The generated policy document (or the documents the role would have afterwards). */
  generated: string | readonly string[];
  role: { roleName: string; arn: string; accountId: string; roleId?: string };
  used: readonly { action: string; resource: string }[];
  catalog: ActionCatalog;
}

const MAX_REPORTED = 10;
const SESSIONS = ['credplane-check-a', 'credplane-check-b'];

/**
 * @example
 * const { widening } = await findWidening({ current, generated: result.text, role, used, catalog });
 * if (widening.length > 0) throw new Error('broader than the current policies');
 */
export async function findWidening(
  input: FindWideningInput,
): Promise<{ requests: number; widening: Widening[] }> {
  const generatedDocs = (typeof input.generated === 'string' ? [input.generated] : input.generated).map(
    (text) => parsePolicy(text),
  );
  const generated = generatedDocs.map((d, i) => compilePolicy(d, { id: `generated-${i}`, kind: 'identity' }));
  const currentDocs = input.current.map((p) => parsePolicy(p.document));
  const current: CompiledPolicy[] = currentDocs.map((d, i) =>
    compilePolicy(d, { id: input.current[i]!.arn ?? input.current[i]!.name, kind: 'identity' }),
  );
  const docs = [...generatedDocs, ...currentDocs];
  const actions = await requestActions(generatedDocs, input);
  const resources = requestResources(docs, input);
  const contexts = contextVariations(docs);
  const widening: Widening[] = [];
  let requests = 0;
  for (const session of SESSIONS) {
    const principal = sessionPrincipal(input.role, session);
    const base = principalContextKeys(principal);
    for (const extra of contexts) {
      const context = createRequestContext(base, extra);
      for (const action of actions) {
        for (const resource of resources) {
          requests++;
          const request = { principal, action, resource, context };
          if (evaluate(request, { identity: generated }).decision !== 'Allow') continue;
          const before = evaluate(request, { identity: current }).decision;
          if (before === 'Allow') continue;
          if (widening.length < MAX_REPORTED) {
            widening.push({ action, resource, context: extra, session, current: before });
          }
        }
      }
    }
  }
  return { requests, widening };
}

function sessionPrincipal(role: FindWideningInput['role'], session: string): RequestPrincipal {
  const roleId = role.roleId ?? 'AROACREDPLANECHECK';
  return {
    type: 'AssumedRole',
    arn: `arn:${splitArn(role.arn)?.partition ?? 'aws'}:sts::${role.accountId}:assumed-role/${role.roleName}/${session}`,
    account: role.accountId,
    roleArn: role.arn,
    roleId,
    userId: `${roleId}:${session}`,
  };
}

async function requestActions(docs: readonly PolicyDocument[], input: FindWideningInput): Promise<string[]> {
  const out = new Set<string>(input.used.map((u) => u.action.toLowerCase()));
  for (const s of docs.flatMap((d) => d.statements)) {
    if (s.effect.value !== 'Allow' || s.action === undefined) continue;
    for (const v of s.action.values) {
      if (!hasWildcard(v.value)) out.add(v.value.toLowerCase());
      else for (const a of await input.catalog.expandActionPattern(v.value)) out.add(a.toLowerCase());
    }
  }
  return [...out].sort();
}

function requestResources(docs: readonly PolicyDocument[], input: FindWideningInput): string[] {
  const out = new Set<string>(['*']);
  const userIds = SESSIONS.map((s) => `${input.role.roleId ?? 'AROACREDPLANECHECK'}:${s}`);
  const patterns: string[] = [];
  for (const doc of docs) {
    for (const s of doc.statements) for (const v of s.resource?.values ?? []) patterns.push(v.value);
  }
  for (const { resource } of input.used) {
    out.add(resource);
    if (resource === '*') continue;
    out.add(`${resource}x`);
    out.add(`${resource}/x`);
    const cut = Math.max(resource.lastIndexOf('/'), resource.lastIndexOf(':'));
    if (cut > 0) out.add(`${resource.slice(0, cut + 1)}other`);
  }
  for (const p of patterns) {
    const resolved = p.replace(/\$\{aws:userid\}/gi, userIds[0]!).replace(/\$\{[^}]*\}/g, 'x');
    for (const fill of ['x', 'x/y:z', '']) {
      out.add(resolved.replace(/[*?]/g, (c) => (c === '?' ? 'x' : fill)));
    }
  }
  return [...out].sort();
}

interface KeyFacts {
  key: string;
  multi: boolean;
  values: Set<string>;
  kinds: Set<string>;
}

/** Condition-key contexts: none; each key alone at each variation; all keys at once, round by round. */
function contextVariations(docs: readonly PolicyDocument[]): Record<string, ContextInput>[] {
  const keys = new Map<string, KeyFacts>();
  for (const doc of docs) {
    for (const s of doc.statements) {
      for (const c of s.conditions) {
        const lower = c.key.value.toLowerCase();
        let facts = keys.get(lower);
        if (facts === undefined) {
          keys.set(lower, (facts = { key: c.key.value, multi: false, values: new Set(), kinds: new Set() }));
        }
        if (c.operator.set !== undefined) facts.multi = true;
        facts.kinds.add(c.operator.base);
        for (const v of c.values) facts.values.add(v.value);
      }
    }
  }
  const variants = new Map<string, ContextInput[]>();
  for (const facts of keys.values()) variants.set(facts.key, keyVariants(facts));
  const out: Record<string, ContextInput>[] = [{}];
  for (const [key, list] of variants) for (const v of list) out.push({ [key]: v });
  const rounds = Math.max(0, ...[...variants.values()].map((l) => l.length));
  for (let i = 0; i < rounds && variants.size > 1; i++) {
    const all: Record<string, ContextInput> = {};
    for (const [key, list] of variants) all[key] = list[i % list.length]!;
    out.push(all);
  }
  return out;
}

function keyVariants(facts: KeyFacts): ContextInput[] {
  const singles = new Set<string>(['other']);
  for (const raw of facts.values) {
    const v = raw.replace(/\$\{[^}]*\}/g, 'x');
    for (const fill of ['x', '']) singles.add(v.replace(/[*?]/g, (c) => (c === '?' ? 'x' : fill)));
    singles.add(`${v.replace(/[*?]/g, 'x')}x`);
    singles.add(`other-${v.replace(/[*?]/g, 'x')}`);
    if (facts.kinds.has('IpAddress') || facts.kinds.has('NotIpAddress')) singles.add(v.split('/')[0]!);
    const n = Number(v);
    if (v !== '' && Number.isFinite(n)) {
      singles.add(String(n + 1));
      singles.add(String(n - 1));
    }
    const ms = Date.parse(v);
    if (Number.isFinite(ms) && Number.isNaN(n)) {
      singles.add(new Date(ms + 86_400_000).toISOString());
      singles.add(new Date(ms - 86_400_000).toISOString());
    }
  }
  if (facts.kinds.has('IpAddress') || facts.kinds.has('NotIpAddress')) {
    for (const ip of ['203.0.113.250', '198.51.100.7', '2001:db8::99']) singles.add(ip);
  }
  if (facts.kinds.has('Bool') || facts.kinds.has('Null')) {
    singles.add('true');
    singles.add('false');
  }
  const list: ContextInput[] = [...singles].sort();
  if (facts.multi) {
    const values = [...singles].sort();
    list.push([]);
    for (const v of values) {
      list.push([v]);
      list.push([v, 'other']);
    }
    if (values.length > 1) list.push(values.slice(0, 2));
  }
  return list;
}
