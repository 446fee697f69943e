/**
 * The ECS task commands of the `credplane` CLI (they talk to a running `credplane up`):
 *
 *   credplane run-task <task-definition> [--count N] [--token-file] -- <command...>
 *   credplane list-tasks
 *   credplane stop-task <task-id|task-arn>
 */
import { InvalidArgumentError, type Command } from 'commander';
import { MAX_TASKS_PER_CALL } from '../delivery/container/admin-routes.js';
import { adminEndpoint } from '../admin-api/client.js';
import { dataDirOption, RUNNING_DATA_DIR_HELP } from './store-option.js';
import { listTasks, runTask, stopTask } from '../delivery/launcher/run-task.js';

interface DataDirOption {
  dataDir: string;
}

function withDataDir(command: Command): Command {
  return command.addOption(dataDirOption(RUNNING_DATA_DIR_HELP));
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
 * registerTaskCommands(program);
 */
export function registerTaskCommands(program: Command): void {
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
}
