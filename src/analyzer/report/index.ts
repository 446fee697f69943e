/**
 * Renders findings — terminal text, JSON, SARIF 2.1.0 — and turns them into a CI exit code.
 * `credplane analyze` and `credplane policy validate` share these.
 */
import { atLeast } from '../findings.js';
import type { Finding, Severity } from '../findings.js';
import { renderJson } from './json.js';
import { renderSarif } from './sarif.js';
import { renderText } from './text.js';

export { summarize } from './summary.js';
export type { FindingSummary } from './summary.js';
export { sarifLevel } from './sarif.js';

export type ReportFormat = 'text' | 'json' | 'sarif';

export interface RenderOptions {
  /** ANSI colours in the text format (pass `process.stdout.isTTY`). */
  color?: boolean;
  /** `tool.driver.version` in SARIF. */
  toolVersion?: string;
  /** `tool.driver.informationUri` in SARIF. */
  informationUri?: string;
}

/**
 * Renders findings in one format; the text ends with a newline.
 *
 * @example
 * process.stdout.write(renderFindings(findings, 'sarif', { toolVersion: '0.1.0' }));
 */
export function renderFindings(
  findings: Finding[],
  format: ReportFormat,
  options: RenderOptions = {},
): string {
  switch (format) {
    case 'json':
      return renderJson(findings);
    case 'sarif':
      return renderSarif(findings, {
        ...(options.toolVersion !== undefined ? { toolVersion: options.toolVersion } : {}),
        ...(options.informationUri !== undefined ? { informationUri: options.informationUri } : {}),
      });
    case 'text':
      return renderText(findings, { color: options.color === true });
  }
}

/** The `--fail-on` values, lower-case as typed, and what they mean. */
export const FAIL_ON_VALUES = ['error', 'security_warning', 'warning', 'suggestion', 'none'] as const;
export type FailOn = (typeof FAIL_ON_VALUES)[number];

/**
 * `--fail-on security_warning` -> `'SECURITY_WARNING'`; undefined for anything else.
 *
 * @example
 * parseFailOn('warning'); // 'WARNING'
 */
export function parseFailOn(value: string): Severity | 'none' | undefined {
  const v = value.toLowerCase().replace(/-/g, '_');
  if (v === 'none') return 'none';
  return (FAIL_ON_VALUES as readonly string[]).includes(v) ? (v.toUpperCase() as Severity) : undefined;
}

/**
 * The exit code of a CI gate: 0 when no finding is at or above `failOn` (or `failOn` is `none`),
 * 1 otherwise. 2 is left for usage errors (bad arguments, unreadable files).
 *
 * @example
 * process.exitCode = exitCodeFor(findings, 'SECURITY_WARNING');
 */
export function exitCodeFor(findings: Finding[], failOn: Severity | 'none'): number {
  if (failOn === 'none') return 0;
  return findings.some((f) => atLeast(f.severity, failOn)) ? 1 : 0;
}
