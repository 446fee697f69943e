/** The catalogue's dependent actions of what was granted, each within what a current statement grants. */
import type { ActionCatalog } from './catalog.js';
import { resourcePatternCovers } from './covers.js';
import { matchesAction, type CurrentStatement } from './current-statements.js';
import { compareText } from './order.js';
import { covers, type Grants } from './grants.js';
import type { DependentAction } from './generate.js';

export async function addDependentActions(
  grants: Grants,
  allows: readonly CurrentStatement[],
  catalog: ActionCatalog,
  accountId: string,
  partition: string,
  notes: string[],
): Promise<DependentAction[]> {
  const requiredBy = new Map<string, Set<string>>();
  for (const action of grants.actions()) {
    const entry = await catalog.findAction(action);
    if (entry === undefined) continue;
    const names = [...entry.dependentActions, ...entry.resourceTypes.flatMap((r) => r.dependentActions)];
    for (const name of names) {
      const dependency = await catalog.findAction(name);
      const spelled = dependency?.action ?? name;
      if (dependency === undefined) {
        notes.push(`${action} depends on ${name}, which the catalogue does not know: not added`);
        continue;
      }
      let set = requiredBy.get(spelled);
      if (set === undefined) requiredBy.set(spelled, (set = new Set()));
      set.add(action);
    }
  }
  const out: DependentAction[] = [];
  for (const [action, by] of [...requiredBy].sort(([a], [b]) => compareText(a, b))) {
    if (grants.has(action)) continue; // already used: its observed resources stand
    const entry = (await catalog.findAction(action))!;
    const templates = entry.isWildcardOnly
      ? ['*']
      : await templateResources(action, catalog, accountId, partition);
    const needed = `${action} (needed by ${[...by].join(', ')})`;
    if (templates.length === 0) {
      notes.push(`${needed} has no resource format in the catalogue: not added`);
      continue;
    }
    const template = templates[0]!;
    // Within the template and within what a current statement grants: the template itself when the
    // statement covers it, else the statement's own resources that lie inside the template.
    for (const statement of allows) {
      if (!matchesAction(statement, action)) continue;
      if (covers(statement, template)) grants.add(statement, action, [template]);
      else if (statement.resourceElement === 'Resource' && !statement.resourceVariables) {
        const inside = statement.resources.filter((p) => resourcePatternCovers(template, p));
        if (inside.length > 0) grants.add(statement, action, inside);
      }
    }
    if (!grants.has(action)) {
      notes.push(`${needed} is not granted by the current policies within ${template}: not added`);
      continue;
    }
    out.push({ action, requiredBy: [...by].sort(compareText), resources: grants.resources(action) });
  }
  return out;
}

/** The ARN format of the action's (first required) resource type, account filled, the rest `*`. */
async function templateResources(
  action: string,
  catalog: ActionCatalog,
  accountId: string,
  partition: string,
): Promise<string[]> {
  const entry = (await catalog.findAction(action))!;
  const type = entry.resourceTypes.find((r) => r.required) ?? entry.resourceTypes[0];
  if (type === undefined) return [];
  const service = await catalog.loadService(entry.service);
  const format = service?.resourceTypes.get(type.name.toLowerCase())?.arn;
  if (format === undefined) return [];
  const arn = format.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
    if (name === 'Partition') return partition;
    if (name === 'Account') return accountId;
    return '*';
  });
  return [arn];
}
