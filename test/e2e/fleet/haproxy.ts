/**
 * HAProxy (Debian's `haproxy` package) in front of the replicas, with the configuration
 * docs/fleet.md describes: HTTP mode, round robin, a health check on `GET /ready`, and retries
 * only of connections that failed before the request was sent (`retry-on conn-failure`), so a
 * write is never sent twice by the load balancer; the SDKs retry what fails after that.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface Haproxy {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** The path of `haproxy`, or a failure that says how to install it (the test does not skip). */
export function requireHaproxy(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      'haproxy is required by the fleet test and was not found on PATH: install it (apt-get install -y haproxy; .ci/run does)',
    );
  }
}

/** The configuration docs/fleet.md gives; `checkInterval` is 250ms in tests (docs: 1s). */
export function haproxyConfig(
  port: number,
  backends: { name: string; port: number }[],
  checkInterval = '250ms',
): string {
  return [
    'global',
    '  maxconn 512',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  retries 3',
    '  option redispatch',
    '  retry-on conn-failure',
    'frontend credplane',
    `  bind 127.0.0.1:${port}`,
    '  default_backend replicas',
    'backend replicas',
    '  balance roundrobin',
    '  option httpchk GET /ready',
    '  http-check expect status 200',
    `  default-server inter ${checkInterval} fall 2 rise 2`,
    ...backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port} check`),
    '',
  ].join('\n');
}

export async function startHaproxy(
  dir: string,
  port: number,
  backends: { name: string; port: number }[],
): Promise<Haproxy> {
  const binary = requireHaproxy();
  const config = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(config, haproxyConfig(port, backends));
  execFileSync(binary, ['-c', '-f', config], { stdio: 'pipe' });
  const child = spawn(binary, ['-db', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${stderr}`);
    try {
      if ((await fetch(`${url}/ready`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`haproxy did not become ready: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    process: child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
