/**
 * The hop limit is real in `credplane up`: the control plane (started as `up` starts it, socket TTL
 * helper included) runs in a network namespace of its own, its instance endpoint on the
 * namespace's addresses (IPv4 and IPv6, one dual-stack socket); a client one routed hop away gets a
 * token with `HttpPutResponseHopLimit=2` and times out with 1, while a client on the router itself
 * (zero hops) gets it with 1; `ModifyInstanceMetadataOptions` changes it for the next request.
 *
 *   srv (10.203.1.1, fd00:cb:1::1) ── rtr (forwards) ── cli (10.203.2.2, fd00:cb:2::2)
 *
 * The three namespaces are created here, linked only to each other (veth pairs created inside
 * them, private addresses), never to the host's network, and deleted in afterAll. Linux and root
 * only: creating network namespaces needs both.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, tempDir } from './support.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const canNetns = process.platform === 'linux' && process.getuid?.() === 0;

const id = randomBytes(3).toString('hex');
const ns = { srv: `cph-srv-${id}`, rtr: `cph-rtr-${id}`, cli: `cph-cli-${id}` };
const created: string[] = [];
let server: ChildProcess | undefined;
let port = 0;
let output = '';
const dataDir = tempDir('hop-netns');

const ip = (...args: string[]): void => {
  execFileSync('ip', args, { stdio: 'pipe', timeout: 10_000 });
};
const sysctl = (namespace: string, setting: string): void => {
  execFileSync('ip', ['netns', 'exec', namespace, 'sysctl', '-q', '-w', setting], { stdio: 'pipe' });
};

/** A token request with curl from inside `namespace`: the HTTP status, or 0 when it timed out. */
function tokenFrom(namespace: string, host: string): Promise<number> {
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/latest/api/token`;
  return new Promise((resolve) => {
    execFile(
      'ip',
      [
        'netns',
        'exec',
        namespace,
        'curl',
        '-s',
        '-m',
        '2',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '-X',
        'PUT',
      ].concat(['-H', 'X-aws-ec2-metadata-token-ttl-seconds: 60', url]),
      { timeout: 10_000 },
      (_error, stdout) => resolve(Number(String(stdout).trim()) || 0),
    );
  });
}

/** Wait for `pattern` in the server's output (after what was already consumed). */
function waitFor(pattern: RegExp, ms = 30_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const match = pattern.exec(output);
      if (match === null) return false;
      output = output.slice(match.index + match[0].length);
      clearTimeout(timer);
      server?.stdout?.off('data', onData);
      resolve(match);
      return true;
    };
    const onData = (): void => void check();
    const timer = setTimeout(() => {
      server?.stdout?.off('data', onData);
      reject(new Error(`no ${pattern} from the namespace control plane: ${output}`));
    }, ms);
    if (!check()) server?.stdout?.on('data', onData);
  });
}

async function setHopLimit(hop: number): Promise<void> {
  server!.stdin!.write(`hop ${hop}\n`);
  await waitFor(new RegExp(`ok ${hop}\\n`));
}

beforeAll(async () => {
  if (!canNetns) return;
  for (const name of Object.values(ns)) {
    ip('netns', 'add', name);
    created.push(name);
    ip('-n', name, 'link', 'set', 'lo', 'up');
  }
  // Each veth pair is created inside a test namespace with its peer in another: nothing is
  // attached to the host's network.
  ip('-n', ns.srv, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'to-srv', 'netns', ns.rtr);
  ip('-n', ns.cli, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'to-cli', 'netns', ns.rtr);
  ip('-n', ns.srv, 'addr', 'add', '10.203.1.1/24', 'dev', 'eth0');
  ip('-n', ns.srv, '-6', 'addr', 'add', 'fd00:cb:1::1/64', 'dev', 'eth0', 'nodad');
  ip('-n', ns.rtr, 'addr', 'add', '10.203.1.2/24', 'dev', 'to-srv');
  ip('-n', ns.rtr, '-6', 'addr', 'add', 'fd00:cb:1::2/64', 'dev', 'to-srv', 'nodad');
  ip('-n', ns.rtr, 'addr', 'add', '10.203.2.1/24', 'dev', 'to-cli');
  ip('-n', ns.rtr, '-6', 'addr', 'add', 'fd00:cb:2::1/64', 'dev', 'to-cli', 'nodad');
  ip('-n', ns.cli, 'addr', 'add', '10.203.2.2/24', 'dev', 'eth0');
  ip('-n', ns.cli, '-6', 'addr', 'add', 'fd00:cb:2::2/64', 'dev', 'eth0', 'nodad');
  ip('-n', ns.srv, 'link', 'set', 'eth0', 'up');
  ip('-n', ns.rtr, 'link', 'set', 'to-srv', 'up');
  ip('-n', ns.rtr, 'link', 'set', 'to-cli', 'up');
  ip('-n', ns.cli, 'link', 'set', 'eth0', 'up');
  ip('-n', ns.srv, 'route', 'add', 'default', 'via', '10.203.1.2');
  ip('-n', ns.srv, '-6', 'route', 'add', 'default', 'via', 'fd00:cb:1::2');
  ip('-n', ns.cli, 'route', 'add', 'default', 'via', '10.203.2.1');
  ip('-n', ns.cli, '-6', 'route', 'add', 'default', 'via', 'fd00:cb:2::1');
  sysctl(ns.rtr, 'net.ipv4.ip_forward=1');
  sysctl(ns.rtr, 'net.ipv6.conf.all.forwarding=1');

  server = spawn(
    'ip',
    [
      'netns',
      'exec',
      ns.srv,
      process.execPath,
      '--import',
      'tsx',
      path.join(root, 'test', 'e2e', 'fixtures', 'hop-limit-plane.ts'),
      dataDir,
      '::',
    ],
    { cwd: root, env: isolatedEnv(dataDir), stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let errors = '';
  server.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  server.stderr!.on('data', (c: Buffer) => (errors += c.toString()));
  server.once('exit', (code) => {
    output += `\n[exited ${code}] ${errors.slice(-2000)}`;
  });
  port = Number((await waitFor(/ready (\d+)\n/, 60_000))[1]);
}, 90_000);

afterAll(async () => {
  if (server !== undefined && server.exitCode === null) {
    await new Promise<void>((resolve) => {
      server!.once('exit', () => resolve());
      server!.stdin!.end();
      server!.kill('SIGTERM');
      setTimeout(() => server!.kill('SIGKILL'), 5000).unref();
    });
  }
  for (const name of created) {
    try {
      ip('netns', 'del', name);
    } catch {
      // Already gone.
    }
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe.runIf(canNetns)('IMDS hop limit in credplane up (network namespaces, root)', () => {
  it('a client one hop away gets a token with hop limit 2 and times out with 1, over IPv4 and IPv6', async () => {
    // Launched with HttpPutResponseHopLimit=1: the router itself is zero hops away, the client one.
    expect(await tokenFrom(ns.rtr, '10.203.1.1')).toBe(200);
    expect(await tokenFrom(ns.rtr, 'fd00:cb:1::1')).toBe(200);
    expect(await tokenFrom(ns.cli, '10.203.1.1')).toBe(0);
    expect(await tokenFrom(ns.cli, 'fd00:cb:1::1')).toBe(0);

    await setHopLimit(2);
    expect(await tokenFrom(ns.cli, '10.203.1.1')).toBe(200);
    expect(await tokenFrom(ns.cli, 'fd00:cb:1::1')).toBe(200);

    // And back: the next token response is limited again.
    await setHopLimit(1);
    expect(await tokenFrom(ns.cli, '10.203.1.1')).toBe(0);
    expect(await tokenFrom(ns.rtr, '10.203.1.1')).toBe(200);
  }, 60_000);
});
