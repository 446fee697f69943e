/**
 * Property: each execution environment has its own Runtime API, so one function's runtime never
 * receives another function's events, and can settle only an invocation it was handed — once.
 * A request id of another environment, or one already answered, is `InvalidRequestID` (400).
 * See "Using the Lambda runtime API for custom runtimes" in the AWS Lambda Developer Guide.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeApi } from '../../src/delivery/lambda/runtime-api.js';
import type { ApiResponse } from '../../src/http/types.js';

const arn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
const apis: RuntimeApi[] = [];
afterEach(async () => {
  await Promise.all(apis.splice(0).map((a) => a.close()));
});

function call(api: RuntimeApi, method: string, url: string, body = ''): Promise<ApiResponse> {
  return Promise.resolve(
    api.handler({
      method,
      url,
      rawHeaders: [],
      headers: {},
      body: Buffer.from(body),
      remoteAddress: '127.0.0.1',
      requestId: randomUUID(),
      receivedAt: Date.now(),
    }),
  );
}

function env(): RuntimeApi {
  const api = new RuntimeApi();
  apis.push(api);
  return api;
}

describe('Lambda Runtime API isolation', () => {
  it("gives each environment only its own function's events", async () => {
    const a = env();
    const b = env();
    a.invoke(Buffer.from('{"secret":"for-a"}'), { functionArn: arn('a'), deadlineMs: Date.now() + 3000 });
    b.invoke(Buffer.from('{"secret":"for-b"}'), { functionArn: arn('b'), deadlineMs: Date.now() + 3000 });
    const nextB = await call(b, 'GET', '/2018-06-01/runtime/invocation/next');
    expect(String(nextB.body)).toBe('{"secret":"for-b"}');
    expect(nextB.headers?.['lambda-runtime-invoked-function-arn']).toBe(arn('b'));
    const nextA = await call(a, 'GET', '/2018-06-01/runtime/invocation/next');
    expect(String(nextA.body)).toBe('{"secret":"for-a"}');
  });

  it("refuses to settle another environment's invocation (400 InvalidRequestID)", async () => {
    const a = env();
    const b = env();
    const victim = a.invoke(Buffer.from('{}'), { functionArn: arn('a'), deadlineMs: Date.now() + 3000 });
    await call(a, 'GET', '/2018-06-01/runtime/invocation/next');
    for (const kind of ['response', 'error']) {
      const res = await call(
        b,
        'POST',
        `/2018-06-01/runtime/invocation/${victim.requestId}/${kind}`,
        '"forged"',
      );
      expect(res.status).toBe(400);
      expect(JSON.parse(String(res.body))).toMatchObject({ errorType: 'InvalidRequestID' });
    }
    // The rightful runtime still settles it (the control for the refusals above).
    const ok = await call(a, 'POST', `/2018-06-01/runtime/invocation/${victim.requestId}/response`, '"real"');
    expect(ok.status).toBe(202);
    expect(await victim.outcome).toEqual({ kind: 'response', payload: Buffer.from('"real"') });
  });

  it('refuses a second answer, and an answer to an invocation not yet handed out', async () => {
    const a = env();
    const first = a.invoke(Buffer.from('1'), { functionArn: arn('a'), deadlineMs: Date.now() + 3000 });
    const queued = a.invoke(Buffer.from('2'), { functionArn: arn('a'), deadlineMs: Date.now() + 3000 });
    const early = await call(
      a,
      'POST',
      `/2018-06-01/runtime/invocation/${queued.requestId}/response`,
      '"early"',
    );
    expect(early.status).toBe(400);
    await call(a, 'GET', '/2018-06-01/runtime/invocation/next');
    expect(
      (await call(a, 'POST', `/2018-06-01/runtime/invocation/${first.requestId}/response`, '"one"')).status,
    ).toBe(202);
    const again = await call(a, 'POST', `/2018-06-01/runtime/invocation/${first.requestId}/error`, '"two"');
    expect(again.status).toBe(400);
    expect(await first.outcome).toEqual({ kind: 'response', payload: Buffer.from('"one"') });
  });
});
