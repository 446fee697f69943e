/**
 * A PostgreSQL cluster of the test's own: `initdb` into a temporary directory, started as the
 * `postgres` user on a free loopback port, stopped and removed at the end. The test restarts THIS
 * cluster; the machine's shared PostgreSQL is never touched.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

const BIN = '/usr/lib/postgresql/15/bin';

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('runuser', ['-u', 'postgres', '--', ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

export interface PostgresCluster {
  url: string;
  port: number;
  /** `pg_ctl stop -m fast`: every session is closed, the server is down when this resolves. */
  stop(): Promise<void>;
  /** Starts it again (same port and settings); the server accepts connections when this resolves. */
  start(): Promise<void>;
  query(text: string, values?: unknown[]): Promise<pg.QueryResult>;
  destroy(): Promise<void>;
}

/** Starts a fresh cluster with database `credplane` on 127.0.0.1:`port`, trust authentication. */
export async function startPostgresCluster(port: number): Promise<PostgresCluster> {
  if (!fs.existsSync(path.join(BIN, 'initdb'))) {
    throw new Error(`PostgreSQL 15 server binaries are required at ${BIN} (Debian package postgresql-15)`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-fleet-pg-'));
  fs.chmodSync(dir, 0o755);
  const data = path.join(dir, 'data');
  const socketDir = path.join(dir, 'run');
  fs.mkdirSync(socketDir);
  fs.chownSync(dir, uid('postgres'), gid('postgres'));
  fs.chownSync(socketDir, uid('postgres'), gid('postgres'));
  const ctl = (...args: string[]) => run([path.join(BIN, 'pg_ctl'), '-D', data, ...args]);
  const options = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  let started = false;
  const destroy = async (): Promise<void> => {
    if (started) await ctl('-m', 'immediate', 'stop').catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run([path.join(BIN, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    await ctl('-o', options, '-l', path.join(dir, 'server.log'), '-w', 'start');
    started = true;
    const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    await admin.connect();
    await admin.query('create database credplane');
    await admin.end();
  } catch (error) {
    await destroy();
    throw error;
  }
  const url = `postgres://postgres@127.0.0.1:${port}/credplane`;
  return {
    url,
    port,
    stop: async () => {
      await ctl('-m', 'fast', '-w', 'stop');
    },
    start: async () => {
      // With its log file: without `-l` the server would write to (and hold open) pg_ctl's stdout.
      await ctl('-o', options, '-l', path.join(dir, 'server.log'), '-w', 'start');
    },
    query: async (text, values) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return await client.query(text, values);
      } finally {
        await client.end();
      }
    },
    destroy,
  };
}

function uid(user: string): number {
  return Number(passwdField(user, 2));
}

function gid(user: string): number {
  return Number(passwdField(user, 3));
}

function passwdField(user: string, index: number): string {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${user}:`));
  if (line === undefined) throw new Error(`no ${user} user on this machine`);
  return line.split(':')[index] ?? '';
}
