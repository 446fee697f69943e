/**
 * Escalation paths: from each starting principal (by default the roles workloads run as), a
 * breadth-first search over the edges that hand over credentials (`CREDENTIAL_EDGES`), bounded in
 * depth, each principal visited once (cycles end there). Then, among what the start can act as:
 *
 * - an administrator (`isAdministrator`) → `ERROR`;
 * - a principal it can act as whose permissions it can also write (a `put-role-policy`,
 *   `attach-role-policy` or `create-policy-version` edge between two principals it can act as,
 *   itself included: it can grant itself anything) → `ERROR`;
 * - a principal whose permissions it can write, without acting as it → `SECURITY_WARNING`.
 *
 * One finding per start, for its most severe, then shortest, path; every target found is listed in
 * `details.targets` (bounded).
 */
import type { JsonValue } from '../../iam/types.js';
import type { Finding, Severity } from '../findings.js';
import { CREDENTIAL_EDGES } from './edges.js';
import type { PrincipalEdge } from './edges.js';
import type { EscalationPrincipal } from './principals.js';

export const ESCALATION_CODE = 'PRIVILEGE_ESCALATION_PATH';
const TITLE = 'A principal can escalate its privileges through other principals';
export const DEFAULT_MAX_DEPTH = 8;
const MAX_TARGETS = 20;

export type EscalationReason = 'administrator' | 'self-grant' | 'iam-write';

export interface EscalationTarget {
  reason: EscalationReason;
  /** The principal reached or written. */
  target: string;
  path: PrincipalEdge[];
}

export interface PathOptions {
  maxDepth?: number;
  /** Principal ARNs to start from; default: `defaultSources`. */
  sources?: readonly string[];
}

const SEVERITY: Record<EscalationReason, Severity> = {
  administrator: 'ERROR',
  'self-grant': 'ERROR',
  'iam-write': 'SECURITY_WARNING',
};
const RANK: Record<EscalationReason, number> = { administrator: 0, 'self-grant': 1, 'iam-write': 2 };

function nameOf(arn: string, byArn: ReadonlyMap<string, EscalationPrincipal>): string {
  return byArn.get(arn)?.name ?? arn;
}

/** `web -[assume]-> deploy -[put-role-policy]-> deploy`. */
export function describePath(
  path: readonly PrincipalEdge[],
  byArn: ReadonlyMap<string, EscalationPrincipal>,
): string {
  if (path.length === 0) return '';
  const parts = [nameOf(path[0]!.from, byArn)];
  for (const e of path) parts.push(`-[${e.kind}: ${e.actions.join(', ')}]-> ${nameOf(e.to, byArn)}`);
  return parts.join(' ');
}

/**
 * Every target reachable from `source`, most severe and shortest first.
 *
 * @example
 * const targets = escalationTargets(source.arn, edgesByFrom, admins);
 */
export function escalationTargets(
  source: string,
  edgesByFrom: ReadonlyMap<string, readonly PrincipalEdge[]>,
  admins: ReadonlySet<string>,
  maxDepth = DEFAULT_MAX_DEPTH,
): EscalationTarget[] {
  if (admins.has(source)) return [];
  // Path to each principal the source can act as (the source itself: no hops).
  const via = new Map<string, PrincipalEdge[]>([[source, []]]);
  let frontier = [source];
  for (let depth = 0; depth < maxDepth && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const node of frontier) {
      if (admins.has(node)) continue; // nothing beyond an administrator
      for (const e of edgesByFrom.get(node) ?? []) {
        if (!CREDENTIAL_EDGES.has(e.kind) || via.has(e.to)) continue;
        via.set(e.to, [...via.get(node)!, e]);
        next.push(e.to);
      }
    }
    frontier = next;
  }
  const out: EscalationTarget[] = [];
  const written = new Set<string>();
  for (const [node, path] of via) {
    if (admins.has(node)) {
      out.push({ reason: 'administrator', target: node, path });
      continue;
    }
    for (const e of edgesByFrom.get(node) ?? []) {
      if (CREDENTIAL_EDGES.has(e.kind)) continue;
      const key = `${e.to}\u0000${via.has(e.to) ? 'self' : 'write'}`;
      if (written.has(key)) continue;
      written.add(key);
      out.push({ reason: via.has(e.to) ? 'self-grant' : 'iam-write', target: e.to, path: [...path, e] });
    }
  }
  return out.sort((a, b) => RANK[a.reason] - RANK[b.reason] || a.path.length - b.path.length);
}

function hop(e: PrincipalEdge): JsonValue {
  return {
    from: e.from,
    to: e.to,
    kind: e.kind,
    actions: e.actions,
    because: e.because,
    ...(e.via === undefined ? {} : { via: e.via }),
  };
}

function headline(
  reason: EscalationReason,
  target: string,
  byArn: ReadonlyMap<string, EscalationPrincipal>,
): string {
  const name = nameOf(target, byArn);
  switch (reason) {
    case 'administrator':
      return `can become ${name}, which may do everything`;
    case 'self-grant':
      return `can change the permissions of ${name}, which it can act as, so it can grant itself any permission`;
    case 'iam-write':
      return `can change the permissions of ${name}`;
  }
}

/**
 * The default starting points: roles with workloads, IAM users (their keys are held by people and
 * programs just as workloads hold role credentials), and principals with an edge onto themselves.
 */
export function defaultSources(
  principals: readonly EscalationPrincipal[],
  edges: readonly PrincipalEdge[],
): string[] {
  const out = new Set(
    principals.filter((p) => p.kind === 'user' || p.workloads.length > 0).map((p) => p.arn),
  );
  for (const e of edges) if (e.from === e.to) out.add(e.from);
  return [...out];
}

/**
 * One `PRIVILEGE_ESCALATION_PATH` finding per starting principal that has a path.
 *
 * @example
 * escalationPathFindings(principals, edges, admins).map((f) => f.details?.path);
 */
export function escalationPathFindings(
  principals: readonly EscalationPrincipal[],
  edges: readonly PrincipalEdge[],
  admins: ReadonlySet<string>,
  options: PathOptions = {},
): Finding[] {
  const byArn = new Map(principals.map((p) => [p.arn, p]));
  const edgesByFrom = new Map<string, PrincipalEdge[]>();
  for (const e of edges) {
    const list = edgesByFrom.get(e.from) ?? [];
    list.push(e);
    edgesByFrom.set(e.from, list);
  }
  const out: Finding[] = [];
  for (const source of options.sources ?? defaultSources(principals, edges)) {
    const p = byArn.get(source);
    if (p === undefined) continue;
    const targets = escalationTargets(source, edgesByFrom, admins, options.maxDepth);
    const best = targets[0];
    if (best === undefined) continue;
    const workloads = p.workloads.map((w) => `${w.kind} ${w.name}`);
    const who = `${p.kind === 'role' ? 'Role' : 'User'} ${p.name}${workloads.length > 0 ? ` (used by ${workloads.join(', ')})` : ''}`;
    out.push({
      code: ESCALATION_CODE,
      severity: SEVERITY[best.reason],
      category: 'escalation',
      title: TITLE,
      message: `${who} ${headline(best.reason, best.target, byArn)}: ${describePath(best.path, byArn)}.`,
      subject: { kind: p.kind, name: p.name, arn: p.arn },
      details: {
        reason: best.reason,
        target: best.target,
        path: best.path.map(hop),
        workloads,
        targets: targets.slice(0, MAX_TARGETS).map((t) => ({
          reason: t.reason,
          target: t.target,
          hops: t.path.map((e) => `${e.kind}:${e.to}`),
        })),
        targetCount: targets.length,
      },
    });
  }
  return out;
}
