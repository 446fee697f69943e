/**
 * The node agent on a "host": `credplane up` runs in a network namespace of its own ("server"),
 * the agent in another ("host"), joined only to each other by a veth pair on private addresses
 * (nothing reaches the machine's network; both namespaces are this test's and are deleted after
 * it, failed or not). The agent enrolls with a join token, adds 169.254.169.254 itself, and the
 * AWS CLI on the host — with no credplane-specific setting at all, empty config files — finds the
 * instance's role there, as on EC2. `AWS_ENDPOINT_URL` only says where STS is. Then: a reused join
 * token is refused, and a node asking for another node's instance is refused and logged.
 *
 * Behind the host, namespaces of this test too: a "task" and a "pod" (a veth each, routed through
 * the host), where the JS SDK's default chain with only what ECS / EKS set finds its credentials
 * at 169.254.170.2 and 169.254.170.23; a "container" one routed hop further (through a "router"
 * namespace) for the IMDS hop limit; and last, the server stopped, the agent stopped with SIGTERM
 * (its interface goes) and started again, serving its task from its sealed state.
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
const NS = {
  server: `cpfs-${run}`,
  host: `cpfh-${run}`,
  task: `cpft-${run}`,
  pod: `cpfp-${run}`,
  router: `cpfr-${run}`,
  container: `cpfc-${run}`,
};
const N = parseInt(run.slice(2, 4), 16);
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
      MetadataOptions: { HttpTokens: required, HttpProtocolIpv6: enabled }
  Other:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-0123456789abcdef0
      IamInstanceProfile: !Ref Profile
  OrdersTaskRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: orders-task
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { Service: ecs-tasks.amazonaws.com }
            Action: sts:AssumeRole
  OrdersTask:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: orders
      TaskRoleArn: !GetAtt OrdersTaskRole.Arn
      ContainerDefinitions:
        - Name: worker
          Image: node:20
`;

/** Applied once the cluster exists: its Pod Identity association. */
const POD_TEMPLATE = `
Resources:
  WorkerRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: batch-worker
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - { Effect: Allow, Principal: { Service: pods.eks.amazonaws.com }, Action: [sts:AssumeRole, sts:TagSession] }
  WorkerAssociation:
    Type: AWS::EKS::PodIdentityAssociation
    Properties: { ClusterName: demo, Namespace: batch, ServiceAccount: worker, RoleArn: !GetAtt WorkerRole.Arn }
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
  // A task and a pod on the host, each in a namespace of its own behind a veth to the host (as an
  // awsvpc task or a pod is), and a container one routed hop further (behind a router namespace)
  // for the hop limit. Each side's default route is the host (or the router).
  const links = [
    [NS.task, `10.253.${N}`],
    [NS.pod, `10.252.${N}`],
    [NS.router, `10.251.${N}`],
  ] as const;
  for (const [ns, net] of links) {
    ip('netns', 'add', ns);
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip(
      '-n',
      NS.host,
      'link',
      'add',
      `to-${ns.slice(3, 4)}`,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      ns,
    );
    ip('-n', NS.host, 'addr', 'add', `${net}.1/24`, 'dev', `to-${ns.slice(3, 4)}`);
    ip('-n', NS.host, 'link', 'set', `to-${ns.slice(3, 4)}`, 'up');
    ip('-n', ns, 'addr', 'add', `${net}.2/24`, 'dev', 'eth0');
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
    ip('-n', ns, 'route', 'add', 'default', 'via', `${net}.1`);
  }
  ip('netns', 'add', NS.container);
  ip('-n', NS.container, 'link', 'set', 'lo', 'up');
  ip('-n', NS.router, 'link', 'add', 'to-c', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS.container);
  ip('-n', NS.router, 'addr', 'add', `10.250.${N}.1/24`, 'dev', 'to-c');
  ip('-n', NS.router, 'link', 'set', 'to-c', 'up');
  ip('-n', NS.container, 'addr', 'add', `10.250.${N}.2/24`, 'dev', 'eth0');
  ip('-n', NS.container, 'link', 'set', 'eth0', 'up');
  ip('-n', NS.container, 'route', 'add', 'default', 'via', `10.250.${N}.1`);
  ip('-n', NS.host, 'route', 'add', `10.250.${N}.0/24`, 'via', `10.251.${N}.2`);
  execFileSync('ip', ['netns', 'exec', NS.router, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'], {
    stdio: 'pipe',
  });

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
  const created = await credplane([
    'cluster',
    'create',
    'demo',
    '--account-id',
    ACCOUNT,
    '--issuer-base-url',
    `http://127.0.0.1:${API_PORT}`,
  ]);
  expect(created.code, created.stderr).toBe(0);
  fs.writeFileSync(path.join(dir, 'pods.yaml'), POD_TEMPLATE);
  const applied = await credplane([
    'apply',
    '-f',
    path.join(dir, 'pods.yaml'),
    '--account-id',
    ACCOUNT,
    '--stack-name',
    'pods',
  ]);
  expect(applied.code, applied.stderr + applied.stdout).toBe(0);
}, 180_000);

afterAll(async () => {
  for (const child of children.reverse()) {
    if (child.exitCode !== null || child.pid === undefined) continue;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  }
  for (const ns of [NS.container, NS.router, NS.pod, NS.task, NS.host, NS.server]) {
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

  it('serves a task on the node its relative URI at 169.254.170.2, to the JS SDK with only what ECS sets', async () => {
    const started = await inNs(
      NS.server,
      [process.execPath, CLI, 'node', 'run-task', 'host-1', 'orders', '--data-dir', dataDir],
      cleanEnv(),
    );
    expect(started.code, started.stderr).toBe(0);
    const env = Object.fromEntries(
      started.stdout
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    ) as Record<string, string>;
    expect(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI).toMatch(/^\/v2\/credentials\/[0-9a-f-]{36}$/);
    const taskId = /task\/default\/([0-9a-f]+)/.exec(started.stderr)?.[1] ?? '';
    // The agent learns of the task on its next sync (every 5 s).
    taskEnv = { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI! };
    const creds = await sdkCredentials(NS.task, taskEnv);
    taskKey = creds.accessKeyId;
    expect(await callerArn(creds)).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/orders-task/${taskId}`);
    // The task metadata v4 endpoint the ECS agent sets, from the same address.
    const meta = await inNs(
      NS.task,
      ['curl', '-s', '-m', '5', `${env.ECS_CONTAINER_METADATA_URI_V4!}/task`],
      cleanEnv(),
    );
    expect(meta.stdout).toContain(taskId);
  }, 120_000);

  it('serves a pod on the node EKS Pod Identity at 169.254.170.23, to the JS SDK with only what EKS sets', async () => {
    const tokenFile = path.join(dir, 'pod-token');
    const minted = await credplane(['node', 'pod-token', 'host-1', 'demo/batch/worker', '--pod', 'worker-0']);
    expect(minted.code, minted.stderr).toBe(0);
    fs.writeFileSync(tokenFile, minted.stdout);
    const podEnv = {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials',
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
    };
    const creds = await sdkCredentials(NS.pod, podEnv);
    expect(await callerArn(creds)).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/batch-worker/eks-demo-worker-0`,
    );

    // A token of a pod on another node gets nothing here.
    const elsewhere = await credplane([
      'node',
      'pod-token',
      'host-2',
      'demo/batch/worker',
      '--pod',
      'worker-9',
    ]);
    fs.writeFileSync(tokenFile, elsewhere.stdout);
    const refused = await sdkCredentials(NS.pod, podEnv, 1).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(Error);
    // The IPv6 address too, where the host has IPv6.
    const v6 = execFileSync('ip', ['-n', NS.host, 'addr', 'show']).toString();
    expect(v6).toContain('fd00:ec2::23/128');
    const listening = execFileSync('ip', ['netns', 'exec', NS.host, 'ss', '-ltnH']).toString();
    expect(listening).toContain('[fd00:ec2::23]:80');
    // The instance enables HttpProtocolIpv6: IMDS is on [fd00:ec2::254] too.
    expect(listening).toContain('[fd00:ec2::254]:80');
  }, 120_000);

  it("refuses, and logs, a node asking for another node's task", async () => {
    expect((await credplane(['node', 'add', 'host-2'])).code).toBe(0);
    const started = await inNs(
      NS.server,
      [process.execPath, CLI, 'node', 'run-task', 'host-2', 'orders', '--data-dir', dataDir],
      cleanEnv(),
    );
    expect(started.code, started.stderr).toBe(0);
    const taskId = /task\/default\/([0-9a-f]+)/.exec(started.stderr)?.[1] ?? '';
    const asked = await agentCall('/agent/v1/task-credentials', { taskId });
    expect(asked.stdout, asked.stderr).toMatch(/^403 .*AccessDenied/);
    expect(asked.stdout).not.toContain('SecretAccessKey');
    expect(await refusalsNaming(`task ${taskId}`)).toBe(1);
  }, 60_000);

  it('lets the token answer reach a container one hop further only with HttpPutResponseHopLimit=2', async () => {
    // The address the agent serves is 169.254.169.254 on the host; the container's default route
    // goes through the router namespace, one IP hop.
    expect(await tokenFrom(NS.router)).toBe(200);
    expect(await tokenFrom(NS.container)).toBe(0);
    await setHopLimit(2);
    const deadline = Date.now() + 20_000;
    let status = 0;
    while (Date.now() < deadline && (status = await tokenFrom(NS.container)) !== 200) await sleep(1000);
    expect(status).toBe(200);
  }, 60_000);

  it('removes its interface on SIGTERM; restarted while the server is down, serves what it saved', async () => {
    // The server goes away.
    const server = children[0]!;
    const serverGone = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await serverGone;

    const agent = children.find((c) => c.spawnargs.includes('agent'))!;
    const exited = new Promise((r) => agent.once('exit', r));
    agent.kill('SIGTERM');
    await exited;
    const addrs = execFileSync('ip', ['-n', NS.host, 'addr', 'show']).toString();
    expect(addrs).not.toContain('169.254.169.254');
    expect(addrs).not.toContain('169.254.170.2/32');
    expect(addrs).not.toContain('credplane0');

    // Back without its server: the sealed state in its state directory is served at once.
    await daemon(
      NS.host,
      [
        CLI,
        'agent',
        '--server',
        `https://${SERVER_IP}:${AGENT_PORT}`,
        '--state-dir',
        path.join(dir, 'agent-1'),
      ],
      cleanEnv(),
      'credplane agent:',
    );
    const creds = await sdkCredentials(NS.task, taskEnv, 3);
    expect(creds.accessKeyId).toBe(taskKey);
    expect(await tokenFrom(NS.host)).toBe(200);
  }, 60_000);
});

let taskEnv: Record<string, string> = {};
let taskKey = '';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/**
 * The JS SDK v3's default chain in `ns` with only `env` (IMDS disabled, as the rules for SDK
 * processes in tests require; the container provider comes first anyway). Retries while the agent
 * has not synced yet.
 */
async function sdkCredentials(ns: string, env: Record<string, string>, attempts = 10): Promise<Creds> {
  const script =
    "import { defaultProvider } from '@aws-sdk/credential-provider-node';" +
    'try { console.log(JSON.stringify(await defaultProvider()())); } catch (e) { console.error(String(e.message)); process.exit(1); }';
  let last = '';
  for (let i = 0; i < attempts; i++) {
    const r = await inNs(
      ns,
      [process.execPath, '--input-type=module', '-e', script],
      cleanEnv({ AWS_EC2_METADATA_DISABLED: 'true', AWS_REGION: 'us-east-1', ...env }),
      root,
    );
    if (r.code === 0) return JSON.parse(r.stdout) as Creds;
    last = r.stderr;
    if (/AccessDenied/.test(last)) break;
    await sleep(1500);
  }
  throw new Error(last);
}

/** `sts get-caller-identity` with `creds`, from the host (which reaches the server). */
async function callerArn(creds: Creds): Promise<string> {
  const r = await inNs(
    NS.host,
    ['aws', 'sts', 'get-caller-identity', '--output', 'text', '--query', 'Arn'],
    cleanEnv({
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      AWS_SESSION_TOKEN: creds.sessionToken,
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL: `http://${SERVER_IP}:${API_PORT}`,
    }),
  );
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

/** One request to the agent port with host-1's certificate. */
function agentCall(route: string, body: unknown): Promise<CliResult> {
  const ask = `
    const fs = require('node:fs'); const https = require('node:https');
    const s = (f) => fs.readFileSync(process.argv[1] + '/' + f, 'utf8');
    const req = https.request('https://${SERVER_IP}:${AGENT_PORT}${route}',
      { method: 'POST', ca: s('ca.pem'), cert: s('cert.pem'), key: s('key.pem') },
      (res) => { let t = ''; res.on('data', (c) => (t += c)); res.on('end', () => console.log(res.statusCode + ' ' + t)); });
    req.end(${JSON.stringify(JSON.stringify(body))});`;
  return inNs(NS.host, [process.execPath, '-e', ask, path.join(dir, 'agent-1')], cleanEnv());
}

/** How many AccessDenied events name host-1 and `what` (waiting for the journal's next batch). */
async function refusalsNaming(what: string): Promise<number> {
  const store = await openStore(path.join(dataDir, 'credplane.db'));
  try {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const events = await store.listAccessEvents({});
      const n = events.filter(
        (e) =>
          e.errorCode === 'AccessDenied' &&
          JSON.stringify(e.record).includes('host-1') &&
          JSON.stringify(e.record).includes(what),
      ).length;
      if (n > 0 || Date.now() > deadline) return n;
      await sleep(100);
    }
  } finally {
    await store.close();
  }
}

async function setHopLimit(limit: number): Promise<void> {
  const store = await openStore(path.join(dataDir, 'credplane.db'));
  try {
    const all = await store.listWorkloads(ACCOUNT, { kind: 'ec2-instance' });
    const w = all.find((x) => x.name.endsWith('-Web'))!;
    const metadataOptions = { ...(w.settings.metadataOptions ?? {}), httpPutResponseHopLimit: limit };
    await store.putWorkload(ACCOUNT, { ...w, settings: { ...w.settings, metadataOptions } });
  } finally {
    await store.close();
  }
}

/** An IMDSv2 token PUT with curl from `ns`: the HTTP status, or 0 when no answer came in 2 s. */
function tokenFrom(ns: string): Promise<number> {
  return new Promise((resolve) => {
    execFile(
      'ip',
      [
        'netns',
        'exec',
        ns,
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
      ].concat(['-H', 'X-aws-ec2-metadata-token-ttl-seconds: 60', 'http://169.254.169.254/latest/api/token']),
      { timeout: 10_000 },
      (_error, stdout) => resolve(Number(String(stdout).trim()) || 0),
    );
  });
}
