import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createBackendAgent, forward, responseHeaders } from './forward.js';

describe('hop-by-hop headers', () => {
  it('drops hop-by-hop headers from the backend response, keeps repeated ones', () => {
    expect(
      responseHeaders([
        'Connection',
        'close',
        'Keep-Alive',
        'timeout=5',
        'Set-Cookie',
        'a',
        'Set-Cookie',
        'b',
        'ETag',
        '"e"',
      ]),
    ).toEqual({ 'set-cookie': ['a', 'b'], etag: '"e"' });
  });
});

/**
 * A front server forwarding every request to `backendPort` through one backend agent, as the
 * gateway does; `requests` sequential GETs through it; how many TCP connections the backend saw.
 */
async function connectionsFor(
  backendClose: boolean,
  requests: number,
): Promise<{ statuses: number[]; connections: number }> {
  let connections = 0;
  const backend = http.createServer((_req, res) => {
    if (backendClose) res.setHeader('connection', 'close');
    res.end('ok');
  });
  backend.on('connection', () => connections++);
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  const backendPort = (backend.address() as AddressInfo).port;
  const agent = createBackendAgent();
  const front = http.createServer((req, res) => {
    req.resume();
    void forward({
      agent,
      hostname: '127.0.0.1',
      port: backendPort,
      method: 'GET',
      target: '/',
      headers: { host: `127.0.0.1:${backendPort}` },
      body: Buffer.alloc(0),
      res,
      connectTimeoutMs: 5000,
      idleTimeoutMs: 5000,
    });
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  const frontPort = (front.address() as AddressInfo).port;
  const client = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const statuses: number[] = [];
  try {
    for (let i = 0; i < requests; i++) {
      statuses.push(
        await new Promise<number>((resolve, reject) => {
          http
            .get({ host: '127.0.0.1', port: frontPort, path: '/', agent: client }, (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            })
            .on('error', reject);
        }),
      );
    }
  } finally {
    client.destroy();
    agent.destroy();
    await new Promise<void>((r) => front.close(() => r()));
    await new Promise<void>((r) => backend.close(() => r()));
  }
  return { statuses, connections };
}

describe('connections to the backend', () => {
  it('reuses one connection for sequential requests when the backend keeps it open', async () => {
    const { statuses, connections } = await connectionsFor(false, 5);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(connections).toBe(1);
  });

  it('opens a new connection per request to a backend that answers Connection: close, and answers each', async () => {
    const { statuses, connections } = await connectionsFor(true, 3);
    expect(statuses).toEqual([200, 200, 200]);
    expect(connections).toBe(3);
  });
});
