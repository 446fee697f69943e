/**
 * The access graph the console draws and `credplane analyze --checks escalation` reports on:
 * workloads → the roles they run as → what the roles are granted, and "who can become whom"
 * between principals (edges.ts), with the escalation paths found (paths.ts). Pure given the loaded
 * `AnalysisData`.
 */
import type { AccessGraph, GraphEdge, GraphNode } from '../../console/contract.js';
import { CONSOLE_PREFIX } from '../../console/contract.js';
import type { Finding } from '../findings.js';
import type { AnalysisData } from '../data.js';
import { isAdministrator } from './admin.js';
import { principalEdges } from './edges.js';
import type { EdgeOptions, PrincipalEdge } from './edges.js';
import { grantGraph } from './grants.js';
import type { GrantOptions } from './grants.js';
import { escalationPathFindings } from './paths.js';
import type { PathOptions } from './paths.js';
import { principalsOf } from './principals.js';
import type { EscalationPrincipal, UserInput } from './principals.js';

export interface AccessGraphOptions extends EdgeOptions, PathOptions, GrantOptions {
  /** The account's IAM users, when the store has them. */
  users?: readonly UserInput[];
  /** The console path of a role's page; default `/credplane/console/roles/<name>`. */
  roleHref?: (roleName: string) => string;
}

export interface EscalationAnalysis {
  principals: EscalationPrincipal[];
  edges: PrincipalEdge[];
  /** ARNs of the principals that may do everything. */
  administrators: Set<string>;
  findings: Finding[];
}

/**
 * The principal edges and escalation findings of one account.
 *
 * @example
 * const { findings } = analyzeEscalation(await loadAnalysisData(store, options));
 */
export function analyzeEscalation(data: AnalysisData, options: AccessGraphOptions = {}): EscalationAnalysis {
  const principals = principalsOf(data, options.users);
  const edges = principalEdges(principals, options);
  const administrators = new Set(principals.filter(isAdministrator).map((p) => p.arn));
  const findings = escalationPathFindings(principals, edges, administrators, options);
  return { principals, edges, administrators, findings };
}

function workloadNodeId(kind: string, name: string): string {
  return `workload:${kind}:${name}`;
}

/**
 * The console's `AccessGraph` for one account.
 *
 * @example
 * const graph = buildAccessGraph(await loadAnalysisData(store, { accountId, periodMs }));
 * graph.escalations.length;
 */
export function buildAccessGraph(data: AnalysisData, options: AccessGraphOptions = {}): AccessGraph {
  const analysis = analyzeEscalation(data, options);
  const href = options.roleHref ?? ((name: string) => `${CONSOLE_PREFIX}roles/${encodeURIComponent(name)}`);
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  for (const p of analysis.principals) {
    nodes.set(p.arn, {
      id: p.arn,
      kind: p.kind,
      label: p.name,
      ...(p.kind === 'role' ? { href: href(p.name) } : {}),
    });
  }
  const roleArnByName = new Map(data.roles.map((r) => [r.role.roleName.toLowerCase(), r.role.arn]));
  for (const w of data.workloads) {
    const id = workloadNodeId(w.kind, w.name);
    nodes.set(id, { id, kind: 'workload', label: w.name });
    const roleArn = roleArnByName.get(w.roleName.toLowerCase());
    if (roleArn !== undefined) {
      edges.push({ id: `uses:${id}->${roleArn}`, source: id, target: roleArn, kind: 'uses', actions: [] });
    }
  }
  for (const p of analysis.principals) {
    const grants = grantGraph(p, options);
    for (const n of grants.nodes) if (!nodes.has(n.id)) nodes.set(n.id, n);
    edges.push(...grants.edges);
  }
  const seen = new Set<string>();
  for (const e of analysis.edges) {
    let id = `${e.kind}:${e.from}->${e.to}`;
    if (e.via !== undefined) id += `:${e.via}`;
    if (seen.has(id)) continue;
    seen.add(id);
    edges.push({
      id,
      source: e.from,
      target: e.to,
      kind: e.kind,
      actions: e.actions,
      ...(e.because.length === 0 ? {} : { because: e.because.join('; ') }),
    });
  }
  return { nodes: [...nodes.values()], edges, escalations: analysis.findings };
}
