/** Child processes for HTTP benchmarks: servers under test, peers, and the load client. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const tsx = path.join(here, '..', 'node_modules', '.bin', 'tsx');

export interface Child {
  process: ChildProcess;
  /** Everything the child printed on stdout so far. */
  output(): string;
  stop(): Promise<void>;
}

/** An environment for any child that might load an AWS SDK: never the real IMDS, never ~/.aws. */
export function isolatedEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    ...extra,
  };
}

export interface StartOptions {
  /** How long `stop()` waits after SIGTERM before SIGKILL (3 s; longer while a CPU profile is written). */
  stopGraceMs?: number;
}

export function start(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = isolatedEnv(),
  options: StartOptions = {},
): Child {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Always drain both pipes: a child whose pipe buffer fills blocks on its next write (moto_server
  // logs every request and would stall).
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    if (stdout.length < 64 * 1024) stdout += chunk.toString();
  });
  child.stderr?.resume();
  return {
    process: child,
    output: () => stdout,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), options.stopGraceMs ?? 3000).unref();
      }),
  };
}

/** The first stdout line of a child that prints its port, within `ms`. */
export function firstLine(child: Child, ms = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('child did not report in time')), ms);
    const check = (): boolean => {
      const text = child.output();
      const nl = text.indexOf('\n');
      if (nl === -1) return false;
      clearTimeout(timer);
      resolve(text.slice(0, nl).trim());
      return true;
    };
    if (check()) return;
    child.process.stdout?.on('data', () => void check());
    child.process.once('exit', (code) => reject(new Error(`child exited (${code}) before reporting`)));
  });
}

export async function waitForPort(port: number, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} did not open`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** user + system CPU seconds of a process so far, all its threads (`/proc/<pid>/stat`). */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5) (utime, stime), counted after the command name's closing paren.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50Us: number;
  p99Us: number;
  statuses: Record<string, number>;
}

export interface LoadSpec {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  concurrency: number;
  maxRequests: number;
  maxSeconds: number;
  /** Per-request timeout; 10 s by default. */
  timeoutMs?: number;
}

/** Run the bounded load client in its own process and return what it measured. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [path.join(here, 'load-client.ts'), JSON.stringify(spec)], {
      env: isolatedEnv(),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`load client exited with ${code}`));
      resolve(JSON.parse(out) as LoadResult);
    });
  });
}

export function tsxScript(script: string, args: string[] = [], env?: NodeJS.ProcessEnv): Child {
  return start(tsx, [path.join(here, script), ...args], env);
}

/** Run `fn`, then stop `child` whatever happened. */
export async function withChild<T>(child: Child, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    await child.stop();
  }
}
