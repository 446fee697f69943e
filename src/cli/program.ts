/**
 * The `credplane` program: every command, each registered by its own module in this directory,
 * in the order `credplane --help` lists them.
 */
import { Command } from 'commander';
import { registerAgentCommand } from './agent.js';
import { registerAnalyzeCommand } from './analyze.js';
import { registerApplyCommand } from './apply.js';
import { registerClusterCommands } from './cluster.js';
import { registerEc2Commands } from './ec2.js';
import { registerLabCommands } from './lab.js';
import { registerLambdaCommands } from './lambda.js';
import { registerLogsCommand } from './logs.js';
import { registerNodeCommands } from './node.js';
import { registerPolicyCommands } from './policy.js';
import { registerRevokeSessionsCommand } from './revoke-sessions.js';
import { registerRunCommand } from './run.js';
import { registerTaskCommands } from './tasks.js';
import { registerUpCommand } from './up.js';

/**
 * @example
 * await credplaneProgram().parseAsync(process.argv);
 */
export function credplaneProgram(): Command {
  const program = new Command()
    .name('credplane')
    .description('A self-hostable, AWS-compatible workload credential plane.')
    .showHelpAfterError();

  registerUpCommand(program);
  registerApplyCommand(program);
  registerRevokeSessionsCommand(program);
  registerRunCommand(program);
  registerAnalyzeCommand(program);
  registerLogsCommand(program);
  registerPolicyCommands(program);
  registerClusterCommands(program);
  registerTaskCommands(program);
  registerLambdaCommands(program);
  registerEc2Commands(program);
  registerLabCommands(program);
  registerNodeCommands(program);
  registerAgentCommand(program);
  return program;
}
