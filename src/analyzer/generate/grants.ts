/**
 * What the current statements grant of what the role did: each access kept only through a current
 * Allow that covers it, grouped by that statement's condition block (see `generate.ts`).
 */
import { hasWildcard, resourcePatternCovers } from './covers.js';
import { matchesResource, type CurrentStatement } from './current-statements.js';
import { generaliseResources } from './resources.js';
import { compareText } from './order.js';

/**
 * Whether the current statement's resource element matches every resource `resource` stands for
 * (one ARN, or a pattern in the generated policy). Exact ARNs are decided by the engine; patterns
 * only by provable containment in a plain `Resource` element without policy variables.
 */
export function covers(statement: CurrentStatement, resource: string): boolean {
  if (statement.resourceVariables) return false;
  if (statement.resourceElement === undefined) return true;
  if (!hasWildcard(resource)) return matchesResource(statement, resource);
  if (statement.resourceElement === 'NotResource') return false;
  return statement.resources.some((p) => resourcePatternCovers(p, resource));
}

/**
 * The resources to grant for what one current statement granted: folded prefixes when the
 * statement covers them, else the exact ARNs, else (`null`) the statement's own resource element.
 */
export function narrowed(
  statement: CurrentStatement,
  granted: readonly string[],
  fold: { prefixThreshold: number | undefined },
): string[] | null {
  const folded = generaliseResources(granted, fold);
  if (folded.every((r) => covers(statement, r))) return folded;
  if (granted.every((r) => covers(statement, r))) return [...granted];
  return null;
}

/** Grants by condition block (and, for carried-over resource elements, by that element). */
interface GrantGroup {
  conditionKey: string;
  condition: Record<string, unknown> | undefined;
  /** A resource element carried over as it is (then every action of the group shares it). */
  element?: { notResource: boolean; resources: string[] };
  byAction: Map<string, Set<string>>;
}

export class Grants {
  readonly groups = new Map<string, GrantGroup>();

  /** `resources` null: the statement's own resource element. */
  add(statement: CurrentStatement, action: string, resources: readonly string[] | null): void {
    const element =
      resources === null
        ? {
            notResource: statement.resourceElement === 'NotResource',
            resources:
              statement.resourceElement === undefined ? ['*'] : [...statement.resources].sort(compareText),
          }
        : undefined;
    const key = `${statement.conditionKey}\u0000${element === undefined ? '' : JSON.stringify(element)}`;
    let group = this.groups.get(key);
    if (group === undefined) {
      group = {
        conditionKey: statement.conditionKey,
        condition: statement.condition,
        ...(element === undefined ? {} : { element }),
        byAction: new Map(),
      };
      this.groups.set(key, group);
    }
    let set = group.byAction.get(action);
    if (set === undefined) group.byAction.set(action, (set = new Set()));
    for (const r of resources ?? group.element!.resources) set.add(r);
  }

  has(action: string): boolean {
    for (const g of this.groups.values()) if (g.byAction.has(action)) return true;
    return false;
  }

  /** The resources granted for an action in narrowed groups. */
  resources(action: string): string[] {
    const out = new Set<string>();
    for (const g of this.groups.values()) {
      if (g.element === undefined) for (const r of g.byAction.get(action) ?? []) out.add(r);
    }
    return [...out].sort(compareText);
  }

  actions(): string[] {
    const out = new Set<string>();
    for (const g of this.groups.values()) for (const a of g.byAction.keys()) out.add(a);
    return [...out].sort(compareText);
  }
}
