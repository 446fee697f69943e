/**
 * The seam of `api/graph.ts` filled by the escalation analysis (`analyzer/escalation`, the same as
 * `credplane analyze --checks escalation`): the "who can become whom" edges between the roles shown
 * (and users), each decided by the policy engine, and the escalation path findings about them.
 */
import { analyzeEscalation } from '../../analyzer/escalation/index.js';
import { loadAnalysisData } from '../../analyzer/load.js';
import { loadEscalationUsers } from '../../analyzer/load-users.js';
import { CONSOLE_PREFIX, type GraphEdge, type GraphNode } from '../contract.js';
import type { AddEscalations } from './graph.js';

/** The analyzer's default tracking period, for the data it loads. */
const PERIOD_MS = 90 * 86_400_000;

export const addEscalations: AddEscalations = async (graph, input) => {
  const data = await loadAnalysisData(input.store, {
    accountId: input.accountId,
    periodMs: PERIOD_MS,
    now: input.now,
  });
  const analysis = analyzeEscalation(data, {
    users: await loadEscalationUsers(input.store, input.accountId),
  });
  // A role the caller may not read stays out, as a node and as either end of an edge.
  const visible = (arn: string): boolean =>
    input.shownRoleArns.has(arn) || analysis.principals.some((p) => p.arn === arn && p.kind === 'user');
  const nodes = new Map<string, GraphNode>(graph.nodes.map((n) => [n.id, n]));
  for (const p of analysis.principals) {
    if (!visible(p.arn) || nodes.has(p.arn)) continue;
    nodes.set(p.arn, {
      id: p.arn,
      kind: p.kind,
      label: p.name,
      ...(p.kind === 'role' ? { href: `${CONSOLE_PREFIX}roles/${encodeURIComponent(p.name)}` } : {}),
    });
  }
  const edges: GraphEdge[] = [...graph.edges];
  const ids = new Set(edges.map((e) => e.id));
  for (const e of analysis.edges) {
    if (!visible(e.from) || !visible(e.to)) continue;
    const id = `${e.kind}:${e.from}->${e.to}${e.via === undefined ? '' : `:${e.via}`}`;
    if (ids.has(id)) continue;
    ids.add(id);
    edges.push({
      id,
      source: e.from,
      target: e.to,
      kind: e.kind,
      actions: e.actions,
      ...(e.because.length === 0 ? {} : { because: e.because.join('; ') }),
    });
  }
  // A path finding spells out every principal on its path and its targets (message and details):
  // shown only when none of them is a role the caller may not read.
  const hidden = new Set(analysis.principals.filter((p) => !visible(p.arn)).map((p) => p.arn));
  const namesOnlyVisible = (f: (typeof analysis.findings)[number]): boolean =>
    (JSON.stringify(f).match(/arn:[^"\s;,)]+/g) ?? []).every((arn) => !hidden.has(arn));
  const escalations = analysis.findings.filter(
    (f) => (f.subject.arn === undefined || visible(f.subject.arn)) && namesOnlyVisible(f),
  );
  return { nodes: [...nodes.values()], edges, escalations };
};
