/**
 * `credplane analyze`: posture, unused access and policy checks over the store, rendered for a
 * terminal (coloured on a TTY), as JSON or as SARIF 2.1.0, with an exit code that makes it a CI
 * gate (`--fail-on security_warning`). `--last-accessed` prints IAM's "Access Advisor" report
 * per role instead.
 */
import fs from 'node:fs';
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { analyze, CHECK_FAMILIES } from '../analyzer/analyze.js';
import type { CheckFamily } from '../analyzer/analyze.js';
import { SEVERITIES } from '../analyzer/findings.js';
import type { Severity } from '../analyzer/findings.js';
import { loadAnalysisData } from '../analyzer/load.js';
import { checkTemplate } from '../analyzer/policy-checks/index.js';
import { exitCodeFor, parseFailOn, renderFindings } from '../analyzer/report/index.js';
import type { ReportFormat } from '../analyzer/report/index.js';
import { DEFAULT_PERIOD, parsePeriod, serviceLastAccessed } from '../analyzer/unused/index.js';
import type { ServiceLastAccessed } from '../analyzer/unused/index.js';
import type { Store } from '../store/store.js';
import {
  dataDirOption,
  NoStoreError,
  openCliStore,
  storeOption,
  type StoreLocation,
} from './store-option.js';

/** Exit code 2 for bad option values, as `credplane policy validate` (1 is the CI gate's). */
const USAGE_EXIT = 2;

function usage(message: string): InvalidArgumentError {
  const error = new InvalidArgumentError(message);
  error.exitCode = USAGE_EXIT;
  return error;
}

function period(value: string): number {
  try {
    return parsePeriod(value);
  } catch (error) {
    throw usage((error as Error).message);
  }
}

function failOn(value: string): Severity | 'none' {
  const parsed = parseFailOn(value);
  if (parsed === undefined) {
    throw usage(`must be one of ${SEVERITIES.map((s) => s.toLowerCase()).join(', ')}, none`);
  }
  return parsed;
}

function format(value: string): ReportFormat {
  const lower = value.toLowerCase();
  if (lower !== 'text' && lower !== 'json' && lower !== 'sarif') throw usage('must be text, json or sarif');
  return lower;
}

function checks(value: string): CheckFamily[] {
  const list = value
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '');
  for (const c of list) {
    if (!(CHECK_FAMILIES as readonly string[]).includes(c)) {
      throw usage(`unknown check '${c}' (known: ${CHECK_FAMILIES.join(', ')})`);
    }
  }
  return list as CheckFamily[];
}

function accountId(value: string): string {
  if (!/^\d{12}$/.test(value)) throw usage('must be 12 digits');
  return value;
}

/** The store to analyze; none where `--data-dir` points is a usage error. */
async function openExistingStore(opts: StoreLocation): Promise<Store> {
  try {
    return await openCliStore(opts, { create: false });
  } catch (error) {
    if (error instanceof NoStoreError) error.exitCode = USAGE_EXIT;
    throw error;
  }
}

function renderLastAccessed(
  reports: { role: string; services: ServiceLastAccessed[] }[],
  format: ReportFormat,
): string {
  if (format !== 'text') return `${JSON.stringify({ roles: reports }, null, 2)}\n`;
  const lines: string[] = [];
  for (const { role, services } of reports) {
    lines.push(`role ${role}`);
    for (const s of services) {
      lines.push(
        `  ${s.serviceNamespace.padEnd(24)} ${s.lastAuthenticated?.toISOString() ?? 'never accessed'}`,
      );
      for (const a of s.trackedActionsLastAccessed) {
        lines.push(
          `    ${a.actionName.padEnd(38)} ${a.lastAccessedTime.toISOString()}  ${a.lastAccessedResource}`,
        );
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Registers `credplane analyze`.
 *
 * @example
 * registerAnalyzeCommand(program);
 */
export function registerAnalyzeCommand(program: Command): void {
  program
    .command('analyze')
    .description(
      'find unused access, posture problems and policy mistakes in the store (a CI gate with --fail-on)',
    )
    // Defaults are shown as a person writes them (`90d`, not the milliseconds the parser makes).
    .addOption(
      new Option('--period <d>', 'tracking period for unused access: 90d, 2h, 15m, ...')
        .argParser(period)
        .default(parsePeriod(DEFAULT_PERIOD), DEFAULT_PERIOD),
    )
    .option('--role <name>', 'only this role and its policies')
    .option(
      '--template <file>',
      'also check the policies of this CloudFormation template (for SARIF locations)',
    )
    .option('--format <format>', 'text, json or sarif (SARIF 2.1.0)', format, 'text' as ReportFormat)
    .addOption(
      new Option(
        '--fail-on <severity>',
        'exit 1 when a finding is at least this severe: error, security_warning, warning, suggestion, none',
      )
        .argParser(failOn)
        .default('ERROR' satisfies Severity, 'error'),
    )
    .addOption(
      new Option('--checks <list>', `comma-separated: ${CHECK_FAMILIES.join(',')}`)
        .argParser(checks)
        .default([...CHECK_FAMILIES], CHECK_FAMILIES.join(',')),
    )
    .option(
      '--last-accessed',
      "print each role's service and action last-accessed report (Access Advisor) instead",
    )
    .addOption(dataDirOption())
    .addOption(storeOption())
    .option('--account-id <id>', 'only this account (default: every account in the store)', accountId)
    .action(async (opts) => {
      const store = await openExistingStore(opts);
      try {
        const format = opts.format as ReportFormat;
        const accountIds: string[] | undefined = opts.accountId === undefined ? undefined : [opts.accountId];
        if (opts.lastAccessed === true) {
          const reports: { role: string; services: ServiceLastAccessed[] }[] = [];
          for (const account of accountIds ?? (await store.listAccounts()).map((a) => a.accountId)) {
            const data = await loadAnalysisData(store, {
              accountId: account,
              periodMs: opts.period,
              ...(opts.role === undefined ? {} : { roleName: opts.role }),
            });
            for (const r of data.roles)
              reports.push({ role: r.role.arn, services: await serviceLastAccessed(r) });
          }
          process.stdout.write(renderLastAccessed(reports, format));
          return;
        }
        let templateText: string | undefined;
        if (opts.template !== undefined) {
          try {
            templateText = fs.readFileSync(opts.template, 'utf8');
          } catch (error) {
            const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
            process.stderr.write(`credplane analyze: cannot read ${opts.template}: ${code}\n`);
            process.exitCode = USAGE_EXIT;
            return;
          }
        }
        const checks = opts.checks as CheckFamily[];
        const templateFindings =
          opts.template !== undefined && checks.includes('policies')
            ? await checkTemplate(opts.template)
            : undefined;
        const findings = await analyze(store, {
          periodMs: opts.period,
          checks,
          ...(accountIds === undefined ? {} : { accountIds }),
          ...(opts.role === undefined ? {} : { roleName: opts.role }),
          ...(templateFindings === undefined ? {} : { templateFindings }),
          ...(templateText === undefined
            ? {}
            : { templateSource: { file: opts.template, text: templateText } }),
        });
        const color =
          format === 'text' && process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
        process.stdout.write(renderFindings(findings, format, { color }));
        process.exitCode = exitCodeFor(findings, opts.failOn);
      } finally {
        await store.close();
      }
    });
}
