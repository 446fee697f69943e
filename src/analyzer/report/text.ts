/**
 * The terminal report: findings grouped by subject (the role, policy or instance they are about),
 * most severe first inside each group, each with its code, where (file:line:column or the JSON
 * path) and message; then a one-line count. ANSI colours only when asked for (a TTY).
 */
import { SEVERITIES } from '../findings.js';
import type { Finding, Severity } from '../findings.js';
import { summarize } from './summary.js';

const COLOURS: Record<Severity, string> = {
  ERROR: '\u001b[31m',
  SECURITY_WARNING: '\u001b[35m',
  WARNING: '\u001b[33m',
  SUGGESTION: '\u001b[36m',
};
const BOLD = '\u001b[1m';
const DIM = '\u001b[2m';
const RESET = '\u001b[0m';

const LABELS: Record<Severity, string> = {
  ERROR: 'error',
  SECURITY_WARNING: 'security',
  WARNING: 'warning',
  SUGGESTION: 'suggestion',
};

/**
 * @example
 * process.stdout.write(renderText(findings, { color: process.stdout.isTTY }));
 */
export function renderText(findings: readonly Finding[], options: { color?: boolean } = {}): string {
  const color = options.color === true;
  const paint = (code: string, text: string): string => (color ? `${code}${text}${RESET}` : text);
  if (findings.length === 0) return 'No findings.\n';

  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = `${f.subject.kind} ${f.subject.name}`;
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [f]);
    else list.push(f);
  }
  const lines: string[] = [];
  for (const [subject, list] of groups) {
    lines.push(paint(BOLD, subject));
    const sorted = [...list].sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
    for (const f of sorted) {
      const label = LABELS[f.severity].padEnd(10);
      const where = locationText(f);
      lines.push(
        `  ${paint(COLOURS[f.severity], label)} ${f.code}${where === '' ? '' : `  ${paint(DIM, where)}`}`,
      );
      lines.push(`    ${f.message}`);
    }
    lines.push('');
  }
  const s = summarize(findings);
  const parts = SEVERITIES.filter((sev) => s.bySeverity[sev] > 0).map(
    (sev) =>
      `${s.bySeverity[sev]} ${LABELS[sev]}${s.bySeverity[sev] === 1 || sev === 'SECURITY_WARNING' ? '' : 's'}`,
  );
  lines.push(
    `${s.total} finding${s.total === 1 ? '' : 's'} (${parts.join(', ')}) in ${s.subjects} subject${s.subjects === 1 ? '' : 's'}.`,
  );
  return `${lines.join('\n')}\n`;
}

/** `template.yaml:12:9 Statement[0].Action`, `trust Statement[0]`, or ''. */
export function locationText(f: Finding): string {
  const loc = f.location;
  if (loc === undefined) return '';
  const parts: string[] = [];
  if (loc.file !== undefined) {
    parts.push(loc.line === undefined ? loc.file : `${loc.file}:${loc.line}:${loc.column ?? 1}`);
  } else if (loc.line !== undefined) {
    parts.push(`line ${loc.line}, column ${loc.column ?? 1}`);
  }
  if (loc.policy !== undefined && loc.policy !== f.subject.name) parts.push(loc.policy);
  if (loc.path !== undefined && loc.path !== '') parts.push(loc.path);
  return parts.join(' ');
}
