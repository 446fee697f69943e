/**
 * `credplane up`: start the control plane, apply a template, print how to use it, run until
 * SIGINT/SIGTERM.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import pino from 'pino';
import { applyTemplate } from '../stacks/apply.js';
import { templateGatewaySettings } from '../stacks/metadata.js';
import { irsaTrustWarnings } from '../delivery/kubernetes/posture.js';
import {
  emptyGatewaySettings,
  mergeGatewaySettings,
  parseGatewayFlags,
  type GatewaySettings,
} from '../gateway/config.js';
import { ClusterRegistry } from '../oidc/cluster-registry.js';
import { ADMIN_PROFILE } from '../server/admin.js';
import { loadMasterKey } from '../server/master-key.js';
import { startControlPlane, type RunningControlPlane } from '../server/start.js';
import type { Store } from '../store/store.js';
import { accountId, collect, DEFAULT_ACCOUNT, port, positiveInteger, resolveAccountId } from './options.js';
import { parameterOption, type TemplateParameters } from './parameters.js';
import { dataDirOption, storeOption } from './store-option.js';
import { credentialLifetime } from './credential-lifetime.js';

const DEFAULT_PORT = 7300;

/**
 * @example
 * registerUpCommand(program);
 */
export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('start the control plane (STS and IAM on 127.0.0.1) and apply a template')
    .option('-t, --template <file>', 'CloudFormation template (YAML or JSON) to apply on start')
    .addOption(dataDirOption())
    .option('-p, --port <n>', 'port on 127.0.0.1 (0 = any free port)', port, DEFAULT_PORT)
    .addOption(storeOption())
    .option(
      '--account-id <id>',
      `the account id (default: the template's Metadata.Credplane.AccountId, else ${DEFAULT_ACCOUNT})`,
      accountId,
    )
    .option('--region <region>', 'the region clients sign for', 'us-east-1')
    .option('--stack-name <name>', 'stack name the template is applied as', 'credplane')
    .addOption(parameterOption())
    .option('--log-level <level>', 'pino level for <data-dir>/credplane.log', 'info')
    .option(
      '--backend <service=url>',
      "gateway backend per service, e.g. s3=http://127.0.0.1:5000 or '*=http://127.0.0.1:5000' (repeatable)",
      collect,
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
    )
    .option('--agent-port <n>', 'serve node agents (mutual TLS; docs/fleet-agent.md) on this port', port)
    .option('--agent-host <address>', 'address the agent port binds', '127.0.0.1')
    .option(
      '--console-host <name>',
      'a host name the console answers to besides IP addresses and localhost (repeatable; DNS rebinding defence, docs/console.md)',
      collect,
    )
    .option(
      '--agent-name <name>',
      'another name or address agents reach the agent port at (repeatable)',
      collect,
    )
    .action(async (opts) => {
      // Handlers first: a SIGTERM while starting (or right after the banner) stops cleanly, once
      // the plane is up, instead of killing the process with its journal unflushed.
      const state: { plane?: RunningControlPlane; signalled?: string } = {};
      const stop = (running: RunningControlPlane, signal: string): void => {
        process.stdout.write(`\n${signal}: stopping credplane...\n`);
        running.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      const shutdown = (signal: string): void => {
        if (state.signalled !== undefined) return;
        state.signalled = signal;
        if (state.plane !== undefined) stop(state.plane, signal);
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      state.plane = await up({ ...opts, accountId: resolveAccountId(opts.accountId, opts.template) });
      if (state.signalled !== undefined) stop(state.plane, state.signalled);
    });
}

export interface UpOptions {
  template?: string;
  dataDir: string;
  port: number;
  store?: string;
  accountId: string;
  region: string;
  stackName: string;
  /** `--parameter Key=Value` (see parameters.ts). */
  parameter?: TemplateParameters;
  logLevel: string;
  /** `--backend service=url` and `--gateway-mode service[:Operation]=mode`, over the template's. */
  backend?: string[];
  gatewayMode?: string[];
  /** `--lambda-concurrency`: invocations running at once across all functions. */
  lambdaConcurrency?: number;
  /** `--agent-port`, `--agent-host`, `--agent-name`: the node agents' port. */
  agentPort?: number;
  agentHost?: string;
  agentName?: string[];
  /** `--console-host`: names the console answers to besides IP literals and `localhost`. */
  consoleHost?: string[];
}

export async function up(options: UpOptions): Promise<RunningControlPlane> {
  const dataDir = path.resolve(options.dataDir);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logFile = path.join(dataDir, 'credplane.log');
  const destination = pino.destination({ dest: logFile, mkdir: true, sync: false });
  // Wait for the file to open: exiting on an early startup error must not find the stream unready.
  await new Promise<void>((resolve, reject) => {
    destination.once('ready', () => resolve());
    destination.once('error', reject);
  });
  const logger = pino({ level: options.logLevel, base: { pid: process.pid } }, destination);
  const gateway = mergeGatewaySettings(
    (options.template === undefined
      ? undefined
      : templateGatewaySettings(fs.readFileSync(options.template, 'utf8'))) ?? emptyGatewaySettings(),
    parseGatewayFlags(options.backend ?? [], options.gatewayMode ?? []),
  );
  const plane = await startControlPlane({
    gateway,
    dataDir,
    port: options.port,
    accountId: options.accountId,
    region: options.region,
    logger,
    ...(options.store === undefined ? {} : { store: options.store }),
    ...(process.env.CREDPLANE_CLOCK_OFFSET_SECONDS
      ? { clockOffsetSeconds: Number(process.env.CREDPLANE_CLOCK_OFFSET_SECONDS) }
      : {}),
    imds: imdsSettings(process.env),
    ecs: credentialLifetime(process.env, 'ECS'),
    lambda: credentialLifetime(process.env, 'LAMBDA'),
    irsa: credentialLifetime(process.env, 'IRSA'),
    ...(options.lambdaConcurrency === undefined ? {} : { lambdaConcurrency: options.lambdaConcurrency }),
    ...(options.consoleHost === undefined ? {} : { consoleHosts: options.consoleHost }),
    ...(options.agentPort === undefined
      ? {}
      : {
          agents: {
            port: options.agentPort,
            ...(options.agentHost === undefined ? {} : { host: options.agentHost }),
            ...(options.agentName === undefined ? {} : { serverNames: options.agentName }),
          },
        }),
  });
  logger.info(
    { url: plane.url, accountId: plane.accountId, masterKey: plane.masterKeySource },
    'control plane started',
  );

  let planText = '';
  if (options.template !== undefined) {
    try {
      const result = await applyTemplate(plane.store, fs.readFileSync(options.template, 'utf8'), {
        accountId: plane.accountId,
        region: plane.region,
        partition: 'aws',
        stackName: options.stackName,
        parameters: options.parameter ?? {},
        dryRun: false,
      });
      planText = result.text;
      await plane.imds.reconcile();
    } catch (error) {
      await plane.stop();
      throw error;
    }
  }

  const env = `AWS_CONFIG_FILE=${plane.awsFiles.config} AWS_SHARED_CREDENTIALS_FILE=${plane.awsFiles.credentials}`;
  const lines = [
    `credplane is up: ${plane.url} (STS and IAM, account ${plane.accountId}, region ${plane.region})`,
    // A one-time token (15 minutes, single use; docs/console.md), as Jupyter prints its own.
    `  console: ${plane.consoleLoginUrl()}`,
    `  data directory: ${dataDir}   log: ${logFile}`,
    ...(planText === ''
      ? []
      : [
          '',
          `template ${options.template}:`,
          ...planText
            .trimEnd()
            .split('\n')
            .map((l) => `  ${l}`),
        ]),
    '',
    'Try it (the profile sends every AWS call to credplane):',
    `  export ${env} AWS_PROFILE=${ADMIN_PROFILE} AWS_EC2_METADATA_DISABLED=true`,
    '  aws sts get-caller-identity',
    '  aws iam list-roles --query "Roles[].Arn"',
    `  aws sts assume-role --role-arn arn:aws:iam::${plane.accountId}:role/<name> --role-session-name me`,
    '',
    ...gatewayLines(gateway),
    ...(plane.agentUrl === undefined
      ? []
      : [`Node agents: ${plane.agentUrl} (credplane node add <name>)`, '']),
    ...instanceLines(plane),
    ...(await irsaBannerLines(plane.store, dataDir, plane.accountId)),
    'Stop with Ctrl-C; state is kept in the data directory for the next start.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return plane;
}

/**
 * Lines for the `credplane up` banner: roles that trust every service account of a cluster.
 *
 * @example
 * lines.push(...(await irsaBannerLines(plane.store, dataDir, plane.accountId)));
 */
async function irsaBannerLines(store: Store, dataDir: string, account: string): Promise<string[]> {
  try {
    const registry = new ClusterRegistry({ dataDir, masterKey: loadMasterKey({ dataDir }).key });
    const warnings = await irsaTrustWarnings(store, registry, account);
    return warnings.length === 0
      ? []
      : ['IRSA trust warnings:', ...warnings.map((w) => `  warning: ${w}`), ''];
  } catch (error) {
    return [`IRSA trust check failed: ${error instanceof Error ? error.message : String(error)}`, ''];
  }
}

/** Testing aids: shorter instance credential lifetimes to watch rotation. */
function imdsSettings(env: NodeJS.ProcessEnv): { credentialSeconds?: number; refreshBeforeSeconds?: number } {
  const credentialSeconds = Number(env.CREDPLANE_IMDS_CREDENTIAL_SECONDS);
  const refreshBeforeSeconds = Number(env.CREDPLANE_IMDS_REFRESH_BEFORE_SECONDS);
  return {
    ...(credentialSeconds > 0 ? { credentialSeconds } : {}),
    ...(refreshBeforeSeconds > 0 ? { refreshBeforeSeconds } : {}),
  };
}

function gatewayLines(settings: GatewaySettings): string[] {
  const backends = Object.entries(settings.backends);
  const modes = Object.entries(settings.modes).filter(([, mode]) => mode === 'audit');
  return [
    backends.length === 0
      ? 'Gateway: no backends (add --backend s3=http://127.0.0.1:5000 or --backend "*=..." to forward AWS service calls)'
      : `Gateway (AWS service calls on the same URL, enforced): ${backends.map(([s, b]) => `${s} -> ${b.url}`).join(', ')}`,
    ...(modes.length === 0 ? [] : [`  audit only: ${modes.map(([key]) => key).join(', ')}`]),
    '',
  ];
}

function instanceLines(plane: RunningControlPlane): string[] {
  const instances = plane.imds.list();
  if (instances.length === 0) return [];
  return [
    'EC2 instances (instance metadata service on loopback):',
    ...instances.map((i) => `  ${i.name} ${i.instanceId}: ${i.url}  (role ${i.roleName ?? '-'})`),
    `  run a command as one: credplane run ${instances[0]!.instanceId} -- aws sts get-caller-identity`,
    '',
  ];
}
