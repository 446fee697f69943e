/**
 * The floor for the gateway benchmark: a bare `node:http` reverse proxy that forwards every
 * request to the backend unchanged (no signature check, mapping, policy, access log or
 * re-signing), over a keep-alive agent, streaming both ways. What credplane's gateway costs
 * beyond this is its own work; what this costs is Node's HTTP and the kernel's TCP.
 *
 * Usage: `tsx bench/bare-proxy.ts http://127.0.0.1:5000` (prints its port on stdout).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const backend = new URL(process.argv[2] ?? 'http://127.0.0.1:5000');
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

const server = http.createServer((req, res) => {
  const headers: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name)) headers[name] = value;
  const upstream = http.request(
    {
      agent,
      host: backend.hostname,
      port: Number(backend.port || 80),
      method: req.method,
      path: req.url,
      headers,
    },
    (back) => {
      const out: Record<string, string | string[] | undefined> = {};
      for (const [name, value] of Object.entries(back.headers)) if (!HOP_BY_HOP.has(name)) out[name] = value;
      res.writeHead(back.statusCode ?? 502, out);
      back.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502).end();
    else res.destroy();
  });
  req.pipe(upstream);
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
