/**
 * The access graph's "grants" edges: what each principal's identity policies give it, as nodes for
 * actions (or whole services, beyond a bound) and the resources named. Drawn from the Allow
 * statements; a concrete action (no wildcard) is kept only when the engine allows it on the
 * statement's resource (wildcards filled), so a grant a Deny or the boundary takes away is not
 * drawn. Action patterns (`s3:Get*`) are drawn as written.
 */
import type { GraphEdge, GraphNode } from '../../console/contract.js';
import { parsePolicy } from '../../policy/index.js';
import { principalDecision } from './decide.js';
import type { EscalationPrincipal } from './principals.js';
import { instantiate } from './run-code.js';

export const DEFAULT_MAX_ACTIONS = 25;
export const DEFAULT_MAX_RESOURCES = 25;

export interface GrantOptions {
  /** Beyond this many distinct actions a principal's grants are drawn per service. */
  maxActions?: number;
  /** Beyond this many resources, only the first are drawn. */
  maxResources?: number;
}

export interface GrantGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

function serviceOf(action: string): string {
  const colon = action.indexOf(':');
  return colon < 0 ? '*' : action.slice(0, colon).toLowerCase();
}

/** The (action, resource) pairs the principal's Allow statements name and the engine confirms. */
function granted(p: EscalationPrincipal): { action: string; resource: string }[] {
  const out: { action: string; resource: string }[] = [];
  for (const policy of p.identityPolicies) {
    let doc;
    try {
      doc = parsePolicy(policy.document);
    } catch {
      continue;
    }
    for (const s of doc.statements) {
      if (s.effect.value !== 'Allow' || s.action === undefined) continue;
      const actions = s.action.negated ? ['*'] : s.action.values.map((v) => v.value);
      const resources =
        s.resource === undefined || s.resource.negated ? ['*'] : s.resource.values.map((v) => v.value);
      for (const action of actions) {
        for (const resource of resources) {
          if (!/[*?]/.test(action)) {
            const probe = resource === '*' ? '*' : instantiate(resource, p.accountId);
            if (probe !== undefined && principalDecision(p, action, probe).decision !== 'Allow') continue;
          }
          out.push({ action, resource });
        }
      }
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
  const maxResources = options.maxResources ?? DEFAULT_MAX_RESOURCES;
  const pairs = granted(p);
  const actions = [...new Set(pairs.map((g) => g.action))];
  const collapse = actions.length > maxActions;
  const targets = new Map<string, { node: GraphNode; actions: Set<string> }>();
  const add = (node: GraphNode, action: string): void => {
    const entry = targets.get(node.id) ?? { node, actions: new Set<string>() };
    entry.actions.add(action);
    targets.set(node.id, entry);
  };
  for (const a of actions) {
    if (collapse) {
      const service = serviceOf(a);
      add({ id: `service:${service}`, kind: 'service', label: service }, a);
    } else {
      add({ id: `action:${a.toLowerCase()}`, kind: 'action', label: a }, a);
    }
  }
  const resources = [...new Set(pairs.filter((g) => g.resource !== '*').map((g) => g.resource))].slice(
    0,
    maxResources,
  );
  const shown = new Set(resources);
  for (const g of pairs) {
    if (!shown.has(g.resource)) continue;
    add({ id: `resource:${g.resource}`, kind: 'resource', label: g.resource }, g.action);
  }
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  for (const { node, actions: acts } of targets.values()) {
    nodes.push(node);
    edges.push({
      id: `grants:${p.arn}->${node.id}`,
      source: p.arn,
      target: node.id,
      kind: 'grants',
      actions: [...acts],
    });
  }
  return { nodes, edges };
}
