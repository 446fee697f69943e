/**
 * The SSRF lab's misconfigured reverse proxy: it forwards every method and header to the metadata
 * service and, as proxies do, adds `X-Forwarded-For` — the header IMDSv2 refuses tokens for.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OpenProxy {
  url: string;
  close(): Promise<void>;
}

/**
 * @example
 * const proxy = await startOpenProxy(new URL(instanceEndpoint));
 */
export async function startOpenProxy(upstream: URL): Promise<OpenProxy> {
  if (upstream.hostname !== '127.0.0.1') throw new Error('lab safety: the proxy only forwards to 127.0.0.1');
  const server = http.createServer((req, res) => {
    const headers = {
      ...req.headers,
      host: upstream.host,
      'x-forwarded-for': req.socket.remoteAddress ?? '127.0.0.1',
    };
    const out = http.request(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers,
        agent: false,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
