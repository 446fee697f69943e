#!/usr/bin/env node
/**
 * The `credplane` command. Each command (or command group) is registered by its own module in
 * this directory; this file puts them together in the order `credplane --help` lists them.
 */
import { Command } from 'commander';
import { isAwsError } from '../errors.js';
import { registerAnalyzeCommand } from './analyze.js';
import { registerApplyCommand } from './apply.js';
import { registerClusterCommands } from './cluster.js';
import { registerEc2Commands } from './ec2.js';
import { registerLabCommands } from './lab.js';
import { registerLambdaCommands } from './lambda.js';
import { registerLogsCommand } from './logs.js';
import { registerPolicyCommands } from './policy.js';
import { registerRevokeSessionsCommand } from './revoke-sessions.js';
import { registerRunCommand } from './run.js';
import { NoStoreError } from './store-option.js';
import { registerTaskCommands } from './tasks.js';
import { registerUpCommand } from './up.js';

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

program.parseAsync(process.argv).catch((error: unknown) => {
  if (isAwsError(error)) {
    process.stderr.write(`credplane: ${error.code}: ${error.message}\n`);
  } else {
    process.stderr.write(`credplane: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  // `credplane analyze` makes a missing store a usage error (exit 2).
  process.exit(error instanceof NoStoreError ? error.exitCode : 1);
});
