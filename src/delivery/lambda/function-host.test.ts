import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FunctionHost, type FunctionCredentials } from './function-host.js';
import type { FunctionConfiguration } from './functions.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata', 'handlers');
let host: FunctionHost;
afterEach(async () => host?.close());

function fn(handler: string, more: Partial<FunctionConfiguration> = {}): FunctionConfiguration {
  return {
    functionName: 'fn',
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn',
    roleName: 'r',
    roleArn: 'arn:aws:iam::123456789012:role/r',
    handler,
    runtime: 'nodejs20.x',
    code: { path: root },
    timeout: 1,
    memorySize: 128,
    environment: {},
    ...more,
  };
}

function credentials(expiresInMs: number, issued: { count: number }): () => Promise<FunctionCredentials> {
  return async () => {
    issued.count++;
    return {
      AccessKeyId: 'ASIATESTTESTTESTTEST',
      SecretAccessKey: 's'.repeat(40),
      Token: 't',
      expiration: new Date(Date.now() + expiresInMs),
    };
  };
}

describe('FunctionHost', () => {
  it('reuses a warm environment while its credentials are fresh and the configuration is unchanged', async () => {
    host = new FunctionHost({ region: 'us-east-1', endpointUrl: () => 'http://127.0.0.1:1' });
    const issued = { count: 0 };
    const first = await host.invoke(fn('index.pid'), credentials(6 * 3600_000, issued), '{}');
    const second = await host.invoke(fn('index.pid'), credentials(6 * 3600_000, issued), '{}');
    expect(first.reused).toBe(false);
    expect(second.reused).toBe(true);
    expect(second.payload).toBe(first.payload);
    expect(issued.count).toBe(1);
    expect(second.logTail).toContain(`END RequestId: ${second.requestId}`);
    const changed = await host.invoke(
      fn('index.pid', { memorySize: 256 }),
      credentials(6 * 3600_000, issued),
      '{}',
    );
    expect(changed.reused).toBe(false);
    expect(changed.payload).not.toBe(first.payload);
  }, 20_000);

  it('recycles an environment whose credentials are close to expiry', async () => {
    host = new FunctionHost({ region: 'us-east-1', endpointUrl: () => 'http://127.0.0.1:1' });
    const issued = { count: 0 };
    const first = await host.invoke(fn('index.pid'), credentials(10 * 60_000, issued), '{}');
    const second = await host.invoke(fn('index.pid'), credentials(10 * 60_000, issued), '{}');
    expect(second.reused).toBe(false);
    expect(second.payload).not.toBe(first.payload);
    expect(issued.count).toBe(2);
  }, 20_000);

  it('keeps an environment after a handler error but discards it after a timeout', async () => {
    host = new FunctionHost({ region: 'us-east-1', endpointUrl: () => 'http://127.0.0.1:1' });
    const issued = { count: 0 };
    const failed = await host.invoke(fn('index.fails'), credentials(6 * 3600_000, issued), '{}');
    expect(failed.functionError).toBe('Unhandled');
    expect((await host.invoke(fn('index.fails'), credentials(6 * 3600_000, issued), '{}')).reused).toBe(true);
    const slow = await host.invoke(fn('index.sleeps'), credentials(6 * 3600_000, issued), '{}');
    expect(JSON.parse(slow.payload)).toMatchObject({ errorType: 'Sandbox.Timedout' });
    expect(
      (await host.invoke(fn('index.sleeps', { timeout: 1 }), credentials(6 * 3600_000, issued), '{}')).reused,
    ).toBe(false);
  }, 20_000);

  it('runs inline ZipFile code as index.js and refuses other runtimes and code sources', async () => {
    host = new FunctionHost({ region: 'us-east-1', endpointUrl: () => 'http://127.0.0.1:1' });
    const issued = { count: 0 };
    const inline = fn('index.handler', {
      code: { zipFile: 'exports.handler = async (e) => ({ inline: e.x });' },
    });
    expect(
      JSON.parse((await host.invoke(inline, credentials(6 * 3600_000, issued), '{"x":5}')).payload),
    ).toEqual({
      inline: 5,
    });
    await expect(
      host.invoke(fn('index.handler', { runtime: 'python3.12' }), credentials(1, issued), '{}'),
    ).rejects.toMatchObject({
      code: 'InvalidParameterValueException',
    });
    await expect(
      host.invoke(fn('index.handler', { code: { s3Bucket: 'b', s3Key: 'k' } }), credentials(1, issued), '{}'),
    ).rejects.toMatchObject({ code: 'InvalidParameterValueException' });
    await expect(
      host.invoke(
        fn('index.handler', { code: { path: '/nonexistent/credplane' } }),
        credentials(1, issued),
        '{}',
      ),
    ).rejects.toMatchObject({ code: 'InvalidParameterValueException' });
  }, 20_000);

  it('throttles invokes past the concurrency limit with TooManyRequestsException instead of starting more runtimes', async () => {
    host = new FunctionHost({
      region: 'us-east-1',
      endpointUrl: () => 'http://127.0.0.1:1',
      maxConcurrentInvocations: 2,
    });
    const issued = { count: 0 };
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, () =>
        host.invoke(fn('index.sleeps'), credentials(6 * 3600_000, issued), '{}'),
      ),
    );
    const throttled = outcomes.filter((o) => o.status === 'rejected');
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(2);
    expect(throttled).toHaveLength(3);
    for (const o of throttled) {
      expect((o as PromiseRejectedResult).reason).toMatchObject({
        code: 'TooManyRequestsException',
        status: 429,
        fields: { Reason: 'ConcurrentInvocationLimitExceeded', Type: 'User' },
      });
    }
    // Only the admitted invokes started an environment; the slots are free again afterwards.
    expect(issued.count).toBe(2);
    expect(
      JSON.parse(
        (await host.invoke(fn('index.callback', { timeout: 10 }), credentials(6 * 3600_000, issued), '{}'))
          .payload,
      ),
    ).toEqual({
      viaCallback: true,
    });
  }, 20_000);

  it("honours a function's reserved concurrency (0 throttles every invoke)", async () => {
    host = new FunctionHost({ region: 'us-east-1', endpointUrl: () => 'http://127.0.0.1:1' });
    const issued = { count: 0 };
    const reserved = fn('index.sleeps', { reservedConcurrentExecutions: 1 });
    const outcomes = await Promise.allSettled([
      host.invoke(reserved, credentials(6 * 3600_000, issued), '{}'),
      host.invoke(reserved, credentials(6 * 3600_000, issued), '{}'),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({
      code: 'TooManyRequestsException',
      fields: { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' },
    });
    await expect(
      host.invoke(
        fn('index.callback', { reservedConcurrentExecutions: 0 }),
        credentials(6 * 3600_000, issued),
        '{}',
      ),
    ).rejects.toMatchObject({ code: 'TooManyRequestsException', status: 429 });
    expect(issued.count).toBe(1);
  }, 20_000);
});
