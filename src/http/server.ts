/**
 * The HTTP server every credplane port uses: request ids, loopback-only binding by default, a
 * bounded body (`body.ts`), and an error boundary that never leaks a stack or a secret to the
 * client. The bottom layer: it imports nothing from credplane but its own request/response types
 * (`types.ts`), so every API, the gateway and the delivery endpoints can build on it.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { BodyTooLargeError, readBody, TOO_LARGE_HEADERS } from './body.js';
import type { ApiHandler, ApiResponse, RequestMeta } from './types.js';

export interface HttpServerOptions {
  handler: ApiHandler;
  logger?: Logger;
  /** Largest body accepted; larger requests get 413 before the body is buffered. */
  maxBodyBytes?: number;
  /**
   * Sees each request before its body is read and answers `true` when it takes the request over
   * (the gateway, which streams bodies to its backends); `false` leaves it to `handler`.
   */
  intercept?: (req: http.IncomingMessage, res: http.ServerResponse, meta: RequestMeta) => boolean;
}

export interface RunningServer {
  readonly port: number;
  readonly host: string;
  readonly url: string;
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY = 1024 * 1024;

/**
 * Start a server on `host:port` (default 127.0.0.1, port 0 = any free port).
 *
 * @example
 * const server = await listen({ handler: () => ({ status: 200, body: 'ok' }) }, 0);
 * await fetch(`${server.url}/`); await server.close();
 */
export async function listen(
  options: HttpServerOptions,
  port: number,
  host = '127.0.0.1',
): Promise<RunningServer> {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const log = options.logger;
  const server = http.createServer((req, res) => {
    const requestId = randomUUID();
    const receivedAt = Date.now();
    if (options.intercept?.(req, res, { requestId, receivedAt }) === true) return;
    readBody(req, maxBody)
      .then(async (body) => {
        const response = await options.handler({
          method: req.method ?? 'GET',
          url: req.url ?? '/',
          rawHeaders: req.rawHeaders,
          headers: req.headers,
          body,
          remoteAddress: req.socket.remoteAddress ?? '',
          requestId,
          receivedAt,
        });
        send(res, response);
      })
      .catch((error: unknown) => {
        if (error instanceof BodyTooLargeError) {
          send(res, {
            status: 413,
            headers: { ...TOO_LARGE_HEADERS },
            body: 'Request entity too large',
          });
          return;
        }
        // Handlers map every expected failure to an AWS error shape; reaching here is a bug. Log the
        // error object only (handlers never put secrets in errors) and answer without details.
        log?.error({ err: error, requestId }, 'unhandled error in request handler');
        send(res, { status: 500, headers: { 'content-type': 'text/plain' }, body: 'Internal error' });
      });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    port: address.port,
    host,
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

function send(res: http.ServerResponse, response: ApiResponse): void {
  if (res.headersSent || res.destroyed) return;
  const body = response.body ?? '';
  const headers: Record<string, string | number> = { ...response.headers };
  headers['content-length'] = Buffer.byteLength(body);
  res.writeHead(response.status, headers);
  res.end(body);
}
