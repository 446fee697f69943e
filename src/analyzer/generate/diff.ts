/**
 * What changes when a role's current policies are replaced by the generated one: a unified diff of
 * the JSON documents, and the actions the current Allow statements grant that the new policy does
 * not (the unused permissions a tighten removes), per service.
 */
import type { ActionCatalog } from './catalog.js';
import { installedCatalog } from './catalog.js';
import type { CurrentPolicy } from './generate.js';
import { splitArn } from '../../iam/arn.js';

/** The inline policy name `policy tighten` writes. */
export const GENERATED_POLICY_NAME = 'credplane-least-privilege';

export interface ServiceRemoval {
  service: string;
  /** How many of the service's actions the current policies grant. */
  granted: number;
  /** How many of those the generated policy keeps. */
  kept: number;
  /** The removed actions (catalogue spelling, sorted). */
  removed: string[];
}

export interface RemovedActions {
  /** Every action the current Allow statements grant (on some resource). */
  grantedCount: number;
  removedCount: number;
  /** Per service, sorted; services whose actions are all kept are left out. */
  services: ServiceRemoval[];
}

/**
 * The document text each side of the diff shows for a set of policies: a `// ...` header line per
 * policy, then the document pretty-printed. AWS managed policies are named, not printed.
 *
 * @example
 * policiesText([{ source: 'inline', name: 'app', document: '{"Version":"2012-10-17","Statement":[]}' }]);
 */
export function policiesText(policies: readonly CurrentPolicy[]): string {
  const parts: string[] = [];
  for (const p of policies) {
    if (p.source === 'managed' && p.arn !== undefined && splitArn(p.arn)?.accountId === 'aws') {
      parts.push(`// managed policy ${p.arn} (AWS managed: not shown)\n`);
      continue;
    }
    parts.push(`// ${p.source} policy ${p.arn ?? p.name}\n${pretty(p.document)}`);
  }
  return parts.join('');
}

function pretty(document: string): string {
  try {
    return `${JSON.stringify(JSON.parse(document), null, 2)}\n`;
  } catch {
    return document.endsWith('\n') ? document : `${document}\n`;
  }
}

type Op = { kind: ' ' | '-' | '+'; line: string };

/** Above this many LCS cells the diff degrades to "all removed, all added" (bounded memory). */
const MAX_CELLS = 4_000_000;

/**
 * A unified diff (3 lines of context) from `before` to `after`; empty when they are equal.
 *
 * @example
 * unifiedDiff('a\nb\n', 'a\nc\n', 'current', 'generated');
 * // --- current\n+++ generated\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n
 */
export function unifiedDiff(
  before: string,
  after: string,
  fromLabel: string,
  toLabel: string,
  context = 3,
): string {
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = diffLines(a, b);
  if (ops.every((op) => op.kind === ' ')) return '';
  const out = [`--- ${fromLabel}`, `+++ ${toLabel}`];
  const changed: number[] = [];
  ops.forEach((op, index) => {
    if (op.kind !== ' ') changed.push(index);
  });
  // Changes closer than 2 * context lines of each other share a hunk.
  let first = 0;
  while (first < changed.length) {
    let last = first;
    while (last + 1 < changed.length && changed[last + 1]! - changed[last]! <= 2 * context + 1) last++;
    const start = Math.max(0, changed[first]! - context);
    const stop = Math.min(ops.length, changed[last]! + context + 1);
    let oldStart = 1;
    let newStart = 1;
    for (let k = 0; k < start; k++) {
      if (ops[k]!.kind !== '+') oldStart++;
      if (ops[k]!.kind !== '-') newStart++;
    }
    const slice = ops.slice(start, stop);
    const oldLen = slice.filter((op) => op.kind !== '+').length;
    const newLen = slice.filter((op) => op.kind !== '-').length;
    out.push(`@@ -${range(oldStart, oldLen)} +${range(newStart, newLen)} @@`);
    for (const op of slice) out.push(`${op.kind}${op.line}`);
    first = last + 1;
  }
  return `${out.join('\n')}\n`;
}

function range(start: number, length: number): string {
  // An empty side is shown at the line before it, as diff(1) does.
  if (length === 0) return `${start - 1},0`;
  return length === 1 ? `${start}` : `${start},${length}`;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function diffLines(a: string[], b: string[]): Op[] {
  // Common head and tail first: most of a policy diff is there, and it keeps the table small.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const ops: Op[] = a.slice(0, head).map((line) => ({ kind: ' ', line }));
  if ((midA.length + 1) * (midB.length + 1) > MAX_CELLS) {
    for (const line of midA) ops.push({ kind: '-', line });
    for (const line of midB) ops.push({ kind: '+', line });
  } else {
    ops.push(...lcsOps(midA, midB));
  }
  for (const line of a.slice(a.length - tail)) ops.push({ kind: ' ', line });
  return ops;
}

function lcsOps(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const width = m + 1;
  const table = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * width + j] =
        a[i] === b[j]
          ? table[(i + 1) * width + j + 1]! + 1
          : Math.max(table[(i + 1) * width + j]!, table[i * width + j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i]! });
      i++;
      j++;
    } else if (table[(i + 1) * width + j]! >= table[i * width + j + 1]!) {
      ops.push({ kind: '-', line: a[i++]! });
    } else {
      ops.push({ kind: '+', line: b[j++]! });
    }
  }
  while (i < n) ops.push({ kind: '-', line: a[i++]! });
  while (j < m) ops.push({ kind: '+', line: b[j++]! });
  return ops;
}

/**
 * The actions the current policies' Allow statements grant (Action patterns and NotAction
 * complements, expanded against the catalogue; resources and conditions are not considered) that
 * `keptActions` does not contain.
 *
 * @example
 * const removed = await removedActions(current, generated.allowedActions);
 * removed.services[0]; // { service: 's3', granted: 150, kept: 1, removed: ['s3:AbortMultipartUpload', ...] }
 */
export async function removedActions(
  current: readonly CurrentPolicy[],
  keptActions: readonly string[],
  catalog: ActionCatalog = installedCatalog,
): Promise<RemovedActions> {
  const granted = new Set<string>();
  let everything: string[] | undefined;
  for (const policy of current) {
    for (const statement of statementsOf(policy.document)) {
      if (statement.Effect !== 'Allow') continue;
      if (statement.Action !== undefined) {
        for (const pattern of strings(statement.Action)) {
          for (const action of await catalog.expandActionPattern(pattern)) granted.add(action);
        }
      } else if (statement.NotAction !== undefined) {
        everything ??= await catalog.expandActionPattern('*');
        const excluded = new Set<string>();
        for (const pattern of strings(statement.NotAction)) {
          for (const action of await catalog.expandActionPattern(pattern)) excluded.add(action.toLowerCase());
        }
        for (const action of everything) if (!excluded.has(action.toLowerCase())) granted.add(action);
      }
    }
  }
  const kept = new Set(keptActions.map((a) => a.toLowerCase()));
  const byService = new Map<string, ServiceRemoval>();
  let removedCount = 0;
  for (const action of granted) {
    const service = action.slice(0, action.indexOf(':'));
    let entry = byService.get(service);
    if (entry === undefined) byService.set(service, (entry = { service, granted: 0, kept: 0, removed: [] }));
    entry.granted++;
    if (kept.has(action.toLowerCase())) entry.kept++;
    else {
      entry.removed.push(action);
      removedCount++;
    }
  }
  const services = [...byService.values()]
    .filter((s) => s.removed.length > 0)
    .map((s) => ({ ...s, removed: s.removed.sort() }))
    .sort((x, y) => (x.service < y.service ? -1 : x.service > y.service ? 1 : 0));
  return { grantedCount: granted.size, removedCount, services };
}

interface RawStatement {
  Effect?: unknown;
  Action?: unknown;
  NotAction?: unknown;
}

function statementsOf(document: string): RawStatement[] {
  try {
    const raw = (JSON.parse(document) as { Statement?: unknown }).Statement;
    const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
    return list.filter((s): s is RawStatement => s !== null && typeof s === 'object');
  } catch {
    return [];
  }
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
