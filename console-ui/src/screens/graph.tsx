/**
 * The access graph: workloads → roles → services/actions/resources and "who can become whom"
 * (assume, pass-role and the privilege-escalation edges), laid out left to right by ELK's layered
 * algorithm. Labels are drawn on the canvas by Cytoscape (text, never markup); the same edges are
 * listed below the graph as links, for the keyboard and for screen readers.
 */
import cytoscape from 'cytoscape';
import elk from 'cytoscape-elk';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type {
  AccessGraph,
  GraphEdge,
  GraphEdgeKind,
  GraphNode,
  GraphNodeKind,
} from '../../../src/console/contract';
import { FindingList } from '../components/severity';
import { Status } from '../components/status';
import { href, navigate } from '../router';
import { useApi } from '../use-api';

cytoscape.use(elk);

const KINDS: GraphNodeKind[] = ['workload', 'role', 'user', 'service', 'action', 'resource'];
const PLAIN_EDGES = new Set<GraphEdgeKind>(['uses', 'grants', 'assume', 'pass-role']);

export function isEscalation(kind: GraphEdgeKind): boolean {
  return !PLAIN_EDGES.has(kind);
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function roleName(node: GraphNode | undefined): string | undefined {
  if (node?.kind !== 'role') return undefined;
  // The server gives the role page's console path (`…/roles/<name>`), whatever its routing style.
  const m = /\/roles\/([^/?#]+)/.exec(node.href ?? '');
  if (m?.[1] !== undefined) {
    try {
      return decodeURIComponent(m[1]);
    } catch {
      return node.label;
    }
  }
  return node.label;
}

export function Graph({ query }: { query: string }) {
  const loaded = useApi<AccessGraph>('graph');
  const graph = loaded.data;
  const box = useRef<HTMLDivElement>(null);
  const cyRef = useRef<cytoscape.Core | undefined>(undefined);
  const [kinds, setKinds] = useState<Set<GraphNodeKind>>(
    () => new Set(['workload', 'role', 'user', 'service']),
  );
  const [text, setText] = useState(query);
  const nodes = useMemo(() => new Map((graph?.nodes ?? []).map((n) => [n.id, n])), [graph]);

  useEffect(() => {
    if (graph === undefined || box.current === null) return;
    const fg = cssVar('--fg');
    const cy = cytoscape({
      container: box.current,
      elements: [
        ...graph.nodes.map((n) => ({
          group: 'nodes' as const,
          data: { id: n.id, label: n.label, kind: n.kind },
        })),
        ...graph.edges
          .filter((e) => nodes.has(e.source) && nodes.has(e.target))
          .map((e) => ({
            group: 'edges' as const,
            data: {
              id: e.id,
              source: e.source,
              target: e.target,
              kind: e.kind,
              escalation: isEscalation(e.kind) ? 1 : 0,
            },
          })),
      ],
      style: [
        {
          selector: 'node',
          style: {
            label: 'data(label)',
            'font-size': 11,
            color: fg,
            'text-valign': 'bottom',
            'text-margin-y': 4,
            'text-max-width': '160px',
            'text-wrap': 'ellipsis',
            width: 18,
            height: 18,
            'background-color': '#64748b',
          },
        },
        {
          selector: 'node[kind = "workload"]',
          style: { 'background-color': '#0ea5e9', shape: 'round-rectangle' },
        },
        {
          selector: 'node[kind = "role"]',
          style: { 'background-color': '#6366f1', shape: 'ellipse', width: 24, height: 24 },
        },
        { selector: 'node[kind = "user"]', style: { 'background-color': '#a855f7', shape: 'diamond' } },
        { selector: 'node[kind = "service"]', style: { 'background-color': '#10b981', shape: 'hexagon' } },
        { selector: 'node[kind = "action"]', style: { 'background-color': '#84cc16', shape: 'tag' } },
        { selector: 'node[kind = "resource"]', style: { 'background-color': '#f59e0b', shape: 'barrel' } },
        { selector: 'node.match', style: { 'border-width': 3, 'border-color': '#f43f5e' } },
        {
          selector: 'edge',
          style: {
            width: 1.5,
            'line-color': '#94a3b8',
            'target-arrow-color': '#94a3b8',
            'target-arrow-shape': 'triangle',
            'curve-style': 'bezier',
            'arrow-scale': 0.8,
          },
        },
        {
          selector: 'edge[kind = "assume"]',
          style: { 'line-color': '#6366f1', 'target-arrow-color': '#6366f1' },
        },
        {
          selector: 'edge[kind = "pass-role"]',
          style: { 'line-color': '#a855f7', 'target-arrow-color': '#a855f7', 'line-style': 'dotted' },
        },
        {
          selector: 'edge[escalation = 1]',
          style: {
            width: 3,
            'line-color': '#ef4444',
            'target-arrow-color': '#ef4444',
            'line-style': 'dashed',
            label: 'data(kind)',
            'font-size': 9,
            color: '#ef4444',
            'text-rotation': 'autorotate',
            'text-background-color': cssVar('--panel'),
            'text-background-opacity': 1,
            'text-background-padding': '2px',
          },
        },
      ],
      wheelSensitivity: 0.3,
      minZoom: 0.1,
      maxZoom: 4,
    });
    cy.on('tap', 'node[kind = "role"]', (event) => {
      const name = roleName(nodes.get((event.target as cytoscape.NodeSingular).id()));
      if (name !== undefined) navigate({ screen: 'role', name });
    });
    cyRef.current = cy;
    return () => {
      cy.destroy();
      cyRef.current = undefined;
    };
  }, [graph, nodes]);

  // Filters: hide the kinds left out, highlight the text matches, lay out what is shown.
  useEffect(() => {
    const cy = cyRef.current;
    if (cy === undefined) return;
    const q = text.trim().toLowerCase();
    cy.batch(() => {
      cy.nodes().forEach((n) => {
        const kind = n.data('kind') as GraphNodeKind;
        const label = String(n.data('label')).toLowerCase();
        n.style('display', kinds.has(kind) ? 'element' : 'none');
        n.toggleClass('match', q !== '' && label.includes(q));
      });
    });
    const shown = cy.elements(':visible');
    shown
      .layout({
        name: 'elk',
        fit: true,
        padding: 24,
        nodeDimensionsIncludeLabels: true,
        // A small graph would be fitted to a giant zoom: cap it so nodes keep their size.
        stop: () => {
          if (cy.zoom() > 1.2) {
            cy.zoom(1.2);
            cy.center();
          }
        },
        elk: {
          algorithm: 'layered',
          'elk.direction': 'RIGHT',
          'elk.layered.spacing.nodeNodeBetweenLayers': 80,
          'elk.spacing.nodeNode': 24,
        },
      } as cytoscape.LayoutOptions)
      .run();
  }, [graph, kinds, text]);

  if (graph === undefined) return <Status loaded={loaded} />;
  const q = text.trim().toLowerCase();
  const listed = graph.edges.filter((e) => {
    const s = nodes.get(e.source);
    const t = nodes.get(e.target);
    if (s === undefined || t === undefined) return false;
    if (!kinds.has(s.kind) || !kinds.has(t.kind)) return false;
    return q === '' || s.label.toLowerCase().includes(q) || t.label.toLowerCase().includes(q);
  });
  const escalationEdges = graph.edges.filter((e) => isEscalation(e.kind));
  return (
    <section aria-labelledby="graph-title">
      <header class="screen-head">
        <h1 id="graph-title">Access graph</h1>
        <input
          class="filter"
          type="search"
          placeholder="Highlight nodes"
          aria-label="Highlight nodes by name"
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <button type="button" onClick={() => cyRef.current?.fit(undefined, 24)}>
          Fit
        </button>
      </header>
      <fieldset class="kinds">
        <legend class="sr-only">Node kinds</legend>
        {KINDS.map((k) => (
          <label key={k} class={`kind kind-${k}`}>
            <input
              type="checkbox"
              name={k}
              checked={kinds.has(k)}
              onChange={(e) => {
                const next = new Set(kinds);
                if (e.currentTarget.checked) next.add(k);
                else next.delete(k);
                setKinds(next);
              }}
            />{' '}
            {k}
          </label>
        ))}
        <span class="legend">
          <span class="edge-assume">assume</span> <span class="edge-pass">pass-role</span>{' '}
          <span class="edge-esc">escalation</span>
        </span>
      </fieldset>
      <div class="graph" ref={box} role="img" aria-label="Access graph; the edges are listed below" />
      <div class="panel">
        <h2>
          Escalation paths <span class="count">{graph.escalations.length}</span>
        </h2>
        <FindingList
          findings={graph.escalations}
          empty={
            escalationEdges.length === 0
              ? 'No privilege-escalation edge or path found.'
              : 'No path to more privilege found; the edges below still let one principal change what another may do.'
          }
        />
        {escalationEdges.length > 0 && (
          <h3>
            Escalation edges <span class="count">{escalationEdges.length}</span>
          </h3>
        )}
        {escalationEdges.length > 0 && <EdgeTable edges={escalationEdges} nodes={nodes} />}
      </div>
      <div class="panel">
        <h2>
          Edges <span class="count">{listed.length}</span>
        </h2>
        <EdgeTable edges={listed.slice(0, 500)} nodes={nodes} />
      </div>
    </section>
  );
}

function NodeLink({ node }: { node: GraphNode }) {
  const name = roleName(node);
  return name === undefined ? (
    <span class={`node node-${node.kind}`}>{node.label}</span>
  ) : (
    <a class={`node node-${node.kind}`} href={href({ screen: 'role', name })}>
      {node.label}
    </a>
  );
}

function EdgeTable({ edges, nodes }: { edges: GraphEdge[]; nodes: Map<string, GraphNode> }) {
  return (
    <table class="grid edges">
      <tbody>
        {edges.map((e) => {
          const s = nodes.get(e.source);
          const t = nodes.get(e.target);
          if (s === undefined || t === undefined) return null;
          return (
            <tr key={e.id} class={isEscalation(e.kind) ? 'edge escalation' : 'edge'} data-kind={e.kind}>
              <td>
                <NodeLink node={s} />
              </td>
              <td>
                <span class={isEscalation(e.kind) ? 'badge danger' : 'badge'}>{e.kind}</span>
              </td>
              <td>
                <NodeLink node={t} />
              </td>
              <td class="small muted">
                {e.actions.join(', ')}
                {e.because !== undefined && ` — ${e.because}`}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
