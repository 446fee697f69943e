/**
 * `credplane invoke <function> [--event FILE]` (the running credplane runs the handler) and
 * `credplane run-function <function> -- <command>` (any command with the function's configuration
 * and execution-role credentials, fetched from the running credplane).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { adminRequest, type AdminEndpoint } from '../../admin-api/client.js';
import { runCommand, workloadProcessEnv } from '../launcher/workload-process.js';
import type { FunctionEnvironmentAnswer, InvokeAnswer } from './admin-routes.js';
import { lambdaEnvironment } from './environment.js';
import type { FunctionConfiguration } from './functions.js';
import { InvalidParameterValueError } from './runtime-api.js';

export async function functionEnvironment(
  endpoint: AdminEndpoint,
  fn: string,
): Promise<FunctionEnvironmentAnswer> {
  return (await adminRequest(endpoint, 'lambda', 'POST', '/credplane/lambda/function-environment', {
    function: fn,
  })) as FunctionEnvironmentAnswer;
}

/**
 * The directory to use as `LAMBDA_TASK_ROOT`: a local `Code` path (relative to `cwd`), or a
 * temporary directory holding an inline `ZipFile` as `index.js` (CloudFormation's convention for
 * Node.js). `cleanup` removes what was created.
 */
export function taskRootOf(fn: FunctionConfiguration, cwd: string): { dir: string; cleanup: () => void } {
  const code = fn.code;
  if ('path' in code) {
    const resolved = path.resolve(cwd, code.path);
    const stat = fs.statSync(resolved, { throwIfNoEntry: false });
    if (stat === undefined) throw new InvalidParameterValueError(`Code path ${resolved} does not exist`);
    return { dir: stat.isDirectory() ? resolved : path.dirname(resolved), cleanup: () => undefined };
  }
  if ('zipFile' in code) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-fn-'));
    fs.writeFileSync(path.join(dir, 'index.js'), code.zipFile);
    fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"commonjs"}');
    return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  throw new InvalidParameterValueError(
    'credplane runs function code from a local path or an inline ZipFile only',
  );
}

export interface InvokeOptions {
  endpoint: AdminEndpoint;
  function: string;
  event: string;
}

/**
 * Invoke through the running credplane, which keeps the function's execution environments warm
 * while their credentials are fresh (see `function-host.ts`).
 *
 * @example
 * const result = await invoke({ endpoint, function: 'report', event: '{}' });
 */
export async function invoke(options: InvokeOptions): Promise<InvokeAnswer> {
  return (await adminRequest(options.endpoint, 'lambda', 'POST', '/credplane/lambda/invoke', {
    function: options.function,
    payload: options.event,
  })) as InvokeAnswer;
}

/** Run `command` with the function's environment (no Runtime API): exit code of the command. */
export async function runWithFunctionEnvironment(
  endpoint: AdminEndpoint,
  fnReference: string,
  command: readonly string[],
  cwd: string,
): Promise<number> {
  const answer = await functionEnvironment(endpoint, fnReference);
  const fn = answer.configuration;
  const root = 'path' in fn.code ? taskRootOf(fn, cwd) : { dir: cwd, cleanup: () => undefined };
  try {
    const env = lambdaEnvironment(fn, answer.credentials, {
      region: endpoint.region,
      taskRoot: root.dir,
      runtimeDir: root.dir,
      endpointUrl: endpoint.url,
      now: new Date(),
    });
    return await runCommand(command, workloadProcessEnv(process.env, env));
  } finally {
    root.cleanup();
  }
}
