/** The machine-readable report: `{ findings: [...], summary: {...} }`, stable field order. */
import type { Finding } from '../findings.js';
import { summarize } from './summary.js';

/**
 * @example
 * JSON.parse(renderJson(findings)).summary.total; // findings.length
 */
export function renderJson(findings: readonly Finding[]): string {
  return `${JSON.stringify({ findings, summary: summarize(findings) }, null, 2)}\n`;
}
