/**
 * The workload launch commands of the `credplane` CLI (they talk to a running `credplane up`):
 *
 *   credplane run-task <task-definition> [--count N] [--token-file] -- <command...>
 *   credplane list-tasks
 *   credplane stop-task <task-id|task-arn>
 *   credplane invoke <function> [--event FILE | --payload JSON]
 *   credplane run-function <function> -- <command...>
 */
import fs from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { invoke, runWithFunctionEnvironment } from '../delivery/lambda/invoke-command.js';
import { MAX_TASKS_PER_CALL } from '../delivery/container/admin-routes.js';
import { adminEndpoint } from '../delivery/launch/admin-client.js';
import { listTasks, runTask, stopTask } from '../delivery/launch/run-task.js';

interface DataDirOption {
  dataDir: string;
}

function withDataDir(command: Command): Command {
  return command.option('--data-dir <dir>', 'the data directory of the running credplane', '.credplane');
}

function taskCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_TASKS_PER_CALL) {
    throw new InvalidArgumentError(`must be 1..${MAX_TASKS_PER_CALL}`);
  }
  return n;
}

const err = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/**
 * @example
 * registerLaunchCommands(program);
 */
export function registerLaunchCommands(program: Command): void {
  withDataDir(program.command('run-task'))
    .description(
      'start ECS tasks of a task definition and run a command as each (container credentials endpoint)',
    )
    .argument('<task-definition>', 'family, family:revision or task definition ARN')
    .argument('<command...>', 'the command to run as each task')
    .option('--count <n>', 'number of tasks', taskCount, 1)
    .option('--token-file', 'deliver the token as AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE')
    .action(
      async (
        taskDefinition: string,
        command: string[],
        opts: DataDirOption & { count: number; tokenFile?: boolean },
      ) => {
        process.exitCode = await runTask({
          endpoint: adminEndpoint(opts.dataDir),
          taskDefinition,
          count: opts.count,
          tokenFile: Boolean(opts.tokenFile),
          command,
          log: (line) => err(`credplane: ${line}`),
        });
      },
    );

  withDataDir(program.command('list-tasks'))
    .description('list the tasks the running credplane knows (running first)')
    .action(async (opts: DataDirOption) => {
      for (const t of await listTasks(adminEndpoint(opts.dataDir))) {
        process.stdout.write(`${t.taskId}\t${t.lastStatus}\t${t.family}:${t.revision}\t${t.taskArn}\n`);
      }
    });

  withDataDir(program.command('stop-task'))
    .description('stop a task: its credentials path stops answering')
    .argument('<task>', 'task id or task ARN')
    .action(async (task: string, opts: DataDirOption) => {
      const stopped = await stopTask(adminEndpoint(opts.dataDir), task);
      process.stdout.write(`${stopped.taskArn}\t${stopped.lastStatus}\n`);
    });

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
