/**
 * The bare `node:http` reverse proxy's request handler (`bare-proxy.ts` serves it alone; the
 * gateway ladder, `gateway-ladder-server.ts`, serves it beside the gateway's stages): forwards every
 * request to the backend unchanged over a keep-alive agent, streaming both ways, dropping only the
 * hop-by-hop headers.
 */
import http from 'node:http';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

export function bareProxyHandler(
  backend: URL,
  agent = new http.Agent({ keepAlive: true, maxSockets: 256 }),
): http.RequestListener {
  return (req, res) => {
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
        for (const [name, value] of Object.entries(back.headers))
          if (!HOP_BY_HOP.has(name)) out[name] = value;
        res.writeHead(back.statusCode ?? 502, out);
        back.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(upstream);
  };
}
