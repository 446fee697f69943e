/**
 * Scenario 6 of the SSRF lab: the hop limit (Amazon EC2 User Guide, Instance metadata options: the PUT
 * response hop limit; the recipe is in docs/imds.md, SSRF lab). Three network
 * namespaces connected only to each other, never to the host's network:
 *
 *   imds (169.254.169.254) ── instance (forwards) ── container (192.0.2.2)
 *
 * The metadata service in `imds` sends token responses with IP TTL = hop limit. With 1 the
 * response reaches the instance but dies in transit to the container (the forwarding hop
 * decrements it to 0); with 2 it arrives. Everything is deleted afterwards.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSocketTtlAddon } from '../socket-ttl.js';
import type { LabScenario, LabStep } from './report.js';

const TITLE = 'Hop limit: a container one routed hop away cannot get a token with hop limit 1';
const LESSON =
  'The token response is sent with IP TTL = HttpPutResponseHopLimit. Bridged containers are one hop further away, ' +
  'so with 1 their SDK token request times out (and, with HttpTokens=required, IMDSv1 fallback is refused too); ' +
  'hop limit 2 lets every container on the host obtain instance credentials.';

function skipped(reason: string): LabScenario {
  return {
    id: 6,
    title: TITLE,
    expected: 'hop limit 1: instance 200, container times out; hop limit 2: both 200',
    observed: 'not run',
    behaved: false,
    skipped: reason,
    steps: [],
    lesson: LESSON,
  };
}

const ip = (...args: string[]): void => {
  execFileSync('ip', args, { stdio: 'pipe', timeout: 10_000 });
};

/** `curl -X PUT` for a token from inside `ns`; the status, or 0 when it timed out. */
function tokenRequest(ns: string): LabStep {
  const args = [
    'netns',
    'exec',
    ns,
    'curl',
    '-s',
    '-m',
    '3',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '-X',
    'PUT',
    '-H',
    'X-aws-ec2-metadata-token-ttl-seconds: 60',
    'http://169.254.169.254/latest/api/token',
  ];
  let out = '';
  try {
    out = execFileSync('ip', args, { stdio: 'pipe', timeout: 10_000 }).toString();
  } catch (error) {
    out = String((error as { stdout?: Buffer }).stdout ?? '');
  }
  const status = Number(out.trim()) || 0;
  return {
    sent: `(in ${ns}) PUT http://169.254.169.254/latest/api/token`,
    status,
    received:
      status === 0 ? 'no response within 3 s (the response packets expired in transit)' : 'token issued',
  };
}

async function startServer(ns: string, script: string, addon: string, hop: number): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, script, addon, String(hop)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the namespace metadata server did not start')), 10_000);
    child.stdout!.on('data', (c: Buffer) => {
      if (c.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the namespace metadata server exited (${code})`));
    });
  });
  return child;
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 2000).unref();
  });
}

/**
 * @example
 * const scenario = await runHopLimitScenario({ enabled: true });
 */
export async function runHopLimitScenario(options: { enabled: boolean }): Promise<LabScenario> {
  if (!options.enabled) return skipped('disabled (--no-netns)');
  if (process.platform !== 'linux') return skipped('network namespaces need Linux');
  if (process.getuid?.() !== 0)
    return skipped('network namespaces need root (run the lab as root to see it)');
  const script = fileURLToPath(new URL('./hop-limit-server.js', import.meta.url));
  if (!fs.existsSync(script))
    return skipped('run from the built CLI (dist/) to start the namespace metadata server');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-lab-hop-'));
  const id = randomBytes(3).toString('hex');
  const ns = { imds: `cpl-imds-${id}`, instance: `cpl-inst-${id}`, container: `cpl-ctr-${id}` };
  const created: string[] = [];
  try {
    const addon = buildSocketTtlAddon(tmp);
    if ('reason' in addon) return skipped(addon.reason);
    try {
      for (const name of Object.values(ns)) {
        ip('netns', 'add', name);
        created.push(name);
        ip('-n', name, 'link', 'set', 'lo', 'up');
      }
      // Links are created directly inside the namespaces: nothing touches the host's network.
      ip(
        '-n',
        ns.imds,
        'link',
        'add',
        'eth0',
        'type',
        'veth',
        'peer',
        'name',
        'to-imds',
        'netns',
        ns.instance,
      );
      ip(
        '-n',
        ns.container,
        'link',
        'add',
        'eth0',
        'type',
        'veth',
        'peer',
        'name',
        'to-ctr',
        'netns',
        ns.instance,
      );
      ip('-n', ns.imds, 'addr', 'add', '169.254.169.254/24', 'dev', 'eth0');
      ip('-n', ns.imds, 'link', 'set', 'eth0', 'up');
      ip('-n', ns.imds, 'route', 'add', 'default', 'via', '169.254.169.1');
      ip('-n', ns.instance, 'addr', 'add', '169.254.169.1/24', 'dev', 'to-imds');
      ip('-n', ns.instance, 'addr', 'add', '192.0.2.1/24', 'dev', 'to-ctr');
      ip('-n', ns.instance, 'link', 'set', 'to-imds', 'up');
      ip('-n', ns.instance, 'link', 'set', 'to-ctr', 'up');
      execFileSync('ip', ['netns', 'exec', ns.instance, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'], {
        stdio: 'pipe',
      });
      ip('-n', ns.container, 'addr', 'add', '192.0.2.2/24', 'dev', 'eth0');
      ip('-n', ns.container, 'link', 'set', 'eth0', 'up');
      ip('-n', ns.container, 'route', 'add', 'default', 'via', '192.0.2.1');
    } catch (error) {
      return skipped(`could not build the namespaces: ${(error as Error).message.split('\n')[0]}`);
    }
    const steps: LabStep[] = [];
    const results: Record<number, { instance: number; container: number }> = {};
    for (const hop of [1, 2]) {
      const server = await startServer(ns.imds, script, addon.path, hop);
      try {
        const fromInstance = tokenRequest(ns.instance);
        const fromContainer = tokenRequest(ns.container);
        steps.push(
          { sent: `HttpPutResponseHopLimit=${hop}`, status: 200, received: 'metadata server restarted' },
          fromInstance,
          fromContainer,
        );
        results[hop] = { instance: fromInstance.status, container: fromContainer.status };
      } finally {
        await stopServer(server);
      }
    }
    const behaved =
      results[1]?.instance === 200 &&
      results[1]?.container === 0 &&
      results[2]?.instance === 200 &&
      results[2]?.container === 200;
    return {
      id: 6,
      title: TITLE,
      expected: 'hop limit 1: instance 200, container times out; hop limit 2: both 200',
      observed: `hop limit 1: instance ${results[1]?.instance}, container ${results[1]?.container || 'timed out'}; hop limit 2: instance ${results[2]?.instance}, container ${results[2]?.container || 'timed out'}`,
      behaved,
      steps,
      lesson: LESSON,
    };
  } finally {
    for (const name of created) {
      try {
        ip('netns', 'del', name);
      } catch {
        // Already gone.
      }
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
