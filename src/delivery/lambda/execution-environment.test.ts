import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
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
): Promise<{ result: Awaited<ReturnType<ExecutionEnvironment['invoke']>>; logs: string[] }> {
  const logs: string[] = [];
  const env = await ExecutionEnvironment.start({
    configuration: configuration(handler, timeout),
    credentials,
    region: 'us-east-1',
    endpointUrl: 'http://127.0.0.1:1',
    taskRoot: root,
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
      expect(logs.some((l) => l.startsWith(`REPORT RequestId: ${first.requestId}`))).toBe(true);
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
