/**
 * `credplane policy validate <file>`: Access-Analyzer-style checks of a policy document (JSON) or
 * of every policy in a CloudFormation template (YAML or JSON), as a terminal report, JSON or SARIF
 * 2.1.0, with a CI exit code: 0 when no finding is at or above `--fail-on` (default `error`), 1
 * when one is, 2 for usage errors (unknown option values, unreadable file).
 *
 * The `policy` command group is created elsewhere (`src/cli/policy.ts`); this module adds its
 * `validate` subcommand.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { Finding } from '../analyzer/findings.js';
import { checkPolicy } from '../analyzer/policy-checks/check-policy.js';
import type { PolicyCheckKind } from '../analyzer/policy-checks/context.js';
import { exitCodeFor, parseFailOn, renderFindings } from '../analyzer/report/index.js';
import type { ReportFormat } from '../analyzer/report/index.js';
import { checkTemplateText } from '../analyzer/template-policies.js';

const KINDS: readonly PolicyCheckKind[] = ['identity', 'trust', 'boundary', 'resource', 'scp'];
const FORMATS: readonly ReportFormat[] = ['text', 'json', 'sarif'];

export interface PolicyValidateOptions {
  kind?: string;
  format?: string;
  failOn?: string;
}

export interface PolicyValidateResult {
  /** What to print on stdout (the report) or stderr (a usage error). */
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** True when the text is a CloudFormation template rather than a policy document. */
export function isTemplate(text: string, file: string): boolean {
  if (/\.(ya?ml|template)$/i.test(file)) return true;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && 'Resources' in value && !('Statement' in value);
  } catch {
    return false;
  }
}

/**
 * Validates one file and returns the report and exit code (no I/O besides reading the file), so
 * that tests and other commands can run it in process.
 *
 * @example
 * const { stdout, exitCode } = await validatePolicyFile('policy.json', { kind: 'identity', format: 'sarif' });
 */
export async function validatePolicyFile(
  file: string,
  options: PolicyValidateOptions,
  render: { color?: boolean; toolVersion?: string; cwd?: string } = {},
): Promise<PolicyValidateResult> {
  const usage = (message: string): PolicyValidateResult => ({
    stdout: '',
    stderr: `credplane policy validate: ${message}\n`,
    exitCode: 2,
  });
  const kind = (options.kind ?? 'identity').toLowerCase();
  if (!(KINDS as readonly string[]).includes(kind)) {
    return usage(`--kind must be one of ${KINDS.join(', ')}`);
  }
  const format = (options.format ?? 'text').toLowerCase();
  if (!(FORMATS as readonly string[]).includes(format)) {
    return usage(`--format must be one of ${FORMATS.join(', ')}`);
  }
  const failOn = parseFailOn(options.failOn ?? 'error');
  if (failOn === undefined) {
    return usage('--fail-on must be one of error, security_warning, warning, suggestion, none');
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return usage(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const shown = relativePath(file, render.cwd ?? process.cwd());
  let findings: Finding[];
  if (isTemplate(text, file)) {
    findings = await checkTemplateText(text, shown);
  } else {
    findings = (await checkPolicy(text, { kind: kind as PolicyCheckKind, policy: path.basename(file) })).map(
      (f) => ({ ...f, location: { ...f.location, file: shown } }),
    );
  }
  const stdout = renderFindings(findings, format as ReportFormat, {
    color: format === 'text' && render.color === true,
    ...(render.toolVersion !== undefined ? { toolVersion: render.toolVersion } : {}),
  });
  return { stdout, stderr: '', exitCode: exitCodeFor(findings, failOn) };
}

/** The file as SARIF and editors want it: relative to the working directory, `/`-separated. */
function relativePath(file: string, cwd: string): string {
  const relative = path.relative(cwd, path.resolve(cwd, file));
  const shown = relative.startsWith('..') || path.isAbsolute(relative) ? path.resolve(cwd, file) : relative;
  return shown.split(path.sep).join('/');
}

/** credplane's version from its package.json (`src/cli` and `dist/cli` are both two levels down). */
function packageVersion(): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Adds `validate` to the `credplane policy` command group. SARIF names `toolVersion` (default:
 * the package's version).
 *
 * @example
 * const policy = program.command('policy').description('...');
 * registerPolicyValidate(policy);
 */
export function registerPolicyValidate(
  policyCommand: Command,
  toolVersion: string | undefined = packageVersion(),
): void {
  policyCommand
    .command('validate')
    .description(
      'check a policy document (JSON) or every policy of a CloudFormation template like IAM Access Analyzer',
    )
    .argument('<file>', 'a policy document (.json) or a template (.yaml, .yml, .json with Resources)')
    .option('--kind <kind>', `policy kind of a policy document: ${KINDS.join('|')}`, 'identity')
    .option('--format <format>', 'text, json or sarif (SARIF 2.1.0)', 'text')
    .option(
      '--fail-on <severity>',
      'exit 1 when a finding is at least this severe: error|security_warning|warning|suggestion|none',
      'error',
    )
    .action(async (file: string, opts: PolicyValidateOptions) => {
      const color = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
      const result = await validatePolicyFile(file, opts, {
        color,
        ...(toolVersion !== undefined ? { toolVersion } : {}),
      });
      if (result.stderr !== '') process.stderr.write(result.stderr);
      if (result.stdout !== '') process.stdout.write(result.stdout);
      process.exitCode = result.exitCode;
    });
}
