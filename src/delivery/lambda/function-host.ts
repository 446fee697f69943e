/**
 * Execution environments kept by the running credplane, per function: an environment is reused
 * for later invocations while its configuration is unchanged and its execution-role credentials
 * have comfortably more than the function's timeout left, and recycled before they expire (Lambda
 * injects credentials once per environment, and SDKs never refresh environment-variable
 * credentials). An environment whose invocation timed out, whose runtime exited or failed to
 * initialise is discarded, as Lambda resets it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExecutionEnvironment, type InvokeResult } from './execution-environment.js';
import type { ExecutionRoleCredentials } from './environment.js';
import type { FunctionConfiguration } from './functions.js';
import { InvalidParameterValueError } from './runtime-api.js';
import { AwsError } from '../../errors.js';

/** Recycle an environment once its credentials have less than this (plus the timeout) left. */
const RECYCLE_MARGIN_MS = 15 * 60 * 1000;
const MAX_IDLE_PER_FUNCTION = 2;
/**
 * Invocations running at once across all functions unless configured: each is a Node.js process
 * (about 40 MB), so the default keeps a burst of invokes from taking the machine's memory.
 */
export const DEFAULT_MAX_CONCURRENT_INVOCATIONS = 10;
/** Lambda's `LogType: Tail` returns the last 4 KB of the invocation's log. */
const LOG_TAIL_BYTES = 4096;
const MAX_LOG_LINES = 200;

interface Environment {
  key: string;
  expiresAt: number;
  env: ExecutionEnvironment;
  sink: { lines: string[] };
  /** A temporary task root (inline `ZipFile`) to remove with the environment. */
  scratch?: string;
}

async function retire(environment: Environment): Promise<void> {
  await environment.env.stop();
  if (environment.scratch !== undefined) fs.rmSync(environment.scratch, { recursive: true, force: true });
}

export interface HostedInvokeResult extends InvokeResult {
  /** The invocation's last 4 KB of log lines. */
  logTail: string;
  /** Whether a warm environment answered (false: a cold start). */
  reused: boolean;
}

export interface FunctionHostOptions {
  region: string;
  /** credplane's URL for `AWS_ENDPOINT_URL` (known once the server listens). */
  endpointUrl: () => string;
  /** Where relative `Code` paths are resolved (the server's working directory by default). */
  baseDir?: string;
  now?: () => number;
  /** Invocations running at once across all functions ({@link DEFAULT_MAX_CONCURRENT_INVOCATIONS}). */
  maxConcurrentInvocations?: number;
}

export type ThrottleReason =
  'ConcurrentInvocationLimitExceeded' | 'ReservedFunctionConcurrentInvocationLimitExceeded';

/**
 * Lambda's throttle (Invoke, AWS Lambda API Reference): 429 `TooManyRequestsException` with a
 * `Reason` and `Type: User`; the account-wide and the reserved-concurrency limits both answer
 * "Rate Exceeded.".
 */
export class TooManyRequestsError extends AwsError {
  readonly fields: { Reason: ThrottleReason; Type: 'User' };

  constructor(reason: ThrottleReason) {
    super('TooManyRequestsException', 'Rate Exceeded.', { status: 429 });
    this.fields = { Reason: reason, Type: 'User' };
  }
}

export interface FunctionCredentials extends ExecutionRoleCredentials {
  expiration: Date;
}

function tail(lines: readonly string[]): string {
  const text = lines.join('\n');
  const bytes = Buffer.from(text);
  return bytes.length <= LOG_TAIL_BYTES
    ? text
    : bytes.subarray(bytes.length - LOG_TAIL_BYTES).toString('utf8');
}

export class FunctionHost {
  private readonly idle = new Map<string, Environment[]>();
  private readonly busy = new Set<Environment>();
  /** Invocations admitted and not yet answered, per function ARN and in all. */
  private readonly running = new Map<string, number>();
  private runningTotal = 0;
  private readonly maxConcurrent: number;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly options: FunctionHostOptions) {
    this.now = options.now ?? Date.now;
    this.maxConcurrent = options.maxConcurrentInvocations ?? DEFAULT_MAX_CONCURRENT_INVOCATIONS;
  }

  /**
   * Invoke `fn` in a warm environment when one fits, else in a new one.
   *
   * @example
   * const result = await host.invoke(fn, () => source.get().then(toEnvCredentials), '{"a":1}');
   */
  async invoke(
    fn: FunctionConfiguration,
    credentials: () => Promise<FunctionCredentials>,
    event: string,
  ): Promise<HostedInvokeResult> {
    if (this.closed) throw new InvalidParameterValueError('credplane is shutting down');
    if (fn.runtime !== undefined && !fn.runtime.startsWith('nodejs')) {
      throw new InvalidParameterValueError(`credplane runs nodejs* runtimes only, not ${fn.runtime}`);
    }
    if (fn.handler === undefined) throw new InvalidParameterValueError('The function has no Handler');
    if (!('path' in fn.code) && !('zipFile' in fn.code)) {
      throw new InvalidParameterValueError(
        'credplane runs function code from a local path or an inline ZipFile only',
      );
    }
    // Admission is synchronous (before any await), so a burst cannot slip past the counts.
    this.admit(fn);
    try {
      return await this.run(fn, credentials, event);
    } finally {
      this.release(fn);
    }
  }

  /** Counts the invocation in, or throws Lambda's throttle: the function's reserved concurrency first. */
  private admit(fn: FunctionConfiguration): void {
    const mine = this.running.get(fn.functionArn) ?? 0;
    if (fn.reservedConcurrentExecutions !== undefined && mine >= fn.reservedConcurrentExecutions) {
      throw new TooManyRequestsError('ReservedFunctionConcurrentInvocationLimitExceeded');
    }
    if (this.runningTotal >= this.maxConcurrent) {
      throw new TooManyRequestsError('ConcurrentInvocationLimitExceeded');
    }
    this.running.set(fn.functionArn, mine + 1);
    this.runningTotal++;
  }

  private release(fn: FunctionConfiguration): void {
    const mine = (this.running.get(fn.functionArn) ?? 1) - 1;
    if (mine <= 0) this.running.delete(fn.functionArn);
    else this.running.set(fn.functionArn, mine);
    this.runningTotal--;
  }

  private async run(
    fn: FunctionConfiguration,
    credentials: () => Promise<FunctionCredentials>,
    event: string,
  ): Promise<HostedInvokeResult> {
    const key = JSON.stringify(fn);
    let environment = this.takeIdle(fn.functionName, key, fn.timeout);
    const reused = environment !== undefined;
    if (environment === undefined) environment = await this.startEnvironment(fn, key, await credentials());
    this.busy.add(environment);
    environment.sink.lines = [];
    let result: InvokeResult;
    try {
      result = await environment.env.invoke(event);
    } finally {
      this.busy.delete(environment);
    }
    const logTail = tail(environment.sink.lines);
    const broken = result.end !== 'response' && result.end !== 'error';
    if (broken || this.closed) await retire(environment);
    else this.putIdle(fn.functionName, environment);
    return { ...result, logTail, reused };
  }

  /** Stop every environment (server shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.busy, ...[...this.idle.values()].flat()];
    this.idle.clear();
    await Promise.all(all.map(retire));
  }

  private takeIdle(name: string, key: string, timeoutSeconds: number): Environment | undefined {
    const list = this.idle.get(name) ?? [];
    const keep: Environment[] = [];
    let found: Environment | undefined;
    for (const e of list) {
      const fresh = e.env.alive && e.expiresAt - this.now() > timeoutSeconds * 1000 + RECYCLE_MARGIN_MS;
      if (found === undefined && fresh && e.key === key) found = e;
      else if (fresh && e.key === key) keep.push(e);
      else void retire(e);
    }
    this.idle.set(name, keep);
    return found;
  }

  private putIdle(name: string, environment: Environment): void {
    const list = this.idle.get(name) ?? [];
    list.push(environment);
    while (list.length > MAX_IDLE_PER_FUNCTION) void retire(list.shift()!);
    this.idle.set(name, list);
  }

  private async startEnvironment(
    fn: FunctionConfiguration,
    key: string,
    credentials: FunctionCredentials,
  ): Promise<Environment> {
    let taskRoot: string;
    let scratch: string | undefined;
    if ('path' in fn.code) {
      taskRoot = path.resolve(this.options.baseDir ?? process.cwd(), fn.code.path);
      const stat = fs.statSync(taskRoot, { throwIfNoEntry: false });
      if (stat === undefined) throw new InvalidParameterValueError(`Code path ${taskRoot} does not exist`);
      if (!stat.isDirectory()) taskRoot = path.dirname(taskRoot);
    } else {
      scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-fn-'));
      // CloudFormation's convention for inline Node.js code: the file is index.js.
      fs.writeFileSync(path.join(scratch, 'index.js'), (fn.code as { zipFile: string }).zipFile);
      fs.writeFileSync(path.join(scratch, 'package.json'), '{"type":"commonjs"}');
      taskRoot = scratch;
    }
    const sink = { lines: [] as string[] };
    const env = await ExecutionEnvironment.start({
      configuration: fn,
      credentials,
      region: this.options.region,
      endpointUrl: this.options.endpointUrl(),
      taskRoot,
      baseEnv: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      },
      log: (line) => {
        // Only the tail is returned; a chatty function must not grow the server's memory.
        if (sink.lines.push(line) > MAX_LOG_LINES) sink.lines.splice(0, sink.lines.length - MAX_LOG_LINES);
      },
    });
    return {
      key,
      expiresAt: credentials.expiration.getTime(),
      env,
      sink,
      ...(scratch === undefined ? {} : { scratch }),
    };
  }
}
