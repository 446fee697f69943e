/**
 * ECS tasks and Lambda functions, across processes: `credplane up` with a template, then
 * `credplane run-task` and `credplane invoke` / `run-function`, with the JS SDK v3 default chain
 * and botocore (the `aws` CLI) finding the workload's credentials through the standard variables.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, credplaneCli, startCredplane, tempDir, type Credplane } from './support.js';

let plane: Credplane;
let dir: string;

const TEMPLATE = (codeDir: string): string => `
Resources:
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
            Condition:
              ArnLike: { 'aws:SourceArn': 'arn:aws:ecs:us-east-1:${ACCOUNT}:task/*' }
  OrdersTask:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: orders
      TaskRoleArn: !GetAtt OrdersTaskRole.Arn
      ContainerDefinitions:
        - Name: worker
          Image: node:20
          Environment:
            - { Name: QUEUE_NAME, Value: orders }
  LambdaOnlyRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: report-fn
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { Service: lambda.amazonaws.com }
            Action: sts:AssumeRole
  UntrustedTask:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: untrusted
      TaskRoleArn: !GetAtt LambdaOnlyRole.Arn
      ContainerDefinitions:
        - { Name: main, Image: node:20 }
  ReportFunction:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: report
      Role: !GetAtt LambdaOnlyRole.Arn
      Runtime: nodejs20.x
      Handler: index.handler
      Timeout: 20
      Code: ${codeDir}
      Environment:
        Variables: { STAGE: e2e }
  FailingFunction:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: failing
      Role: !GetAtt LambdaOnlyRole.Arn
      Runtime: nodejs20.x
      Handler: index.fails
      Code: ${codeDir}
`;

const HANDLER = `
const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');
exports.handler = async (event, context) => {
  const who = await new STSClient({}).send(new GetCallerIdentityCommand({}));
  return { arn: who.Arn, event, stage: process.env.STAGE, requestId: context.awsRequestId, pid: process.pid };
};
exports.fails = async () => { throw new RangeError('out of range'); };
`;

/** A JS SDK v3 default-chain call made inside the workload process. */
const JS_WHOAMI =
  "const {STSClient,GetCallerIdentityCommand}=require('@aws-sdk/client-sts');" +
  'new STSClient({}).send(new GetCallerIdentityCommand({})).then(r=>console.log("ARN="+r.Arn),e=>{console.error(e.message);process.exit(1)})';

beforeAll(async () => {
  dir = tempDir('ecs-lambda');
  const code = path.join(dir, 'fn');
  fs.mkdirSync(code);
  fs.writeFileSync(path.join(code, 'index.js'), HANDLER);
  fs.writeFileSync(path.join(code, 'package.json'), '{"type":"commonjs"}');
  const template = path.join(dir, 'stack.yaml');
  fs.writeFileSync(template, TEMPLATE(code));
  plane = await startCredplane({ args: ['--template', template] });
}, 60_000);

afterAll(async () => {
  await plane?.stop();
});

const cli = (args: string[]) =>
  credplaneCli([...args.slice(0, 2), '--data-dir', plane.dataDir, ...args.slice(2)], dir);
const arns = (text: string): string[] =>
  [...text.matchAll(/arn:aws:sts::\d{12}:assumed-role\/[\w+=,.@-]+\/[\w+=,.@-]+/g)].map((m) => m[0]);

describe('ECS tasks: the container credentials endpoint', () => {
  it('the JS SDK v3 default chain gets the task role session through the standard variables alone', async () => {
    const out = await cli(['run-task', 'orders', '--', process.execPath, '-e', JS_WHOAMI]);
    expect(out.stderr).toMatch(/started task arn:aws:ecs:us-east-1:\d{12}:task\/default\/[0-9a-f]{32}/);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^ARN=arn:aws:sts::123456789012:assumed-role\/orders-task\/[0-9a-f]{32}$/m);
  }, 30_000);

  it('botocore (aws CLI) does too, with the token in a file; two tasks get distinct sessions', async () => {
    const out = await cli([
      'run-task',
      'orders',
      '--count',
      '2',
      '--token-file',
      '--',
      'aws',
      'sts',
      'get-caller-identity',
      '--output',
      'text',
    ]);
    expect(out.code).toBe(0);
    const found = arns(out.stdout);
    expect(found).toHaveLength(2);
    expect(new Set(found).size).toBe(2);
    for (const arn of found) expect(arn).toMatch(/assumed-role\/orders-task\/[0-9a-f]{32}$/);
  }, 40_000);

  it('refuses a missing and a wrong authorization token; serves the task metadata', async () => {
    const script = `
      const uri = process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
      (async () => {
        const none = await fetch(uri);
        const wrong = await fetch(uri, { headers: { Authorization: 'not-the-token' } });
        const right = await fetch(uri, { headers: { Authorization: process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN } });
        const meta = await (await fetch(process.env.ECS_CONTAINER_METADATA_URI_V4 + '/task')).json();
        console.log(JSON.stringify({ none: [none.status, await none.json()], wrong: [wrong.status, await wrong.json()],
          right: right.status, type: right.headers.get('content-type'), family: meta.Family, queue: process.env.QUEUE_NAME,
          full: uri }));
      })();`;
    const out = await cli(['run-task', 'orders', '--', process.execPath, '-e', script]);
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({
      none: [401, { Code: 'MissingAuthorizationToken' }],
      wrong: [403, { Code: 'AccessDenied' }],
      right: 200,
      type: 'application/json',
      family: 'orders',
      queue: 'orders',
    });
    expect(result.full).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2\/credentials\/[0-9a-f-]{36}$/);
  }, 30_000);

  it('a botocore process with a wrong token is refused credentials', async () => {
    const out = await cli([
      'run-task',
      'orders',
      '--',
      'sh',
      '-c',
      'AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong aws sts get-caller-identity --output text',
    ]);
    expect(out.code).not.toBe(0);
    expect(arns(out.stdout)).toHaveLength(0);
  }, 40_000);

  it('refuses to start a task whose role does not trust ecs-tasks.amazonaws.com; lists stopped tasks', async () => {
    const out = await cli(['run-task', 'untrusted', '--', 'true']);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('AccessDenied');
    const list = await cli(['list-tasks']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^[0-9a-f]{32}\tSTOPPED\torders:1\t/m);
    const stop = await cli(['stop-task', '0'.repeat(32)]);
    expect(stop.code).not.toBe(0);
    expect(stop.stderr).toContain('InvalidParameterException');
  }, 30_000);
});

describe('Lambda: execution role credentials in the runtime environment', () => {
  it('credplane invoke runs the handler, which gets the function session from STS', async () => {
    const eventFile = path.join(dir, 'event.json');
    fs.writeFileSync(eventFile, '{"order":42}');
    const out = await cli(['invoke', 'report', '--event', eventFile]);
    expect(out.code).toBe(0);
    const payload = JSON.parse(out.stdout) as Record<string, unknown>;
    expect(payload).toMatchObject({
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/report-fn/report`,
      event: { order: 42 },
      stage: 'e2e',
    });
    expect(out.stderr).toMatch(/REPORT RequestId: [0-9a-f-]{36}\tDuration: /);
    // The execution environment stays warm for the next invoke (its credentials have hours left).
    const again = await cli(['invoke', 'report', '--payload', '{"order":43}']);
    const second = JSON.parse(again.stdout) as Record<string, unknown>;
    expect(second).toMatchObject({ event: { order: 43 }, pid: payload.pid });
    expect(second.requestId).not.toBe(payload.requestId);
  }, 30_000);

  it('a handler error comes back as Lambda reports it', async () => {
    const out = await cli(['invoke', 'failing']);
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout)).toMatchObject({ errorType: 'RangeError', errorMessage: 'out of range' });
    expect(out.stderr).toContain('FunctionError: Unhandled');
  }, 30_000);

  it("run-function gives any command the function's environment (aws CLI and JS SDK)", async () => {
    const aws = await cli([
      'run-function',
      'report',
      '--',
      'aws',
      'sts',
      'get-caller-identity',
      '--output',
      'text',
    ]);
    expect(aws.code).toBe(0);
    expect(arns(aws.stdout)).toEqual([`arn:aws:sts::${ACCOUNT}:assumed-role/report-fn/report`]);
    // `credplane run` picks the Lambda channel for a function name.
    const js = await cli(['run', 'report', '--', process.execPath, '-e', JS_WHOAMI]);
    expect(js.stdout.trim()).toBe(`ARN=arn:aws:sts::${ACCOUNT}:assumed-role/report-fn/report`);
  }, 40_000);

  it('an unknown function is ResourceNotFoundException', async () => {
    const out = await cli(['invoke', 'nope']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('ResourceNotFoundException');
  }, 30_000);
});
