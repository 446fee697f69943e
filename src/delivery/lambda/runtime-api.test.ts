import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiResponse } from '../../http/types.js';
import { RuntimeApi } from './runtime-api.js';

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:fn';
let api: RuntimeApi;
afterEach(async () => api?.close());

function request(
  method: string,
  url: string,
  body = '',
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  return Promise.resolve(
    api.handler({
      method,
      url,
      rawHeaders: Object.entries(headers).flat(),
      headers,
      body: Buffer.from(body),
      remoteAddress: '127.0.0.1',
      requestId: randomUUID(),
      receivedAt: Date.now(),
    }),
  );
}

describe('Lambda Runtime API 2018-06-01', () => {
  it('hands the queued event to next with the runtime headers and accepts the response (202)', async () => {
    api = new RuntimeApi();
    const { requestId, outcome } = api.invoke(Buffer.from('{"a":1}'), {
      functionArn: ARN,
      deadlineMs: 1_900_000_000_000,
    });
    const next = await request('GET', '/2018-06-01/runtime/invocation/next');
    expect(next.status).toBe(200);
    expect(String(next.body)).toBe('{"a":1}');
    expect(next.headers).toMatchObject({
      'lambda-runtime-aws-request-id': requestId,
      'lambda-runtime-deadline-ms': '1900000000000',
      'lambda-runtime-invoked-function-arn': ARN,
    });
    expect(next.headers?.['lambda-runtime-trace-id']).toMatch(
      /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/,
    );
    const posted = await request('POST', `/2018-06-01/runtime/invocation/${requestId}/response`, '"done"');
    expect(posted.status).toBe(202);
    expect(await outcome).toEqual({ kind: 'response', payload: Buffer.from('"done"') });
  });

  it('long-polls next until an event is queued', async () => {
    api = new RuntimeApi();
    const next = request('GET', '/2018-06-01/runtime/invocation/next');
    const { requestId } = api.invoke(Buffer.from('{}'), { functionArn: ARN, deadlineMs: 0 });
    expect((await next).headers?.['lambda-runtime-aws-request-id']).toBe(requestId);
  });

  it('records an invocation error with its error type', async () => {
    api = new RuntimeApi();
    const { requestId, outcome } = api.invoke(Buffer.from('{}'), { functionArn: ARN, deadlineMs: 0 });
    await request('GET', '/2018-06-01/runtime/invocation/next');
    const res = await request(
      'POST',
      `/2018-06-01/runtime/invocation/${requestId}/error`,
      '{"errorType":"E"}',
      {
        'lambda-runtime-function-error-type': 'Runtime.UserCodeError',
      },
    );
    expect(res.status).toBe(202);
    expect(await outcome).toMatchObject({ kind: 'error', errorType: 'Runtime.UserCodeError' });
  });

  it('answers 400 InvalidRequestID for an unknown or already answered request id', async () => {
    api = new RuntimeApi();
    const bad = await request('POST', `/2018-06-01/runtime/invocation/${randomUUID()}/response`, '{}');
    expect(bad.status).toBe(400);
    expect(JSON.parse(String(bad.body))).toEqual({
      errorType: 'InvalidRequestID',
      errorMessage: 'Invalid request ID',
    });
    const { requestId } = api.invoke(Buffer.from('{}'), { functionArn: ARN, deadlineMs: 0 });
    await request('GET', '/2018-06-01/runtime/invocation/next');
    expect((await request('POST', `/2018-06-01/runtime/invocation/${requestId}/response`, '1')).status).toBe(
      202,
    );
    expect((await request('POST', `/2018-06-01/runtime/invocation/${requestId}/response`, '2')).status).toBe(
      400,
    );
  });

  it('fails pending and later invocations after an init error (202)', async () => {
    api = new RuntimeApi();
    const first = api.invoke(Buffer.from('{}'), { functionArn: ARN, deadlineMs: 0 });
    const res = await request(
      'POST',
      '/2018-06-01/runtime/init/error',
      '{"errorType":"Runtime.ImportModuleError"}',
    );
    expect(res.status).toBe(202);
    expect((await first.outcome).kind).toBe('init-error');
    expect((await api.invoke(Buffer.from('{}'), { functionArn: ARN, deadlineMs: 0 }).outcome).kind).toBe(
      'init-error',
    );
  });

  it('answers 404 for unknown paths and 405 for wrong methods', async () => {
    api = new RuntimeApi();
    expect((await request('GET', '/2018-06-01/runtime/other')).status).toBe(404);
    expect((await request('GET', '/latest/meta-data/')).status).toBe(404);
    expect((await request('POST', '/2018-06-01/runtime/invocation/next')).status).toBe(405);
    expect((await request('GET', `/2018-06-01/runtime/invocation/${randomUUID()}/response`)).status).toBe(
      405,
    );
  });
});
