/**
 * The access graph's "grants" edges: what each principal's identity policies give it, as nodes for
 * actions (or whole services beyond a bound, or one `*` node beyond a bound of services) and the
 * resources named. Drawn from the Allow statements; a concrete action (no wildcard) counts only
 * when the engine allows it on the statement's resource (wildcards filled), so a grant a Deny or
 * the boundary takes away is not drawn. Action patterns (`s3:Get*`) are drawn as written.
 *
 * Bounded for the console: an account of 1,000 roles with `ReadOnlyAccess` attached would otherwise
 * draw a few hundred thousand edges, and probing each of its actions per role costs seconds. When
 * collapsed, a service is kept once any of its actions is confirmed (the first usually is).
 */
import type { GraphEdge, GraphNode } from '../../console/contract.js';
import { principalDecision } from './decide.js';
import type { EscalationPrincipal } from './principals.js';
import { instantiate } from './run-code.js';

export const DEFAULT_MAX_ACTIONS = 25;
export const DEFAULT_MAX_SERVICES = 25;
export const DEFAULT_MAX_RESOURCES = 25;
/** At most this many actions are listed on one grants edge; `because` says how many there were. */
export const MAX_EDGE_ACTIONS = 50;

export interface GrantOptions {
  /** Beyond this many distinct actions a principal's grants are drawn per service. */
  maxActions?: number;
  /** Beyond this many services, one `service:*` node stands for them all. */
  maxServices?: number;
  /** Beyond this many resources, only the first are drawn. */
  maxResources?: number;
}

export interface GrantGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

interface Pair {
  action: string;
  resource: string;
}

function serviceOf(action: string): string {
  const colon = action.indexOf(':');
  return colon < 0 ? '*' : action.slice(0, colon).toLowerCase();
}

const isPattern = (action: string): boolean => /[*?]/.test(action);

/** Every (action, resource) an Allow statement names; `NotAction` counts as `*`. */
function named(p: EscalationPrincipal): Pair[] {
  const out: Pair[] = [];
  for (const doc of p.documents) {
    for (const s of doc.statements) {
      if (s.effect.value !== 'Allow' || s.action === undefined) continue;
      const actions = s.action.negated ? ['*'] : s.action.values.map((v) => v.value);
      const resources =
        s.resource === undefined || s.resource.negated ? ['*'] : s.resource.values.map((v) => v.value);
      for (const action of actions) for (const resource of resources) out.push({ action, resource });
    }
  }
  return out;
}

/**
 * The grant nodes and edges of one principal (node ids `action:…`, `service:…`, `resource:…` are
 * shared between principals; the caller de-duplicates nodes).
 *
 * @example
 * const { nodes, edges } = grantGraph(principal, { maxActions: 25 });
 */
export function grantGraph(p: EscalationPrincipal, options: GrantOptions = {}): GrantGraph {
  const maxActions = options.maxActions ?? DEFAULT_MAX_ACTIONS;
  const maxServices = options.maxServices ?? DEFAULT_MAX_SERVICES;
  const maxResources = options.maxResources ?? DEFAULT_MAX_RESOURCES;
  const decided = new Map<string, boolean>();
  /** Whether the engine confirms the pair (patterns and unfillable resources are taken as written). */
  const confirmed = ({ action, resource }: Pair): boolean => {
    if (isPattern(action)) return true;
    const probe = resource === '*' ? '*' : instantiate(resource, p.accountId);
    if (probe === undefined) return true;
    const key = `${action}\u0000${probe}`;
    let yes = decided.get(key);
    if (yes === undefined) {
      yes = principalDecision(p, action, probe).decision === 'Allow';
      decided.set(key, yes);
    }
    return yes;
  };

  const pairs = named(p);
  const targets = new Map<string, { node: GraphNode; actions: Set<string> }>();
  const add = (node: GraphNode, actions: Iterable<string>): void => {
    const entry = targets.get(node.id) ?? { node, actions: new Set<string>() };
    for (const a of actions) entry.actions.add(a);
    targets.set(node.id, entry);
  };

  const distinct = new Set(pairs.map((g) => g.action));
  if (distinct.size <= maxActions) {
    for (const g of pairs) {
      if (confirmed(g))
        add({ id: `action:${g.action.toLowerCase()}`, kind: 'action', label: g.action }, [g.action]);
    }
  } else {
    const byService = new Map<string, Pair[]>();
    for (const g of pairs) {
      const list = byService.get(serviceOf(g.action)) ?? [];
      list.push(g);
      byService.set(serviceOf(g.action), list);
    }
    const kept: [string, Pair[]][] = [];
    for (const [service, list] of byService) if (list.some(confirmed)) kept.push([service, list]);
    const all = kept.length > maxServices;
    for (const [service, list] of kept) {
      const id = all ? '*' : service;
      add(
        { id: `service:${id}`, kind: 'service', label: id },
        list.map((g) => g.action),
      );
    }
  }

  const resources = [...new Set(pairs.filter((g) => g.resource !== '*').map((g) => g.resource))].slice(
    0,
    maxResources,
  );
  const shown = new Set(resources);
  for (const g of pairs) {
    if (!shown.has(g.resource) || !confirmed(g)) continue;
    add({ id: `resource:${g.resource}`, kind: 'resource', label: g.resource }, [g.action]);
  }

  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  for (const { node, actions } of targets.values()) {
    nodes.push(node);
    const list = [...actions];
    edges.push({
      id: `grants:${p.arn}->${node.id}`,
      source: p.arn,
      target: node.id,
      kind: 'grants',
      actions: list.slice(0, MAX_EDGE_ACTIONS),
      ...(list.length > MAX_EDGE_ACTIONS
        ? { because: `${list.length} actions, the first ${MAX_EDGE_ACTIONS} listed` }
        : {}),
    });
  }
  return { nodes, edges };
}
