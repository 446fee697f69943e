/**
 * Cross-process test support: run the real `credplane` CLI (built `dist/`) in a child process on
 * 127.0.0.1, and run AWS SDK clients and the AWS CLI against it with isolated configuration.
 *
 * Every child gets `AWS_EC2_METADATA_DISABLED=true` and AWS config/credentials files of its own, so
 * nothing reads the machine's `~/.aws` and nothing can reach a real metadata service.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(root, 'dist', 'cli', 'main.js');
export const ACCOUNT = '123456789012';

/** A fixed admin key so tests can sign before reading the generated files. */
export const ADMIN = {
  accessKeyId: 'AKIAE2ETESTE2ETESTAA',
  secretAccessKey: 'e2eSecretKeyE2eSecretKeyE2eSecretKey0000',
};

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `credplane-${prefix}-`));
}

/** An environment with no trace of the machine's AWS setup. */
export function isolatedEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const config = path.join(dir, 'empty-aws-config');
  if (!fs.existsSync(config)) fs.writeFileSync(config, '');
  return {
    PATH: process.env.PATH,
    HOME: dir,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: config,
    ...extra,
  };
}

export interface Credplane {
  url: string;
  port: number;
  dataDir: string;
  configFile: string;
  credentialsFile: string;
  banner: string;
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  dataDir?: string;
  args?: string[];
  env?: Record<string, string>;
}

/** Start `credplane up` and resolve once its banner is printed. */
export async function startCredplane(options: StartOptions = {}): Promise<Credplane> {
  const dataDir = options.dataDir ?? tempDir('e2e');
  const child = spawn(
    process.execPath,
    [CLI, 'up', '--port', '0', '--data-dir', dataDir, '--account-id', ACCOUNT, ...(options.args ?? [])],
    {
      env: isolatedEnv(dataDir, {
        CREDPLANE_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId,
        CREDPLANE_ADMIN_SECRET_ACCESS_KEY: ADMIN.secretAccessKey,
        ...options.env,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const banner = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`credplane did not start: ${err}`)), 30_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('Stop with Ctrl-C')) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`credplane exited (${code}): ${err}`));
    });
  });
  const port = Number(/http:\/\/127\.0\.0\.1:(\d+)/.exec(banner)?.[1]);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    configFile: path.join(dataDir, 'aws', 'config'),
    credentialsFile: path.join(dataDir, 'aws', 'credentials'),
    banner,
    process: child,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the `aws` CLI with only the given environment (plus isolation). */
export function aws(args: string[], env: Record<string, string>, dir: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      'aws',
      [...args, '--output', 'json'],
      { env: isolatedEnv(dir, env), timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Run `credplane <args>` to completion. */
export function credplaneCli(args: string[], dir: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: isolatedEnv(dir), timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A free loopback port (the listener is closed again before this resolves). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}

export interface Moto {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** `moto_server` on a free loopback port, answering, with its home in `dir` (no metadata lookups). */
export async function startMoto(dir: string): Promise<Moto> {
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'ignore'],
    env: { PATH: process.env.PATH, HOME: dir, AWS_EC2_METADATA_DISABLED: 'true' },
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  };
  try {
    await waitForHttp(url, 20_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, stop };
}
