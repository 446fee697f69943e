/**
 * `GET api/graph` (`iam:ListRoles`, and `iam:GetRole` on every role shown: a role the caller may not
 * read is left out): workloads → the roles they use → the services, actions and resources the
 * access log shows each role using (the store's last-accessed aggregates). The principal edges
 * ("who can become whom") and the escalation paths come from the escalation analysis, added at one
 * seam, `addEscalations`.
 */
import { decide } from '../../control/authorize.js';
import type { Store } from '../../store/store.js';
import { listRolesCheck, requireAll } from '../authorization.js';
import { CONSOLE_PREFIX, type AccessGraph, type GraphEdge, type GraphNode } from '../contract.js';
import { allRoles, type ApiContext } from './context.js';

/** What the escalation analysis is given: the graph so far and the roles the caller may see. */
export interface EscalationInput {
  store: Store;
  accountId: string;
  now: Date;
  /** ARNs of the roles shown; the analysis adds nothing about roles outside it. */
  shownRoleArns: ReadonlySet<string>;
}

/** The seam: adds principal edges, their nodes and `escalations` to the graph. */
export type AddEscalations = (graph: AccessGraph, input: EscalationInput) => Promise<AccessGraph>;

export const workloadNodeId = (kind: string, name: string): string => `workload:${kind}:${name}`;

export async function accessGraph(ctx: ApiContext, addEscalations?: AddEscalations): Promise<AccessGraph> {
  const { store, arns } = ctx;
  requireAll(ctx.auth, [listRolesCheck(arns)], ctx.ring);
  const accountId = arns.accountId;
  const [roles, workloads, accesses] = await Promise.all([
    allRoles(store, accountId),
    store.listWorkloads(accountId),
    store.listLastAccessed(accountId),
  ]);
  const shown = roles.filter(
    (r) => decide(ctx.auth, { action: 'iam:GetRole', resource: r.arn }).decision === 'Allow',
  );
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const node = (n: GraphNode): void => {
    if (!nodes.has(n.id)) nodes.set(n.id, n);
  };
  const edge = (e: Omit<GraphEdge, 'id'>): void => {
    const id = `${e.kind}:${e.source}->${e.target}`;
    const seen = edges.get(id);
    if (seen === undefined) edges.set(id, { id, ...e });
    else for (const a of e.actions) if (!seen.actions.includes(a)) seen.actions.push(a);
  };
  const roleArn = new Map<string, string>();
  for (const r of shown) {
    roleArn.set(r.roleName.toLowerCase(), r.arn);
    node({
      id: r.arn,
      kind: 'role',
      label: r.roleName,
      href: `${CONSOLE_PREFIX}roles/${encodeURIComponent(r.roleName)}`,
    });
  }
  for (const w of workloads) {
    const arn = roleArn.get(w.roleName.toLowerCase());
    if (arn === undefined) continue;
    const id = workloadNodeId(w.kind, w.name);
    node({ id, kind: 'workload', label: w.name });
    edge({ source: id, target: arn, kind: 'uses', actions: [] });
  }
  for (const a of accesses) {
    const arn = roleArn.get(a.roleName.toLowerCase());
    if (arn === undefined || a.allowedCount === 0) continue;
    const service = a.action.split(':', 1)[0]!.toLowerCase();
    const serviceId = `service:${service}`;
    const actionId = `action:${a.action}`;
    const resourceId = `resource:${a.resource}`;
    node({ id: serviceId, kind: 'service', label: service });
    node({ id: actionId, kind: 'action', label: a.action });
    node({ id: resourceId, kind: 'resource', label: a.resource });
    edge({ source: arn, target: serviceId, kind: 'grants', actions: [a.action] });
    edge({ source: serviceId, target: actionId, kind: 'grants', actions: [a.action] });
    edge({ source: actionId, target: resourceId, kind: 'grants', actions: [a.action] });
  }
  const graph: AccessGraph = { nodes: [...nodes.values()], edges: [...edges.values()], escalations: [] };
  if (addEscalations === undefined) return graph;
  return addEscalations(graph, {
    store,
    accountId,
    now: new Date(ctx.now()),
    shownRoleArns: new Set(shown.map((r) => r.arn)),
  });
}
