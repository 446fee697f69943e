/**
 * The HTTP surface every credplane API shares: a bounded body reader, request ids, loopback-only
 * binding by default, and an error boundary that never leaks a stack or a secret to the client.
 *
 * Handlers are plain functions from `ApiRequest` to `ApiResponse`, so every API is testable in
 * process (call the handler) and across processes (through `listen`).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';

export interface ApiRequest {
  method: string;
  /** Path and query exactly as received (SigV4 canonicalizes from the raw form). */
  url: string;
  /** Header names and values in arrival order, as node's `rawHeaders`. */
  rawHeaders: readonly string[];
  /** Lower-cased header lookup; repeated headers joined with `,` as node does. */
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  remoteAddress: string;
  requestId: string;
  receivedAt: number;
}

export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export type ApiHandler = (request: ApiRequest) => Promise<ApiResponse> | ApiResponse;

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

/** What the server assigns every request before any handler sees it. */
export interface RequestMeta {
  requestId: string;
  receivedAt: number;
}

export interface RunningServer {
  readonly port: number;
  readonly host: string;
  readonly url: string;
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY = 1024 * 1024;

export class BodyTooLargeError extends Error {}

/** Headers of a 413: the unread rest of the body makes the connection unusable for another request. */
export const TOO_LARGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/plain',
  connection: 'close',
};

/**
 * Read a request body, refusing more than `limit` bytes without buffering them. Past the limit the
 * rest is read and dropped rather than the socket destroyed, so the client receives the caller's
 * 413 (sent with {@link TOO_LARGE_HEADERS}, which closes the connection once it is written) instead
 * of a reset.
 */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLargeError());
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size > limit) return;
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

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
