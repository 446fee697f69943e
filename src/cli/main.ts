#!/usr/bin/env node
/**
 * The `credplane` command.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { applyTemplate } from '../config/apply.js';
import { templateAccountId } from '../config/metadata.js';
import { registerKubernetesCommands } from './cluster.js';
import { registerLaunchCommands } from './tasks.js';
import { registerImdsCommands } from './ec2.js';
import { isAwsError } from '../errors.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { registerAnalyzeCommand } from './analyze.js';
import { registerLogsCommand } from './logs.js';
import { registerPolicyCommands } from './policy.js';
import { registerRunCommand } from './run.js';
import { up } from './up.js';

const DEFAULT_ACCOUNT = '123456789012';
const DEFAULT_PORT = 7300;

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be 0..65535');
  return n;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new InvalidArgumentError('must be 1..10000');
  return n;
}

function accountId(value: string): string {
  if (!/^\d{12}$/.test(value)) throw new InvalidArgumentError('must be 12 digits');
  return value;
}

/** `--account-id`, else the template's `Metadata.Credplane.AccountId`, else the default. */
function resolveAccountId(given: string | undefined, templateFile: string | undefined): string {
  if (given !== undefined) return given;
  if (templateFile !== undefined) {
    const fromTemplate = templateAccountId(fs.readFileSync(templateFile, 'utf8'));
    if (fromTemplate !== undefined) return fromTemplate;
  }
  return DEFAULT_ACCOUNT;
}

/** The store of `--store` or `<data-dir>/credplane.db`, with the account present. */
async function openDataStore(opts: { store?: string; dataDir: string }, account: string): Promise<Store> {
  if (opts.store === undefined) fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const store = await openStore(opts.store ?? path.join(opts.dataDir, 'credplane.db'));
  if (!(await store.listAccounts()).some((a) => a.accountId === account)) {
    await store.createAccount({ accountId: account });
  }
  return store;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const program = new Command()
  .name('credplane')
  .description('A self-hostable, AWS-compatible workload credential plane.')
  .showHelpAfterError();

const dataDirOption = new Option('--data-dir <dir>', 'where state, keys and AWS config files live').default(
  '.credplane',
);

program
  .command('up')
  .description('start the control plane (STS and IAM on 127.0.0.1) and apply a template')
  .option('-t, --template <file>', 'CloudFormation template (YAML or JSON) to apply on start')
  .addOption(dataDirOption)
  .option('-p, --port <n>', 'port on 127.0.0.1 (0 = any free port)', port, DEFAULT_PORT)
  .option('--store <url>', 'postgres://... or a SQLite file (default: <data-dir>/credplane.db)')
  .option(
    '--account-id <id>',
    `the account id (default: the template's Metadata.Credplane.AccountId, else ${DEFAULT_ACCOUNT})`,
    accountId,
  )
  .option('--region <region>', 'the region clients sign for', 'us-east-1')
  .option('--stack-name <name>', 'stack name the template is applied as', 'credplane')
  .option('--parameter <Name=Value>', 'template parameter (repeatable)', collect, [])
  .option('--log-level <level>', 'pino level for <data-dir>/credplane.log', 'info')
  .option(
    '--backend <service=url>',
    "gateway backend per service, e.g. s3=http://127.0.0.1:5000 or '*=http://127.0.0.1:5000' (repeatable)",
    collect,
    [],
  )
  .option(
    '--lambda-concurrency <n>',
    'Lambda invocations running at once across all functions; more are throttled (429)',
    positiveInteger,
  )
  .option(
    '--gateway-mode <service[:Operation]=mode>',
    'enforce (default) or audit: forward what policy denies and log it (repeatable)',
    collect,
    [],
  )
  .action(async (opts) => {
    const plane = await up({ ...opts, accountId: resolveAccountId(opts.accountId, opts.template) });
    const shutdown = (signal: string): void => {
      process.stdout.write(`\n${signal}: stopping credplane...\n`);
      plane.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });

program
  .command('apply')
  .description('apply a CloudFormation template to the store: print the plan, then make the changes')
  .requiredOption('-f, --file <file>', 'template file (YAML or JSON)')
  .option('--dry-run', 'print the plan only')
  .addOption(dataDirOption)
  .option('--store <url>', 'postgres://... or a SQLite file (default: <data-dir>/credplane.db)')
  .option(
    '--account-id <id>',
    `the account id (default: the template's Metadata.Credplane.AccountId, else ${DEFAULT_ACCOUNT})`,
    accountId,
  )
  .option('--region <region>', 'region for ARNs', 'us-east-1')
  .option('--stack-name <name>', 'stack name', 'credplane')
  .option('--parameter <Name=Value>', 'template parameter (repeatable)', collect, [])
  .action(async (opts) => {
    const account = resolveAccountId(opts.accountId, opts.file);
    const store = await openDataStore(opts, account);
    try {
      const parameters = Object.fromEntries(
        (opts.parameter as string[]).map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
      );
      const text = fs.readFileSync(opts.file, 'utf8');
      const print = (plan: string): void => {
        process.stdout.write(plan.endsWith('\n') ? plan : `${plan}\n`);
      };
      let printed = false;
      const result = await applyTemplate(store, text, {
        accountId: account,
        region: opts.region,
        partition: 'aws',
        stackName: opts.stackName,
        parameters,
        dryRun: Boolean(opts.dryRun),
        // The plan is shown before the first write.
        onPlan: (_plan, planText) => {
          print(planText);
          printed = true;
        },
      });
      if (!printed) print(result.text);
      process.stdout.write(
        opts.dryRun ? 'dry run: nothing changed.\n' : result.applied ? 'applied.\n' : 'no changes.\n',
      );
    } finally {
      await store.close();
    }
  });

program
  .command('revoke-sessions')
  .description('invalidate every session of a role issued before now (AWS\'s "revoke active sessions")')
  .argument('<role-name>')
  .addOption(dataDirOption)
  .option('--store <url>', 'postgres://... or a SQLite file (default: <data-dir>/credplane.db)')
  .option('--account-id <id>', 'the account id', accountId, DEFAULT_ACCOUNT)
  .action(async (roleName: string, opts) => {
    const store = await openDataStore(opts, opts.accountId);
    try {
      const revocation = await store.revokeRoleSessions(opts.accountId, roleName, new Date());
      process.stdout.write(
        `sessions of role ${roleName} issued before ${revocation.revokedBefore.toISOString()} are revoked ` +
          '(a running credplane applies it to its next request)\n',
      );
    } finally {
      await store.close();
    }
  });

registerRunCommand(program);
registerAnalyzeCommand(program);
registerLogsCommand(program);
registerPolicyCommands(program);
registerKubernetesCommands(program);
registerLaunchCommands(program);

registerImdsCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (isAwsError(error)) {
    process.stderr.write(`credplane: ${error.code}: ${error.message}\n`);
  } else {
    process.stderr.write(`credplane: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
