import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from './server.js';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('listen', () => {
  it('binds loopback by default and passes raw headers, body and a request id to the handler', async () => {
    server = await listen(
      {
        handler: (req) => ({
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            method: req.method,
            url: req.url,
            body: req.body.toString(),
            raw: req.rawHeaders.filter((_, i) => req.rawHeaders[i - 1]?.toLowerCase() === 'x-dup'),
            id: req.requestId,
          }),
        }),
      },
      0,
    );
    expect(server.host).toBe('127.0.0.1');
    const headers = new Headers();
    headers.append('x-dup', 'b');
    headers.append('x-dup', 'a');
    const res = await fetch(`${server.url}/p?q=1`, { method: 'POST', body: 'hello', headers });
    const json = (await res.json()) as Record<string, unknown>;
    expect(json.method).toBe('POST');
    expect(json.url).toBe('/p?q=1');
    expect(json.body).toBe('hello');
    expect(typeof json.id).toBe('string');
  });

  it('refuses bodies over the limit with 413', async () => {
    server = await listen({ handler: () => ({ status: 200 }), maxBodyBytes: 10 }, 0);
    const res = await fetch(server.url, { method: 'POST', body: 'x'.repeat(100) });
    expect(res.status).toBe(413);
  });

  it('answers 413 to a streamed (chunked) body over the limit instead of resetting the connection', async () => {
    server = await listen({ handler: () => ({ status: 200 }), maxBodyBytes: 1024 }, 0);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(server!.url, { method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 64; i++) req.write(Buffer.alloc(16 * 1024, 0x61));
      req.end();
    });
    expect(status).toBe(413);
  });

  it('answers 500 without details when a handler throws', async () => {
    server = await listen(
      {
        handler: () => {
          throw new Error('secret detail');
        },
      },
      0,
    );
    const res = await fetch(server.url);
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('secret');
  });
});
