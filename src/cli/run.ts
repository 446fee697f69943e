/**
 * `credplane run <target> -- <command>`: run a command as a workload, whichever compute type it is.
 * The target's shape picks the channel, as each issue's `credplane run` asks:
 *
 * - `<cluster>/<namespace>/<serviceaccount>` → a pod (IRSA or Pod Identity): `run-pod`;
 * - an EC2 instance id or name known to the running server → `run-instance` (IMDS);
 * - anything else → a Lambda function (`run-function`; its names cannot contain `/`).
 *
 * The chosen command runs in a child process with the same arguments, so each channel keeps its
 * own options and its exit code is passed through.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { findInstance } from '../delivery/imds/environment.js';
import { readEndpointsFile } from '../delivery/imds/files.js';
import { DEFAULT_DATA_DIR, dataDirOption, RUNNING_DATA_DIR_HELP } from './store-option.js';

/** The channel command for `target`, given the data directory of the running server. */
export function runTargetCommand(
  target: string,
  dataDir: string,
): 'run-pod' | 'run-instance' | 'run-function' {
  if (target.includes('/') && !target.startsWith('arn:')) return 'run-pod';
  const endpoints = readEndpointsFile(path.resolve(dataDir));
  if (endpoints !== undefined && findInstance(endpoints, target) !== undefined) return 'run-instance';
  return 'run-function';
}

/** Options of the channel commands that take a value (the value is not the target). */
const VALUE_OPTIONS = new Set(['--data-dir', '--endpoint-url', '--account-id', '--region', '--store']);

/** The first positional argument: the target. */
export function targetOf(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    if (VALUE_OPTIONS.has(arg)) {
      i++;
      continue;
    }
    if (!arg.startsWith('-')) return arg;
  }
  return '';
}

function dataDirOf(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    if (arg === '--data-dir') return args[i + 1] ?? DEFAULT_DATA_DIR;
    if (arg.startsWith('--data-dir=')) return arg.slice('--data-dir='.length);
  }
  return DEFAULT_DATA_DIR;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description(
      'run a command as a workload: an EC2 instance (id or name), a Lambda function, or <cluster>/<namespace>/<serviceaccount>',
    )
    .argument('<target>', 'instance id or name, function name, or cluster/namespace/serviceaccount')
    .argument('<command...>', 'the command (after --)')
    .addOption(dataDirOption(RUNNING_DATA_DIR_HELP))
    .allowUnknownOption()
    .helpOption(false)
    .action(async () => {
      // Everything after `run`, exactly as typed, goes to the channel's own command.
      const argv = process.argv.slice(2);
      const rest = argv.slice(argv.indexOf('run') + 1);
      const target = targetOf(rest);
      const sub = runTargetCommand(target, dataDirOf(rest));
      const cli = fileURLToPath(new URL('./main.js', import.meta.url));
      process.exitCode = await new Promise<number>((resolve) => {
        const child = spawn(process.execPath, [cli, sub, ...rest], { stdio: 'inherit' });
        child.once('error', () => resolve(127));
        child.once('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
      });
    });
}
