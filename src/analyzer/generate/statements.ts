/** The grants as policy statements: grouped, named (Sids from services and access levels), and the kept Deny statements. */
import { sidServiceName, type ActionCatalog } from './catalog.js';
import { type CurrentStatement } from './current-statements.js';
import { compareText } from './order.js';
import type { Grants } from './grants.js';
import type { GeneratedStatement, PolicyStatementJson } from './generate.js';

const LEVEL_ORDER = ['Read', 'List', 'Write', 'Tagging', 'Permissions management'];

/**
 * Statements per grant group: unconditional groups first, then by condition block; within a
 * group, actions with identical resource lists share a statement (never a cross product of
 * different actions' resources).
 */
export async function groupStatements(grants: Grants, catalog: ActionCatalog): Promise<GeneratedStatement[]> {
  const groups = [...grants.groups.values()].sort(
    (a, b) =>
      compareText(a.conditionKey, b.conditionKey) ||
      Number(a.element !== undefined) - Number(b.element !== undefined) ||
      compareText(JSON.stringify(a.element ?? null), JSON.stringify(b.element ?? null)),
  );
  const taken = new Map<string, number>();
  const out: GeneratedStatement[] = [];
  for (const group of groups) {
    const byResources = new Map<string, { actions: string[]; resources: string[] }>();
    for (const [action, set] of group.byAction) {
      const resources = [...set].sort(compareText);
      const key = resources.join('\n');
      const entry = byResources.get(key);
      if (entry === undefined) byResources.set(key, { actions: [action], resources });
      else entry.actions.push(action);
    }
    const ordered = [...byResources.values()]
      .map((g) => ({ actions: g.actions.sort(compareText), resources: g.resources }))
      .sort(
        (a, b) =>
          compareText(a.actions[0]!, b.actions[0]!) ||
          compareText(a.resources.join('\n'), b.resources.join('\n')),
      );
    for (const entry of ordered) {
      const base = await sidFor(entry.actions, catalog);
      const n = (taken.get(base) ?? 0) + 1;
      taken.set(base, n);
      out.push({
        sid: n === 1 ? base : `${base}${n}`,
        ...entry,
        ...(group.element?.notResource === true ? { notResource: true } : {}),
        ...(group.condition === undefined ? {} : { condition: group.condition }),
      });
    }
  }
  return out;
}

/** `S3Read`, `DynamoDBReadWrite`, `KeyManagementServiceS3Read`: services then access levels. */
async function sidFor(actions: readonly string[], catalog: ActionCatalog): Promise<string> {
  const services = new Set<string>();
  const levels = new Set<string>();
  for (const action of actions) {
    const service = action.slice(0, action.indexOf(':'));
    services.add(service);
    const level = (await catalog.findAction(action))?.accessLevel;
    if (level !== undefined) levels.add(level);
  }
  let sid = '';
  for (const service of [...services].sort(compareText)) {
    sid += sidServiceName(service, (await catalog.loadService(service))?.name);
  }
  for (const level of LEVEL_ORDER) {
    if (levels.has(level)) sid += level.replace(/\s+(\w)/g, (_m, c: string) => c.toUpperCase());
  }
  return sid.replace(/[^A-Za-z0-9]/g, '') || 'Statement';
}

export function keptDenyStatements(
  current: readonly CurrentStatement[],
  generated: readonly GeneratedStatement[],
): { statements: PolicyStatementJson[]; kept: { policy: string; sid?: string }[] } {
  const sids = new Set(generated.map((s) => s.sid));
  const statements: PolicyStatementJson[] = [];
  const kept: { policy: string; sid?: string }[] = [];
  for (const statement of current) {
    if (!statement.deny) continue;
    const copy: PolicyStatementJson = { ...statement.json };
    let sid = typeof copy.Sid === 'string' && copy.Sid.length > 0 ? copy.Sid : 'KeptDeny';
    for (let n = 2; sids.has(sid); n++) sid = `${sid.replace(/\d+$/, '')}${n}`;
    sids.add(sid);
    statements.push({ Sid: sid, ...withoutSid(copy) });
    kept.push({ policy: statement.policy, sid });
  }
  return { statements, kept };
}

function withoutSid(statement: PolicyStatementJson): PolicyStatementJson {
  const { Sid: _sid, ...rest } = statement;
  return rest;
}
