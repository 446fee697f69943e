/**
 * Puts posture and unused-access findings on the template line of the resource they are about,
 * so that SARIF viewers show them beside the policy findings: the subject's logical id comes from
 * the stack's `credplane:logical-id` tag (roles) or setting (workloads, e.g. instances), and its
 * line is where the template declares that resource.
 */
import type { Finding } from './findings.js';
import type { AnalysisData } from './data.js';
import { isWorkloadOfKind, LOGICAL_ID_KEY } from '../workloads/index.js';

const LOGICAL_ID = LOGICAL_ID_KEY;

/** 1-based line and column of each resource's logical id under `Resources` (YAML or JSON). */
export function resourceLines(text: string): Map<string, { line: number; column: number }> {
  const out = new Map<string, { line: number; column: number }>();
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => /^\s*"?Resources"?\s*:/.test(l));
  if (start < 0) return out;
  const indentOf = (l: string): number => l.length - l.trimStart().length;
  // The first key under Resources sets the indentation resources are declared at.
  let indent = -1;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const m = /^(\s*)"?([A-Za-z0-9]+)"?\s*:/.exec(line);
    if (indent < 0 && m !== null) indent = indentOf(line);
    if (indent >= 0 && indentOf(line) < indent && !line.trimStart().startsWith('}')) break;
    if (m !== null && indentOf(line) === indent && !out.has(m[2]!)) {
      out.set(m[2]!, { line: i + 1, column: line.indexOf(m[2]!) + 1 });
    }
  }
  return out;
}

function logicalIdOf(f: Finding, data: AnalysisData): string | undefined {
  if (f.subject.kind === 'role') {
    const role = data.roles.find((r) => r.role.roleName === f.subject.name);
    return role?.role.tags.find((t) => t.key === LOGICAL_ID)?.value;
  }
  if (f.subject.kind === 'instance') {
    const instance = data.workloads
      .filter((w) => isWorkloadOfKind(w, 'ec2-instance'))
      .find((w) => w.settings.instanceId === f.subject.name || w.name === f.subject.name);
    return instance?.settings[LOGICAL_ID_KEY];
  }
  return undefined;
}

/**
 * Findings without a location get `file`, `line` and `column` of their resource in the template.
 *
 * @example
 * const located = locateInTemplate(findings, { file: 'stack.yaml', text }, data);
 */
export function locateInTemplate(
  findings: Finding[],
  template: { file: string; text: string },
  data: AnalysisData,
): Finding[] {
  const lines = resourceLines(template.text);
  return findings.map((f) => {
    if (f.location?.file !== undefined || f.category === 'policy') return f;
    const logical = logicalIdOf(f, data);
    const at = logical === undefined ? undefined : lines.get(logical);
    if (at === undefined) return f;
    return { ...f, location: { ...f.location, file: template.file, line: at.line, column: at.column } };
  });
}
