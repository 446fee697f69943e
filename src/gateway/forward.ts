/**
 * Sending an allowed request on to its backend and the answer back, streaming both ways over a
 * keep-alive agent, with a connect timeout and an idle timeout so that a dead or silent backend
 * becomes an error instead of a hang.
 */
import http from 'node:http';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AwsError } from '../errors.js';

/** Headers that describe one connection, not the request (RFC 9110 §7.6.1), plus `expect`. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

/**
 * The gateway's connections to its backends: kept open between requests wherever the backend
 * allows it (a response without `Connection: close`), at most 256 per backend host and port, of
 * which at most 64 wait idle. A backend that closes every connection (moto_server's Werkzeug
 * server answers `Connection: close` to HTTP/1.1 keep-alive requests) costs a TCP connect per
 * request; nothing on this side can avoid that (docs/benchmarks.md).
 */
export function createBackendAgent(): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 });
}

/** How much of an error response's body is kept to read the error code from. */
const ERROR_BODY_BYTES = 16 * 1024;

/** Why a forward failed before the backend answered. */
export class BackendError extends Error {
  constructor(
    message: string,
    readonly reason: 'connect-timeout' | 'idle-timeout' | 'unreachable' | 'body',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface ForwardInput {
  agent: http.Agent;
  hostname: string;
  port: number;
  method: string;
  /** Path and query as the backend receives them. */
  target: string;
  headers: Record<string, string>;
  /** A buffered body, or the stream to pipe (the client's request). */
  body: Buffer | Readable;
  /** Checks the streamed body on its way (`DigestGuard`); its failure stops the upload. */
  guard?: Transform;
  res: http.ServerResponse;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  /**
   * Rewrites a 200 answer's body before the client sees it (a per-item request's denied items):
   * the answer is buffered, up to {@link MAX_REWRITTEN_RESPONSE} bytes, instead of streamed.
   */
  rewriteResponse?: (body: Buffer) => Buffer;
}

/** Largest backend answer buffered for `rewriteResponse` (a 1000-key DeleteObjects is ~200 KB). */
export const MAX_REWRITTEN_RESPONSE = 16 * 1024 * 1024;

export interface ForwardResult {
  /** The backend's status, once it answered. */
  status?: number;
  /** The backend's response headers as received (for the access log: its request id, error type). */
  rawHeaders?: string[];
  /** The start (up to 16 KiB) of an error response's body: where S3 and Query services name the error. */
  errorBody?: Buffer;
  /**
   * Set when the forward failed. With `status` unset nothing was written to `res` yet and the
   * caller answers; a `cause` that is an `AwsError` came from the request body's guard.
   */
  error?: BackendError;
}

/**
 * The header names a `Connection` header lists (RFC 9110 §7.6.1: they are hop-by-hop too), or
 * `undefined` when it lists none beyond the usual `keep-alive`/`close` (the common case: no Set).
 */
export function connectionTokens(raw: readonly string[]): Set<string> | undefined {
  let tokens: Set<string> | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.length !== 10 || raw[i]!.toLowerCase() !== 'connection') continue;
    for (const token of raw[i + 1]!.split(',')) {
      const name = token.trim().toLowerCase();
      if (name === 'keep-alive' || name === 'close' || name === '') continue;
      (tokens ??= new Set()).add(name);
    }
  }
  return tokens;
}

/** Headers of a backend response that may go back to the client. */
export function responseHeaders(raw: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const listed = connectionTokens(raw);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(name) || listed?.has(name) === true) continue;
    const existing = out[name];
    if (existing === undefined) out[name] = raw[i + 1]!;
    else if (Array.isArray(existing)) existing.push(raw[i + 1]!);
    else out[name] = [existing, raw[i + 1]!];
  }
  return out;
}

/**
 * @example
 * const result = await forward({ agent, hostname: '127.0.0.1', port: 5000, method: 'GET', target: '/b/k', headers, body: Buffer.alloc(0), res, connectTimeoutMs: 5000, idleTimeoutMs: 60000 });
 */
export function forward(input: ForwardInput): Promise<ForwardResult> {
  return new Promise((resolve) => {
    let settled = false;
    let status: number | undefined;
    let rawHeaders: string[] | undefined;
    let errorBody: Buffer[] | undefined;
    let errorBytes = 0;
    const finish = (result: ForwardResult): void => {
      if (settled) return;
      settled = true;
      if (rawHeaders !== undefined) result.rawHeaders = rawHeaders;
      if (errorBody !== undefined) result.errorBody = Buffer.concat(errorBody);
      resolve(result);
    };
    const upstream = http.request({
      agent: input.agent,
      host: input.hostname,
      port: input.port,
      method: input.method,
      path: input.target,
      headers: input.headers,
      setHost: false,
    });
    const fail = (error: BackendError): void => {
      upstream.destroy();
      if (status !== undefined) input.res.destroy();
      finish(status === undefined ? { error } : { status, error });
    };
    upstream.on('socket', (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(
        () => fail(new BackendError(`no connection within ${input.connectTimeoutMs} ms`, 'connect-timeout')),
        input.connectTimeoutMs,
      );
      socket.once('connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
    upstream.setTimeout(input.idleTimeoutMs, () =>
      fail(new BackendError(`no answer within ${input.idleTimeoutMs} ms`, 'idle-timeout')),
    );
    upstream.on('error', (cause: Error) => {
      if (settled) return;
      // The body pipeline destroys the request with the guard's error (an AwsError).
      const reason = cause instanceof AwsError ? 'body' : 'unreachable';
      fail(new BackendError(cause.message, reason, { cause }));
    });
    upstream.on('response', (back) => {
      status = back.statusCode ?? 502;
      rawHeaders = back.rawHeaders;
      const rewrite = input.rewriteResponse;
      if (rewrite !== undefined && status === 200) {
        const answered = status;
        const chunks: Buffer[] = [];
        let size = 0;
        back.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_REWRITTEN_RESPONSE) fail(new BackendError('the answer is too large', 'unreachable'));
          else chunks.push(chunk);
        });
        back.once('end', () => {
          if (settled) return;
          const body = rewrite(Buffer.concat(chunks));
          const headers = responseHeaders(back.rawHeaders);
          delete headers['transfer-encoding'];
          delete headers['content-md5'];
          headers['content-length'] = String(body.length);
          input.res.writeHead(answered, headers);
          input.res.end(body);
          finish({ status: answered });
        });
        back.once('error', (cause) =>
          fail(new BackendError('the response stream broke', 'unreachable', { cause })),
        );
        return;
      }
      if (status >= 300) {
        const kept: Buffer[] = (errorBody = []);
        back.on('data', (chunk: Buffer) => {
          if (errorBytes >= ERROR_BODY_BYTES) return;
          kept.push(chunk.subarray(0, ERROR_BODY_BYTES - errorBytes));
          errorBytes += chunk.length;
        });
      }
      input.res.writeHead(status, responseHeaders(back.rawHeaders));
      // `pipe` rather than `pipeline`: on this hot path pipeline's per-call AbortController (and the
      // DOMException its abort builds) cost more than the forwarding itself.
      back.pipe(input.res);
      back.once('end', () => finish({ status }));
      back.once('error', (cause) =>
        fail(new BackendError('the response stream broke', 'unreachable', { cause })),
      );
      back.once('close', () => {
        if (!back.complete) fail(new BackendError('the backend closed the response early', 'unreachable'));
      });
    });
    // The client went away before the backend answered: stop the backend's work.
    input.res.once('close', () => {
      if (!input.res.writableFinished) upstream.destroy();
    });
    if (Buffer.isBuffer(input.body)) {
      upstream.end(input.body);
      return;
    }
    const piped =
      input.guard === undefined
        ? pipeline(input.body, upstream)
        : pipeline(input.body, input.guard, upstream);
    piped.catch((cause: unknown) => {
      // The guard refused the body, or the client aborted: the backend must not get the rest.
      fail(new BackendError('the request body stream failed', 'body', { cause }));
    });
  });
}
