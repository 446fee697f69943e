/**
 * Credential lifetimes across processes: `credplane up` with `CREDPLANE_ECS_CREDENTIAL_SECONDS` and
 * `CREDPLANE_LAMBDA_CREDENTIAL_SECONDS`; a task's JS SDK (`fromContainerMetadata`) and botocore see
 * the short expiration, and every invoke of a function gets a new environment (a cold start). The
 * task's metadata (v3 and v4) serves stats of the task's own process.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credplaneCli, startCredplane, tempDir, type Credplane } from './support.js';

let plane: Credplane;
let dir: string;

const TEMPLATE = (codeDir: string): string => `
Resources:
  TaskRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: short-task
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - { Effect: Allow, Principal: { Service: ecs-tasks.amazonaws.com }, Action: sts:AssumeRole }
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: short
      TaskRoleArn: !GetAtt TaskRole.Arn
      ContainerDefinitions:
        - { Name: worker, Image: node:20 }
  FunctionRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: short-fn
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - { Effect: Allow, Principal: { Service: lambda.amazonaws.com }, Action: sts:AssumeRole }
  Function:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: short
      Role: !GetAtt FunctionRole.Arn
      Runtime: nodejs20.x
      Handler: index.handler
      Timeout: 20
      Code: ${codeDir}
`;

const HANDLER = `
exports.handler = async () => ({ key: process.env.AWS_ACCESS_KEY_ID, pid: process.pid });
`;

const TASK_SCRIPT = `
const { fromContainerMetadata } = require('@smithy/credential-provider-imds');
(async () => {
  const creds = await fromContainerMetadata({ maxRetries: 0, timeout: 5000 })();
  const v4 = process.env.ECS_CONTAINER_METADATA_URI_V4;
  const stats = await (await fetch(v4 + '/task/stats')).json();
  const v3 = await (await fetch(process.env.ECS_CONTAINER_METADATA_URI + '/task')).json();
  console.log(JSON.stringify({ left: creds.expiration.getTime() - Date.now(), stats, v3Family: v3.Family }));
})().catch((e) => { console.error(e.message); process.exit(1); });
`;

beforeAll(async () => {
  dir = tempDir('lifetimes');
  const code = path.join(dir, 'fn');
  fs.mkdirSync(code);
  fs.writeFileSync(path.join(code, 'index.js'), HANDLER);
  fs.writeFileSync(path.join(code, 'package.json'), '{"type":"commonjs"}');
  const template = path.join(dir, 'stack.yaml');
  fs.writeFileSync(template, TEMPLATE(code));
  plane = await startCredplane({
    args: ['--template', template],
    env: {
      CREDPLANE_ECS_CREDENTIAL_SECONDS: '120',
      CREDPLANE_ECS_REFRESH_BEFORE_SECONDS: '100',
      CREDPLANE_LAMBDA_CREDENTIAL_SECONDS: '120',
      CREDPLANE_LAMBDA_REFRESH_BEFORE_SECONDS: '100',
    },
  });
}, 120_000);

afterAll(async () => {
  await plane?.stop();
});

const cli = (args: string[]) =>
  credplaneCli([...args.slice(0, 2), '--data-dir', plane.dataDir, ...args.slice(2)], dir);

describe('credential lifetime settings', () => {
  it("a task's JS SDK sees the configured lifetime; its metadata serves its own process's stats", async () => {
    const out = await cli(['run-task', 'short', '--', process.execPath, '-e', TASK_SCRIPT]);
    expect(out.stderr).not.toMatch(/error/i);
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout) as {
      left: number;
      stats: Record<string, { pids_stats: { current: number }; memory_stats: { usage: number } }>;
      v3Family: string;
    };
    expect(result.left).toBeGreaterThan(60_000);
    expect(result.left).toBeLessThanOrEqual(120_000);
    expect(result.v3Family).toBe('short');
    const [only] = Object.values(result.stats);
    expect(only?.pids_stats.current).toBeGreaterThanOrEqual(1);
    expect(only?.memory_stats.usage).toBeGreaterThan(10 * 1024 * 1024);
  }, 120_000);

  it('botocore (aws CLI) in a task sees the configured lifetime too', async () => {
    const script =
      'from botocore.credentials import ContainerProvider\n' +
      'import datetime\n' +
      'c = ContainerProvider().load()\n' +
      'print(int((c._expiry_time - datetime.datetime.now(datetime.timezone.utc)).total_seconds()))\n';
    const out = await cli(['run-task', 'short', '--', 'python3', '-c', script]);
    expect(out.code).toBe(0);
    const left = Number(out.stdout.trim());
    expect(left).toBeGreaterThan(60);
    expect(left).toBeLessThanOrEqual(120);
  }, 120_000);

  it('every invoke of a function is a cold start: the environment cannot outlive its short credentials', async () => {
    const first = await cli(['invoke', 'short']);
    const second = await cli(['invoke', 'short']);
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    const a = JSON.parse(first.stdout) as { key: string; pid: number };
    const b = JSON.parse(second.stdout) as { key: string; pid: number };
    expect(a.key).toMatch(/^ASIA/);
    expect(b.pid).not.toBe(a.pid);
    // The lifetime is under the function's timeout + 15 minutes, so both were cold starts.
    expect(first.stderr).toMatch(/\tInit Duration: \d+\.\d\d ms/);
    expect(second.stderr).toMatch(/\tInit Duration: \d+\.\d\d ms/);
    expect(first.stderr).toMatch(/\tMax Memory Used: [1-9]\d* MB/);
  }, 120_000);
});
