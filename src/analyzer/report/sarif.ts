/**
 * SARIF 2.1.0, so CI systems (GitHub code scanning, GitLab, Azure DevOps) show findings on the
 * template lines. One run; `tool.driver.rules[]` has one rule per code found (id = code);
 * `results[]` point at `file` + line/column when the finding has a file, else at a logical location
 * (the subject and the JSON path).
 *
 * Levels: ERROR -> `error`; SECURITY_WARNING -> `error` as well, because a security warning is what
 * a CI gate exists to stop (the rule also carries the `security` tag and a `security-severity`, which
 * GitHub uses to rank it); WARNING -> `warning`; SUGGESTION -> `note`.
 */
import type { Finding, Severity } from '../findings.js';
import { POLICY_CHECK_CODES } from '../policy-checks/codes.js';

/** The schema's own id (OASIS SARIF 2.1.0, errata 01). */
export const SARIF_SCHEMA =
  'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
export const DEFAULT_INFORMATION_URI = 'https://www.npmjs.com/package/credplane';

export type SarifLevel = 'error' | 'warning' | 'note';

const LEVELS: Record<Severity, SarifLevel> = {
  ERROR: 'error',
  SECURITY_WARNING: 'error',
  WARNING: 'warning',
  SUGGESTION: 'note',
};

/** GitHub's scale: 9.0+ critical, 7.0+ high, 4.0+ medium, else low. */
const SECURITY_SEVERITY: Partial<Record<Severity, string>> = { SECURITY_WARNING: '8.0' };

/** The SARIF level of a severity. */
export function sarifLevel(severity: Severity): SarifLevel {
  return LEVELS[severity];
}

export interface SarifOptions {
  toolVersion?: string;
  informationUri?: string;
}

/**
 * @example
 * const log = JSON.parse(renderSarif(findings, { toolVersion: '0.1.0' }));
 * log.runs[0].results[0].locations[0].physicalLocation.region.startLine; // 12
 */
export function renderSarif(findings: readonly Finding[], options: SarifOptions = {}): string {
  const ruleIndex = new Map<string, number>();
  const rules: object[] = [];
  for (const f of findings) {
    if (ruleIndex.has(f.code)) continue;
    ruleIndex.set(f.code, rules.length);
    rules.push(rule(f));
  }
  const driver: Record<string, unknown> = { name: 'credplane' };
  if (options.toolVersion !== undefined) driver['version'] = options.toolVersion;
  driver['informationUri'] = options.informationUri ?? DEFAULT_INFORMATION_URI;
  driver['rules'] = rules;
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver },
        results: findings.map((f) => result(f, ruleIndex.get(f.code) ?? 0)),
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function rule(f: Finding): object {
  const known = POLICY_CHECK_CODES.get(f.code);
  const severity = known?.severity ?? f.severity;
  const tags: string[] = [f.category];
  if (severity === 'SECURITY_WARNING') tags.push('security');
  const properties: Record<string, unknown> = { tags };
  const securitySeverity = SECURITY_SEVERITY[severity];
  if (securitySeverity !== undefined) properties['security-severity'] = securitySeverity;
  const out: Record<string, unknown> = {
    id: f.code,
    name: pascal(f.code),
    shortDescription: { text: known?.title ?? f.title },
  };
  if (known !== undefined) out['fullDescription'] = { text: known.description };
  out['defaultConfiguration'] = { level: sarifLevel(severity) };
  out['properties'] = properties;
  return out;
}

function result(f: Finding, index: number): object {
  const out: Record<string, unknown> = {
    ruleId: f.code,
    ruleIndex: index,
    level: sarifLevel(f.severity),
    message: { text: f.message },
  };
  const loc = f.location;
  const logical = {
    name: loc?.path !== undefined && loc.path !== '' ? loc.path : f.subject.name,
    fullyQualifiedName: [f.subject.kind, f.subject.name, loc?.policy, loc?.path]
      .filter((p) => p !== undefined && p !== '')
      .join('/'),
    kind: 'resource',
  };
  if (loc?.file !== undefined) {
    const physical: Record<string, unknown> = { artifactLocation: { uri: fileUri(loc.file) } };
    if (loc.line !== undefined) {
      physical['region'] = { startLine: loc.line, startColumn: loc.column ?? 1 };
    }
    out['locations'] = [{ physicalLocation: physical, logicalLocations: [logical] }];
  } else {
    out['locations'] = [{ logicalLocations: [logical] }];
  }
  out['properties'] = {
    severity: f.severity,
    category: f.category,
    subject: f.subject.arn ?? `${f.subject.kind}/${f.subject.name}`,
  };
  return out;
}

/** A relative path as a URI reference: forward slashes, reserved characters escaped. */
export function fileUri(file: string): string {
  return file
    .replace(/\\/g, '/')
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

function pascal(code: string): string {
  return code
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
