/**
 * The node agent on a "host": `credplane up` runs in a network namespace of its own ("server"),
 * the agent in another ("host"), joined only to each other by a veth pair on private addresses
 * (nothing reaches the machine's network; both namespaces are this test's and are deleted after
 * it, failed or not). The agent enrolls with a join token, adds 169.254.169.254 itself, and the
 * AWS CLI on the host — with no credplane-specific setting at all, empty config files — finds the
 * instance's role there, as on EC2. `AWS_ENDPOINT_URL` only says where STS is. Then: a reused join
 * token is refused, and a node asking for another node's instance is refused and logged.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import { ACCOUNT, CLI, tempDir, type CliResult } from './support.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = randomBytes(3).toString('hex');
const NS = { server: `cpfs-${run}`, host: `cpfh-${run}` };
const VETH = { server: `cpfs${run}`, host: `cpfh${run}` };
const NET = `10.254.${parseInt(run.slice(0, 2), 16)}`;
const SERVER_IP = `${NET}.1`;
const HOST_IP = `${NET}.2`;
const API_PORT = 7300;
const AGENT_PORT = 7301;

const TEMPLATE = `
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: fleet-web
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { Service: ec2.amazonaws.com }
            Action: sts:AssumeRole
  Profile:
    Type: AWS::IAM::InstanceProfile
    Properties:
      InstanceProfileName: fleet-web
      Roles: [!Ref Role]
  Web:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-0123456789abcdef0
      IamInstanceProfile: !Ref Profile
      MetadataOptions: { HttpTokens: required }
  Other:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-0123456789abcdef0
      IamInstanceProfile: !Ref Profile
`;

const dir = tempDir('fleet');
const dataDir = path.join(dir, 'server');
const children: ChildProcess[] = [];
let instances: { name: string; instanceId: string }[] = [];

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

/** An environment with nothing of the machine's AWS setup and nothing of credplane's. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const empty = path.join(dir, 'empty-aws-config');
  if (!fs.existsSync(empty)) fs.writeFileSync(empty, '');
  return {
    PATH: process.env.PATH,
    HOME: dir,
    AWS_CONFIG_FILE: empty,
    AWS_SHARED_CREDENTIALS_FILE: empty,
    ...extra,
  };
}

function inNs(ns: string, command: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      'ip',
      ['netns', 'exec', ns, ...command],
      { env, timeout: 60_000, ...(cwd === undefined ? {} : { cwd }) },
      (error, stdout, stderr) => {
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
          stdout,
          stderr,
        });
      },
    );
  });
}

/** Start a long-running process in a namespace and wait for `ready` on its stdout. */
async function daemon(
  ns: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: string,
): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[1]} did not start: ${err}`)), 60_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes(ready)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args[1]} exited (${code}): ${err}`));
    });
  });
  return child;
}

const credplane = (args: string[]): Promise<CliResult> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args, '--data-dir', dataDir],
      { env: cleanEnv(), timeout: 60_000 },
      (e, stdout, stderr) => resolve({ code: e === null ? 0 : 1, stdout, stderr }),
    );
  });

beforeAll(async () => {
  ip('netns', 'add', NS.server);
  ip('netns', 'add', NS.host);
  ip(
    'link',
    'add',
    VETH.server,
    'netns',
    NS.server,
    'type',
    'veth',
    'peer',
    'name',
    VETH.host,
    'netns',
    NS.host,
  );
  for (const [ns, dev, addr] of [
    [NS.server, VETH.server, SERVER_IP],
    [NS.host, VETH.host, HOST_IP],
  ] as const) {
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'addr', 'add', `${addr}/24`, 'dev', dev);
    ip('-n', ns, 'link', 'set', dev, 'up');
  }
  fs.writeFileSync(path.join(dir, 'template.yaml'), TEMPLATE);
  await daemon(
    NS.server,
    [
      CLI,
      'up',
      '--port',
      String(API_PORT),
      '--data-dir',
      dataDir,
      '--account-id',
      ACCOUNT,
      '--template',
      path.join(dir, 'template.yaml'),
      '--agent-port',
      String(AGENT_PORT),
      '--agent-host',
      SERVER_IP,
    ],
    cleanEnv({ AWS_EC2_METADATA_DISABLED: 'true' }),
    'Stop with Ctrl-C',
  );
  // The Query API listens on the server namespace's loopback; this relays it to the veth address.
  const relay = `const net=require('node:net');net.createServer(c=>{const u=net.connect(${API_PORT},'127.0.0.1');c.pipe(u).pipe(c);c.on('error',()=>u.destroy());u.on('error',()=>c.destroy())}).listen(${API_PORT},'${SERVER_IP}',()=>console.log('relay up'))`;
  await daemon(NS.server, ['-e', relay], cleanEnv(), 'relay up');
  const endpoints = JSON.parse(fs.readFileSync(path.join(dataDir, 'endpoints.json'), 'utf8')) as {
    instances: { name: string; instanceId: string }[];
  };
  instances = endpoints.instances;
}, 180_000);

afterAll(async () => {
  for (const child of children.reverse()) {
    if (child.exitCode !== null || child.pid === undefined) continue;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  }
  for (const ns of [NS.host, NS.server]) {
    try {
      ip('netns', 'del', ns);
    } catch {
      // not created
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

const web = (): { instanceId: string } => instances.find((i) => i.name.endsWith('-Web'))!;
const other = (): { instanceId: string } => instances.find((i) => i.name.endsWith('-Other'))!;

describe('credplane agent on a host namespace', () => {
  let token = '';

  it('enrolls with a join token and serves the instance at 169.254.169.254 to an unconfigured AWS CLI', async () => {
    const added = await credplane(['node', 'add', 'host-1', '--ttl', '10m']);
    expect(added.code, added.stderr).toBe(0);
    token = added.stdout.trim();
    expect(token).toMatch(/^cpj1\.host-1\./);
    expect((await credplane(['node', 'place', 'host-1', web().instanceId])).code).toBe(0);

    await daemon(
      NS.host,
      [
        CLI,
        'agent',
        '--server',
        `https://${SERVER_IP}:${AGENT_PORT}`,
        '--join-token',
        token,
        '--state-dir',
        path.join(dir, 'agent-1'),
      ],
      cleanEnv(),
      'credplane agent:',
    );
    // The agent loaded the helper that puts the instance's hop limit on its metadata sockets.
    expect(fs.readdirSync(path.join(dir, 'agent-1', 'imds')).some((f) => f.endsWith('.node'))).toBe(true);
    const identity = await inNs(
      NS.host,
      ['aws', 'sts', 'get-caller-identity', '--output', 'json'],
      cleanEnv({
        AWS_REGION: 'us-east-1',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_ENDPOINT_URL: `http://${SERVER_IP}:${API_PORT}`,
      }),
    );
    expect(identity.code, identity.stderr).toBe(0);
    expect(JSON.parse(identity.stdout)).toMatchObject({
      Account: ACCOUNT,
      Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/fleet-web/${web().instanceId}`,
    });
    // The JS SDK v3's default chain finds the same role there.
    const sdk = await inNs(
      NS.host,
      [
        process.execPath,
        '--input-type=module',
        '-e',
        "import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';" +
          'console.log((await new STSClient({}).send(new GetCallerIdentityCommand({}))).Arn);',
      ],
      cleanEnv({ AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: `http://${SERVER_IP}:${API_PORT}` }),
      root,
    );
    expect(sdk.stdout.trim(), sdk.stderr).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/fleet-web/${web().instanceId}`,
    );
    // The agent added the address itself (on its dummy interface, or on lo where the kernel has no dummy).
    expect(execFileSync('ip', ['-n', NS.host, 'addr', 'show']).toString()).toContain('169.254.169.254/32');
  }, 120_000);

  it('refuses a reused join token', async () => {
    const again = await inNs(
      NS.host,
      [
        process.execPath,
        CLI,
        'agent',
        '--server',
        `https://${SERVER_IP}:${AGENT_PORT}`,
        '--join-token',
        token,
        '--state-dir',
        path.join(dir, 'agent-2'),
        '--bind',
        '127.0.0.1',
        '--port',
        '0',
      ],
      cleanEnv(),
    );
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('The join token is not valid');
    expect(again.stderr).not.toContain(token.split('.')[2]);
  }, 60_000);

  it("refuses, and logs, a node asking for another node's instance", async () => {
    const ask = `
      const fs = require('node:fs'); const https = require('node:https');
      const s = (f) => fs.readFileSync(process.argv[1] + '/' + f, 'utf8');
      const req = https.request('https://${SERVER_IP}:${AGENT_PORT}/agent/v1/credentials',
        { method: 'POST', ca: s('ca.pem'), cert: s('cert.pem'), key: s('key.pem') },
        (res) => { let t = ''; res.on('data', (c) => (t += c)); res.on('end', () => console.log(res.statusCode + ' ' + t)); });
      req.end(JSON.stringify({ instanceId: '${other().instanceId}', delivery: '2.0' }));`;
    const asked = await inNs(NS.host, [process.execPath, '-e', ask, path.join(dir, 'agent-1')], cleanEnv());
    expect(asked.stdout, asked.stderr).toMatch(/^403 .*AccessDenied/);
    expect(asked.stdout).not.toContain('SecretAccessKey');

    const store = await openStore(path.join(dataDir, 'credplane.db'));
    try {
      // The event is durable in the server's journal before the answer; it reaches the store with
      // the next batch (docs/access-log.md), so wait for it there.
      const deadline = Date.now() + 10_000;
      let refused: Awaited<ReturnType<typeof store.listAccessEvents>> = [];
      for (;;) {
        const events = await store.listAccessEvents({});
        refused = events.filter(
          (e) => e.errorCode === 'AccessDenied' && JSON.stringify(e.record).includes('host-1'),
        );
        if (refused.length > 0 || Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(refused.length).toBe(1);
      expect(JSON.stringify(refused[0]!.record)).toContain(other().instanceId);
    } finally {
      await store.close();
    }
  }, 60_000);
});
