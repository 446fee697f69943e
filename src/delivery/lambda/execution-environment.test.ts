import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ExecutionEnvironment } from './execution-environment.js';
import type { FunctionConfiguration } from './functions.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata', 'handlers');
const credentials = { AccessKeyId: 'ASIATESTTESTTESTTEST', SecretAccessKey: 's'.repeat(40), Token: 'token' };

function configuration(handler: string, timeout = 5): FunctionConfiguration {
  return {
    functionName: 'fn',
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn',
    roleName: 'fn-role',
    roleArn: 'arn:aws:iam::123456789012:role/fn-role',
    handler,
    runtime: 'nodejs20.x',
    code: { path: root },
    timeout,
    memorySize: 128,
    environment: { CUSTOM: 'yes', AWS_ACCESS_KEY_ID: 'overridden-by-lambda' },
  };
}

async function invokeOnce(
  handler: string,
  event = '{}',
  timeout = 5,
  taskRoot = root,
): Promise<{ result: Awaited<ReturnType<ExecutionEnvironment['invoke']>>; logs: string[] }> {
  const logs: string[] = [];
  const env = await ExecutionEnvironment.start({
    configuration: { ...configuration(handler, timeout), code: { path: taskRoot } },
    credentials,
    region: 'us-east-1',
    endpointUrl: 'http://127.0.0.1:1',
    taskRoot,
    baseEnv: { PATH: process.env.PATH ?? '' },
    log: (line) => logs.push(line),
  });
  try {
    return { result: await env.invoke(event), logs };
  } finally {
    await env.stop();
  }
}

describe('ExecutionEnvironment', () => {
  it('runs the handler through the Runtime API with the Lambda environment, twice in one environment', async () => {
    const logs: string[] = [];
    const env = await ExecutionEnvironment.start({
      configuration: configuration('index.handler'),
      credentials,
      region: 'us-east-1',
      endpointUrl: 'http://127.0.0.1:1',
      taskRoot: root,
      baseEnv: { PATH: process.env.PATH ?? '' },
      log: (line) => logs.push(line),
    });
    try {
      const first = await env.invoke('{"n":1}');
      expect(first.functionError).toBeUndefined();
      const out = JSON.parse(first.payload) as Record<string, unknown>;
      expect(out).toMatchObject({
        echo: { n: 1 },
        requestId: first.requestId,
        arn: 'arn:aws:lambda:us-east-1:123456789012:function:fn',
        remaining: true,
        env: { name: 'fn', key: 'ASIATESTTESTTESTTEST', custom: 'yes' },
      });
      expect((out.env as Record<string, string>).api).toMatch(/^127\.0\.0\.1:\d+$/);
      expect((out.env as Record<string, string>).trace).toMatch(/^Root=1-/);
      const second = await env.invoke('{"n":2}');
      expect(JSON.parse(second.payload)).toMatchObject({ echo: { n: 2 } });
      expect(second.requestId).not.toBe(first.requestId);
      // Lambda's REPORT line: tab-separated, Max Memory Used always, Init Duration on the cold start only.
      const report = (id: string) => logs.find((l) => l.startsWith(`REPORT RequestId: ${id}\t`)) ?? '';
      expect(report(first.requestId)).toMatch(
        /^REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms$/,
      );
      expect(Number(/Max Memory Used: (\d+) MB/.exec(report(first.requestId))?.[1])).toBeGreaterThan(0);
      expect(first.initDurationMs).toBeGreaterThan(0);
      expect(report(second.requestId)).toMatch(
        /^REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB$/,
      );
      expect(second.initDurationMs).toBeUndefined();
    } finally {
      await env.stop();
    }
  }, 20_000);

  it('reports a handler error as Lambda does, and supports callback handlers', async () => {
    const { result } = await invokeOnce('index.fails');
    expect(result.functionError).toBe('Unhandled');
    expect(JSON.parse(result.payload)).toMatchObject({
      errorType: 'TypeError',
      errorMessage: 'boom',
      trace: expect.any(Array),
    });
    const cb = await invokeOnce('index.callback');
    expect(JSON.parse(cb.result.payload)).toEqual({ viaCallback: true });
  }, 20_000);

  it('reports a timeout with Sandbox.Timedout', async () => {
    const { result } = await invokeOnce('index.sleeps', '{}', 1);
    expect(result.functionError).toBe('Unhandled');
    expect(JSON.parse(result.payload)).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${result.requestId} Error: Task timed out after 1.00 seconds`,
    });
  }, 20_000);

  it('reports init errors (missing module, missing handler) and runtime exits', async () => {
    const missing = await invokeOnce('nope.handler');
    expect(JSON.parse(missing.result.payload)).toMatchObject({ errorType: 'Runtime.ImportModuleError' });
    const notExported = await invokeOnce('index.absent');
    expect(JSON.parse(notExported.result.payload)).toMatchObject({ errorType: 'Runtime.HandlerNotFound' });
    const exits = await invokeOnce('index.exits');
    expect(JSON.parse(exits.result.payload)).toMatchObject({ errorType: 'Runtime.ExitError' });
    expect(exits.result.functionError).toBe('Unhandled');
  }, 30_000);

  it('sends the function output to the log, not the payload', async () => {
    const { result, logs } = await invokeOnce('index.logs');
    expect(result.payload).toBe('"ok"');
    expect(logs).toContain('hello from the handler');
  }, 20_000);
});

describe('ExecutionEnvironment init errors, as the Node.js runtime interface client reports them', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-init-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const files: Record<string, string> = {
    'package.json': '{"type":"commonjs"}',
    'syntax.js': 'exports.handler = async () => {;\n',
    'throws.js':
      "class ConfigError extends Error { name = 'ConfigError'; }\nthrow new ConfigError('no TABLE_NAME');\n",
    'throwsstring.js': "throw 'plain';\n",
    'nested.js': 'exports.handlers = { main: async (e) => ({ nested: e.n }) };\nexports.value = 1;\n',
    'missingdep.js': "require('credplane-no-such-package');\nexports.handler = async () => 1;\n",
    'missingesm.mjs': "import 'credplane-no-such-package';\nexport const handler = async () => 1;\n",
    'esm.mjs': 'export const handlers = { main: async () => "esm" };\n',
    'sub/inner.js': 'exports.handler = async () => "inner";\n',
  };
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  const run = (handler: string) => invokeOnce(handler, '{"n":7}', 10, dir);

  it('reports a module that does not parse as Runtime.UserCodeSyntaxError, with the init payload fields', async () => {
    const { result } = await run('syntax.handler');
    expect(result.end).toBe('init-error');
    expect(result.functionError).toBe('Unhandled');
    const doc = JSON.parse(result.payload) as { errorType: string; errorMessage: string; trace: string[] };
    expect(doc.errorType).toBe('Runtime.UserCodeSyntaxError');
    expect(doc.errorMessage).toMatch(/^SyntaxError: /);
    expect(doc.trace[0]).toBe(`Runtime.UserCodeSyntaxError: ${doc.errorMessage}`);
  }, 30_000);

  it('reports an error thrown while the module loads as itself', async () => {
    const { result } = await run('throws.handler');
    expect(result.end).toBe('init-error');
    const doc = JSON.parse(result.payload) as { errorType: string; errorMessage: string; trace: string[] };
    expect(doc).toMatchObject({ errorType: 'ConfigError', errorMessage: 'no TABLE_NAME' });
    expect(doc.trace[0]).toBe('ConfigError: no TABLE_NAME');
    const thrownString = await run('throwsstring.handler');
    expect(JSON.parse(thrownString.result.payload)).toEqual({
      errorType: 'string',
      errorMessage: 'plain',
      trace: [],
    });
  }, 30_000);

  it('splits the handler at the first dot and walks the rest as a property path', async () => {
    expect(JSON.parse((await run('nested.handlers.main')).result.payload)).toEqual({ nested: 7 });
    expect((await run('esm.handlers.main')).result.payload).toBe('"esm"');
    expect((await run('sub/inner.handler')).result.payload).toBe('"inner"');
    const absent = JSON.parse((await run('nested.handlers.other')).result.payload) as Record<string, unknown>;
    expect(absent).toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'nested.handlers.other is undefined or not exported',
      trace: expect.any(Array),
    });
    expect(JSON.parse((await run('nested.value')).result.payload)).toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'nested.value is not a function',
    });
  }, 60_000);

  it('reports a missing module, or a missing module it imports, as Runtime.ImportModuleError', async () => {
    for (const handler of ['absent.handler', 'missingdep.handler']) {
      const doc = JSON.parse((await run(handler)).result.payload) as Record<string, unknown>;
      expect(doc).toMatchObject({ errorType: 'Runtime.ImportModuleError', trace: expect.any(Array) });
      expect(doc.errorMessage).toMatch(/^Error: Cannot find module '(absent|credplane-no-such-package)'/);
    }
    const esm = JSON.parse((await run('missingesm.handler')).result.payload) as Record<string, unknown>;
    expect(esm.errorType).toBe('Runtime.ImportModuleError');
  }, 60_000);

  it('refuses handler names that climb out of the task root or have no function part', async () => {
    expect(JSON.parse((await run('../escape.handler')).result.payload)).toMatchObject({
      errorType: 'Runtime.MalformedHandlerName',
    });
    expect(JSON.parse((await run('index')).result.payload)).toMatchObject({
      errorType: 'Runtime.MalformedHandlerName',
      errorMessage: 'Bad handler',
    });
  }, 30_000);
});
