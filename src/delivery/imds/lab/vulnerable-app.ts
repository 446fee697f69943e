/**
 * The SSRF lab's victim: a web application on the instance with two classic bugs.
 *
 * - `GET /fetch?url=<url>` fetches any URL the visitor names and returns what came back — GET only,
 *   no way to add headers: the common SSRF (image proxies, webhook testers, URL previews).
 * - `GET /fetch?url=<url>&method=<m>&header=<Name: value>` — the rarer, worse bug where the
 *   attacker also controls the method and headers (header injection, a generic "HTTP client" API).
 *
 * Lab safety: it only ever fetches `http://127.0.0.1` (the lab's metadata endpoint stands in for
 * 169.254.169.254), so the lesson can never be turned on a real network.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface VulnerableApp {
  url: string;
  close(): Promise<void>;
}

function outbound(
  target: URL,
  method: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(target, { method, headers, timeout: 5000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * @example
 * const app = await startVulnerableApp();
 * await fetch(`${app.url}fetch?url=${encodeURIComponent(imdsUrl)}`);
 */
export async function startVulnerableApp(): Promise<VulnerableApp> {
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(body);
    };
    const url = new URL(req.url ?? '/', 'http://app.invalid');
    if (url.pathname !== '/fetch') return reply(404, 'try /fetch?url=');
    let target: URL;
    try {
      target = new URL(url.searchParams.get('url') ?? '');
    } catch {
      return reply(400, 'bad url');
    }
    if (target.protocol !== 'http:' || target.hostname !== '127.0.0.1') {
      return reply(403, 'lab safety: this app only fetches http://127.0.0.1');
    }
    const method = (url.searchParams.get('method') ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {};
    for (const h of url.searchParams.getAll('header')) {
      const colon = h.indexOf(':');
      if (colon > 0) headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
    }
    // The bug: whatever came back is handed to the visitor, status and body.
    outbound(target, method, headers).then(
      (r) => reply(200, `upstream status ${r.status}\n${r.body}`),
      (e: Error) => reply(502, `upstream error: ${e.message}`),
    );
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
