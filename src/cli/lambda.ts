/**
 * The Lambda commands of the `credplane` CLI (they talk to a running `credplane up`):
 *
 *   credplane invoke <function> [--event FILE | --payload JSON]
 *   credplane run-function <function> -- <command...>
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { adminEndpoint } from '../admin-api/client.js';
import { dataDirOption, RUNNING_DATA_DIR_HELP } from './store-option.js';
import { invoke, runWithFunctionEnvironment } from '../delivery/lambda/invoke-command.js';

interface DataDirOption {
  dataDir: string;
}

function withDataDir(command: Command): Command {
  return command.addOption(dataDirOption(RUNNING_DATA_DIR_HELP));
}

const err = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/**
 * @example
 * registerLambdaCommands(program);
 */
export function registerLambdaCommands(program: Command): void {
  withDataDir(program.command('invoke'))
    .description(
      'invoke a Lambda function: credplane runs its handler behind a Runtime API, reusing warm environments',
    )
    .argument('<function>', 'function name or ARN')
    .option('--event <file>', 'event JSON file (default {})')
    .option('--payload <json>', 'event JSON inline')
    .action(async (fn: string, opts: DataDirOption & { event?: string; payload?: string }) => {
      const event = opts.event !== undefined ? fs.readFileSync(opts.event, 'utf8') : (opts.payload ?? '{}');
      const result = await invoke({ endpoint: adminEndpoint(opts.dataDir), function: fn, event });
      if (result.logTail !== '') err(result.logTail);
      process.stdout.write(`${result.payload}\n`);
      if (result.functionError !== undefined) {
        err(`credplane: FunctionError: ${result.functionError}`);
        process.exitCode = 1;
      }
    });

  withDataDir(program.command('run-function'))
    .description("run a command with a Lambda function's environment (execution-role credentials)")
    .argument('<function>', 'function name or ARN')
    .argument('<command...>')
    .action(async (fn: string, command: string[], opts: DataDirOption) => {
      process.exitCode = await runWithFunctionEnvironment(
        adminEndpoint(opts.dataDir),
        fn,
        command,
        process.cwd(),
      );
    });
}
