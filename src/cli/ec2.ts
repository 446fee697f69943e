/**
 * The CLI of the EC2 channel: `credplane ec2 env|run <instance>`, `credplane run-instance` (and
 * `credplane env|run` where those names are free).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Command } from 'commander';
import {
  childEnvironment,
  emptyAwsConfig,
  findInstance,
  instanceEnvironment,
  shellExports,
  type InstanceRef,
} from '../delivery/imds/environment.js';
import { readEndpointsFile, type EndpointsFile } from '../delivery/imds/files.js';
import { dataDirOption, RUNNING_DATA_DIR_HELP } from './store-option.js';

function resolve(
  dataDirArg: string,
  key: string,
): { endpoints: EndpointsFile; instance: InstanceRef; dataDir: string } {
  const dataDir = path.resolve(dataDirArg);
  const endpoints = readEndpointsFile(dataDir);
  if (endpoints === undefined) {
    throw new Error(
      `no running credplane found in ${dataDir} (start one with: credplane up --data-dir ${dataDirArg})`,
    );
  }
  const instance = findInstance(endpoints, key);
  if (instance === undefined) {
    const known = endpoints.instances.map((i) => `${i.name} (${i.instanceId})`).join(', ') || 'none';
    throw new Error(`no instance '${key}'; instances: ${known}`);
  }
  return { endpoints, instance, dataDir };
}

function addEnv(parent: Command, name: string): void {
  parent
    .command(name)
    .description("print the shell exports that make an SDK use an instance's metadata service")
    .argument('<instance>', 'instance id or name')
    .addOption(dataDirOption(RUNNING_DATA_DIR_HELP))
    .action((key: string, opts: { dataDir: string }) => {
      const { endpoints, instance, dataDir } = resolve(opts.dataDir, key);
      process.stdout.write(
        `${shellExports(instanceEnvironment(endpoints, instance, emptyAwsConfig(dataDir)))}\n`,
      );
    });
}

function addRun(parent: Command, name: string): void {
  parent
    .command(name)
    .description('run a command as an EC2 instance: its role through its metadata service')
    .argument('<instance>', 'instance id or name')
    .argument('<command...>', 'the command (after --)')
    .addOption(dataDirOption(RUNNING_DATA_DIR_HELP))
    .action(async (key: string, command: string[], opts: { dataDir: string }) => {
      const { endpoints, instance, dataDir } = resolve(opts.dataDir, key);
      const env = childEnvironment(
        process.env,
        instanceEnvironment(endpoints, instance, emptyAwsConfig(dataDir)),
      );
      const code = await new Promise<number>((done) => {
        const child = spawn(command[0]!, command.slice(1), { env, stdio: 'inherit' });
        child.once('error', (error) => {
          process.stderr.write(`credplane: ${error.message}\n`);
          done(127);
        });
        child.once('exit', (exitCode, signal) => done(exitCode ?? (signal === null ? 1 : 128)));
      });
      process.exitCode = code;
    });
}

/**
 * @example
 * registerEc2Commands(program);
 */
export function registerEc2Commands(program: Command): void {
  const ec2 = program.command('ec2').description('EC2 instances and their instance metadata service');
  addEnv(ec2, 'env');
  addRun(ec2, 'run');
  const taken = new Set(program.commands.map((c) => c.name()));
  if (!taken.has('env')) addEnv(program, 'env');
  if (!taken.has('run')) addRun(program, 'run');
  // Beside `run-task` and `run-function`: the name that is always free of the other channels.
  if (!taken.has('run-instance')) addRun(program, 'run-instance');
}
