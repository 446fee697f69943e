/**
 * The catalogue actions a role's identity policies grant: every Allow statement's `Action`
 * patterns expanded against the action catalogue (`NotAction`: every catalogue action the
 * patterns do not match), minus the actions an unconditional `Deny` on every resource removes,
 * intersected with what the permissions boundary grants when one is attached.
 *
 * Conditional Allows count as granted (the permission exists; its use is what the log shows).
 * Resources do not narrow the set: an action granted on one bucket is granted.
 */
import { expandActionPattern } from '../../catalog/iam-actions.js';
import { compileActionPattern, parsePolicy } from '../../policy/index.js';
import type { PolicyDocument, Statement } from '../../policy/index.js';
import type { NamedPolicy } from '../data.js';

let everyAction: Promise<string[]> | undefined;

function allActions(): Promise<string[]> {
  everyAction ??= expandActionPattern('*');
  return everyAction;
}

async function expandStatement(s: Statement): Promise<string[]> {
  if (s.action === undefined) return [];
  const patterns = s.action.values.map((v) => v.value);
  if (!s.action.negated) {
    const out: string[] = [];
    for (const p of patterns) out.push(...(await expandActionPattern(p)));
    return out;
  }
  const excluded = patterns.map((p) => compileActionPattern(p));
  return (await allActions()).filter((a) => !excluded.some((p) => p.test(a.toLowerCase())));
}

/** A Deny that applies whatever the request: no condition, on every resource. */
function isUnconditionalDenyOnAll(s: Statement): boolean {
  if (s.effect.value !== 'Deny' || s.conditions.length > 0) return false;
  const r = s.resource;
  return r === undefined || (!r.negated && r.values.some((v) => v.value === '*'));
}

function parseOrSkip(text: string): PolicyDocument | undefined {
  try {
    return parsePolicy(text);
  } catch {
    return undefined;
  }
}

/** Allowed minus unconditionally denied, by lower-cased action, in catalogue spelling. */
async function grantedBy(policies: readonly NamedPolicy[]): Promise<Map<string, string>> {
  const granted = new Map<string, string>();
  const denied = new Set<string>();
  for (const policy of policies) {
    const doc = parseOrSkip(policy.document);
    if (doc === undefined) continue;
    for (const s of doc.statements) {
      if (s.effect.value === 'Allow') {
        for (const a of await expandStatement(s)) granted.set(a.toLowerCase(), a);
      } else if (isUnconditionalDenyOnAll(s)) {
        for (const a of await expandStatement(s)) denied.add(a.toLowerCase());
      }
    }
  }
  for (const a of denied) granted.delete(a);
  return granted;
}

/**
 * The actions the role may use, sorted, in the catalogue's spelling.
 *
 * @example
 * await grantedActions([{ name: 'r/p', source: 'inline', document: '{"Statement":{"Effect":"Allow","Action":"sqs:Send*","Resource":"*"}}' }]);
 * // ['sqs:SendMessage']
 */
export async function grantedActions(
  identityPolicies: readonly NamedPolicy[],
  boundary?: NamedPolicy,
): Promise<string[]> {
  const granted = await grantedBy(identityPolicies);
  if (boundary !== undefined) {
    const limit = await grantedBy([boundary]);
    for (const key of [...granted.keys()]) if (!limit.has(key)) granted.delete(key);
  }
  return [...granted.values()].sort();
}

/** `s3` of `s3:GetObject`, lower-cased. */
export function serviceOf(action: string): string {
  return action.slice(0, action.indexOf(':')).toLowerCase();
}
