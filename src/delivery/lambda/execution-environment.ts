/**
 * One Lambda execution environment: a Runtime API on 127.0.0.1, credplane's bootstrap in a child
 * process with the function's environment, and `invoke(event)` answering as Lambda's synchronous
 * `Invoke` does — the payload, and `FunctionError: Unhandled` with Lambda's error document for
 * handler errors, init errors, timeouts and runtime exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type TypeScript from 'typescript';
import { fileURLToPath } from 'node:url';
import { lambdaEnvironment, type ExecutionRoleCredentials } from './environment.js';
import type { FunctionConfiguration } from './functions.js';
import { RuntimeApi, type InvocationOutcome } from './runtime-api.js';
import { processMemory } from '../process-stats.js';

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
  /** On the environment's first invocation (a cold start): how long the runtime took to initialise. */
  initDurationMs?: number;
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
 * the TypeScript sources, as in unit tests) `bootstrap.ts` transpiled once into the temporary
 * directory. Not through a TypeScript loader: a loader would also transform the function's own
 * modules, and a syntax error in them must reach the bootstrap as Node.js reports it.
 */
export function bootstrapCommand(): { command: string; args: string[] } {
  const js = path.join(here, 'bootstrap.js');
  if (fs.existsSync(js)) return { command: process.execPath, args: [js] };
  const source = fs.readFileSync(path.join(here, 'bootstrap.ts'), 'utf8');
  const out = path.join(
    os.tmpdir(),
    `credplane-bootstrap-${createHash('sha256').update(source).digest('hex').slice(0, 16)}.mjs`,
  );
  if (!fs.existsSync(out)) {
    let typescript: typeof TypeScript;
    try {
      typescript = createRequire(import.meta.url)('typescript') as typeof TypeScript;
    } catch {
      throw new Error('credplane: the Lambda bootstrap is missing (build with npm run build)');
    }
    const { outputText } = typescript.transpileModule(source, {
      compilerOptions: {
        module: typescript.ModuleKind.ESNext,
        target: typescript.ScriptTarget.ES2022,
      },
    });
    // Written whole and renamed, so that concurrent test workers never run half a file.
    const partial = `${out}.${process.pid}.tmp`;
    fs.writeFileSync(partial, outputText);
    fs.renameSync(partial, out);
  }
  return { command: process.execPath, args: [out] };
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

/**
 * Lambda's REPORT line (AWS Lambda Developer Guide, Monitoring and troubleshooting Lambda
 * functions: the fields are tab-separated and `Init Duration` is present on cold starts only).
 * Since 1 August 2025 Lambda bills the INIT phase of on-demand functions too, so the billed
 * duration of a cold start counts it.
 */
export function reportLine(
  requestId: string,
  durationMs: number,
  memorySizeMb: number,
  maxMemoryUsedMb: number,
  initDurationMs?: number,
): string {
  const billed = Math.max(1, Math.ceil(durationMs + (initDurationMs ?? 0)));
  const fields = [
    `REPORT RequestId: ${requestId}`,
    `Duration: ${durationMs.toFixed(2)} ms`,
    `Billed Duration: ${billed} ms`,
    `Memory Size: ${memorySizeMb} MB`,
    `Max Memory Used: ${maxMemoryUsedMb} MB`,
    ...(initDurationMs === undefined ? [] : [`Init Duration: ${initDurationMs.toFixed(2)} ms`]),
  ];
  return fields.join('\t');
}

export class ExecutionEnvironment {
  /** When the runtime finished initialising (epoch ms), once it has. */
  private initializedAt: number | undefined;
  /** Whether an invocation has already reported the cold start's `Init Duration`. */
  private initReported = false;

  private constructor(
    private readonly options: ExecutionEnvironmentOptions,
    private readonly api: RuntimeApi,
    private readonly child: ChildProcess,
    private readonly exited: Promise<number | null>,
    private readonly spawnedAt: number,
  ) {
    void api.initialized.then((at) => (this.initializedAt = at));
  }

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
    const spawnedAt = Date.now();
    const child = spawn(command, args, { cwd: options.taskRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = options.log ?? (() => undefined);
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on('line', log);
    }
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', () => resolve(-1));
    });
    return new ExecutionEnvironment(options, api, child, exited, spawnedAt);
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
    const ended = Date.now();
    // Duration counts from when the runtime could take the event: after init on a cold start.
    const durationMs = ended - Math.max(started, Math.min(this.initializedAt ?? started, ended));
    let initDurationMs: number | undefined;
    if (!this.initReported && this.initializedAt !== undefined) {
      initDurationMs = this.initializedAt - this.spawnedAt;
      this.initReported = true;
    }
    const result = this.result(requestId, first, durationMs);
    log(`END RequestId: ${requestId}`);
    const peak = this.child.pid === undefined ? undefined : processMemory(this.child.pid)?.peakRssBytes;
    log(
      reportLine(
        requestId,
        durationMs,
        fn.memorySize,
        peak === undefined ? 0 : Math.ceil(peak / (1024 * 1024)),
        initDurationMs,
      ),
    );
    return initDurationMs === undefined ? result : { ...result, initDurationMs };
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
