/**
 * One Lambda execution environment: a Runtime API on 127.0.0.1, credplane's bootstrap in a child
 * process with the function's environment, and `invoke(event)` answering as Lambda's synchronous
 * `Invoke` does — the payload, and `FunctionError: Unhandled` with Lambda's error document for
 * handler errors, init errors, timeouts and runtime exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { lambdaEnvironment, type ExecutionRoleCredentials } from './environment.js';
import type { FunctionConfiguration } from './functions.js';
import { RuntimeApi, type InvocationOutcome } from './runtime-api.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** How an invocation ended: `timeout`, `exit` and `init-error` leave the environment unusable. */
export type InvocationEnd = 'response' | 'error' | 'init-error' | 'timeout' | 'exit';

export interface InvokeResult {
  requestId: string;
  end: InvocationEnd;
  /** `Unhandled` when the function failed, as the `X-Amz-Function-Error` header says. */
  functionError?: 'Unhandled';
  payload: string;
  durationMs: number;
}

export interface ExecutionEnvironmentOptions {
  configuration: FunctionConfiguration;
  credentials: ExecutionRoleCredentials;
  region: string;
  endpointUrl: string;
  /** `LAMBDA_TASK_ROOT`: the directory holding the handler's module. */
  taskRoot: string;
  /** Variables from outside Lambda's set that the child needs (`PATH`, `HOME`, AWS file isolation). */
  baseEnv?: Record<string, string>;
  /** Where the function's output lines go (and START/END/REPORT lines). */
  log?: (line: string) => void;
}

/**
 * How to run the bootstrap: the compiled `bootstrap.js` beside this module, or (when running from
 * the TypeScript sources, as in unit tests) `bootstrap.ts` through tsx's loader.
 */
export function bootstrapCommand(): { command: string; args: string[] } {
  const js = path.join(here, 'bootstrap.js');
  if (fs.existsSync(js)) return { command: process.execPath, args: [js] };
  const loader = findUp(here, path.join('node_modules', 'tsx', 'dist', 'loader.mjs'));
  if (loader === undefined)
    throw new Error('credplane: the Lambda bootstrap is missing (build with npm run build)');
  return {
    command: process.execPath,
    args: ['--import', pathToHref(loader), path.join(here, 'bootstrap.ts')],
  };
}

function pathToHref(file: string): string {
  return new URL(`file://${file}`).href;
}

function findUp(from: string, relative: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, relative);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** credplane's own `node_modules` when it holds the AWS SDK, as Lambda's Node.js runtimes bundle it. */
export function sdkNodePath(): string | undefined {
  const sdk = findUp(here, path.join('node_modules', '@aws-sdk', 'client-sts'));
  return sdk === undefined ? undefined : path.dirname(path.dirname(sdk));
}

function errorPayload(errorType: string, errorMessage: string): string {
  return JSON.stringify({ errorType, errorMessage });
}

export class ExecutionEnvironment {
  private constructor(
    private readonly options: ExecutionEnvironmentOptions,
    private readonly api: RuntimeApi,
    private readonly child: ChildProcess,
    private readonly exited: Promise<number | null>,
  ) {}

  /**
   * Start the runtime (cold start): Runtime API, then the bootstrap child.
   *
   * @example
   * const env = await ExecutionEnvironment.start({ configuration, credentials, region, endpointUrl, taskRoot });
   * const result = await env.invoke('{"hello":"world"}');
   * await env.stop();
   */
  static async start(options: ExecutionEnvironmentOptions): Promise<ExecutionEnvironment> {
    const api = await new RuntimeApi().listen();
    const nodePath = sdkNodePath();
    const env = {
      ...options.baseEnv,
      ...lambdaEnvironment(options.configuration, options.credentials, {
        region: options.region,
        taskRoot: options.taskRoot,
        runtimeDir: here,
        runtimeApi: api.address,
        endpointUrl: options.endpointUrl,
        ...(nodePath === undefined ? {} : { nodePath }),
        now: new Date(),
      }),
    };
    const { command, args } = bootstrapCommand();
    const child = spawn(command, args, { cwd: options.taskRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = options.log ?? (() => undefined);
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on('line', log);
    }
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', () => resolve(-1));
    });
    return new ExecutionEnvironment(options, api, child, exited);
  }

  /** Invoke once; never throws for function failures (they are in the result, as on Lambda). */
  async invoke(event: string): Promise<InvokeResult> {
    const fn = this.options.configuration;
    const started = Date.now();
    const timeoutMs = fn.timeout * 1000;
    const { requestId, outcome } = this.api.invoke(Buffer.from(event), {
      functionArn: fn.functionArn,
      deadlineMs: started + timeoutMs,
    });
    const log = this.options.log ?? (() => undefined);
    log(`START RequestId: ${requestId} Version: $LATEST`);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const exit = this.exited.then((code) => ({ exit: code }));
    const first = await Promise.race([outcome, timedOut, exit]);
    clearTimeout(timer);
    const durationMs = Date.now() - started;
    const result = this.result(requestId, first, durationMs);
    log(`END RequestId: ${requestId}`);
    log(
      `REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(durationMs))} ms\tMemory Size: ${fn.memorySize} MB`,
    );
    return result;
  }

  private result(
    requestId: string,
    first: InvocationOutcome | 'timeout' | { exit: number | null },
    durationMs: number,
  ): InvokeResult {
    const base = { requestId, durationMs };
    if (first === 'timeout') {
      const seconds = this.options.configuration.timeout.toFixed(2);
      return {
        ...base,
        end: 'timeout',
        functionError: 'Unhandled',
        payload: errorPayload(
          'Sandbox.Timedout',
          `RequestId: ${requestId} Error: Task timed out after ${seconds} seconds`,
        ),
      };
    }
    if ('exit' in first) {
      return {
        ...base,
        end: 'exit',
        functionError: 'Unhandled',
        payload: errorPayload(
          'Runtime.ExitError',
          `RequestId: ${requestId} Error: Runtime exited with error: exit status ${first.exit ?? 'signal'}`,
        ),
      };
    }
    if (first.kind === 'response')
      return { ...base, end: 'response', payload: first.payload.toString('utf8') };
    return { ...base, end: first.kind, functionError: 'Unhandled', payload: first.payload.toString('utf8') };
  }

  /** Whether the runtime process is still running (an idle environment can die, e.g. killed). */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Stop the runtime and its Runtime API. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    await this.api.close();
  }
}
