/**
 * One JSON-protocol call to a service's backend with the gateway's own credentials (what the
 * resource resolver asks: DescribeKey, DescribeSecret, DescribeTable), signed with the project's
 * SigV4 signer over keep-alive HTTP. Never carries anything of the caller's.
 */
import http from 'node:http';
import {
  DEFAULT_BACKEND_CREDENTIALS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  type BackendSettings,
} from '../config.js';
import { createResigner, sha256Hex } from '../resign.js';

export interface BackendJsonCall {
  backend: BackendSettings;
  region: string;
  signingName: string;
  /** `TrentService.DescribeKey`. */
  target: string;
  /** `1.0` (DynamoDB) or `1.1`. */
  jsonVersion: '1.0' | '1.1';
  input: Record<string, unknown>;
}

/** The backend's answer: its status and parsed body, or its error type (`NotFoundException`). */
export type BackendJsonAnswer =
  { ok: true; body: Record<string, unknown> } | { ok: false; status: number; type: string; message: string };

/** The backend could not be asked (down, silent, or an answer that is not JSON). */
export class BackendUnreachableError extends Error {}

/** Answers larger than this are not the small Describe* documents the resolver reads. */
const MAX_ANSWER_BYTES = 1024 * 1024;

export interface BackendCaller {
  call(request: BackendJsonCall): Promise<BackendJsonAnswer>;
  close(): void;
}

/**
 * @example
 * const caller = createBackendCaller({});
 * await caller.call({ backend, region: 'us-east-1', signingName: 'kms', target: 'TrentService.DescribeKey', jsonVersion: '1.1', input: { KeyId: 'alias/app' } });
 */
export function createBackendCaller(options: {
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
}): BackendCaller {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32, maxFreeSockets: 8 });
  const resigner = createResigner();
  const connectTimeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const idleTimeout = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  return {
    call(request) {
      const url = new URL(request.backend.url);
      const port = Number(url.port || 80);
      const body = Buffer.from(JSON.stringify(request.input));
      const headers = resigner.sign({
        method: 'POST',
        hostname: url.hostname,
        port,
        path: '/',
        query: [],
        headers: {
          host: url.host,
          'content-type': `application/x-amz-json-${request.jsonVersion}`,
          'x-amz-target': request.target,
          'x-amz-content-sha256': sha256Hex(body),
          'content-length': String(body.length),
        },
        region: request.region,
        signingName: request.signingName,
        credentials: request.backend.credentials ?? DEFAULT_BACKEND_CREDENTIALS,
      });
      return new Promise<BackendJsonAnswer>((resolve, reject) => {
        const fail = (why: string): void => {
          clearTimeout(connectTimer);
          req.destroy();
          reject(new BackendUnreachableError(why));
        };
        const req = http.request(
          { agent, hostname: url.hostname, port, method: 'POST', path: '/', headers },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (chunk: Buffer) => {
              size += chunk.length;
              if (size > MAX_ANSWER_BYTES) fail('the answer is too large');
              else chunks.push(chunk);
            });
            res.on('error', (error) => fail(error.message));
            res.on('end', () => {
              clearTimeout(connectTimer);
              let parsed: unknown;
              try {
                parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
              } catch {
                return reject(new BackendUnreachableError(`the answer (HTTP ${res.statusCode}) is not JSON`));
              }
              if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
                return reject(new BackendUnreachableError('the answer is not a JSON object'));
              }
              const document = parsed as Record<string, unknown>;
              const status = res.statusCode ?? 0;
              if (status >= 200 && status < 300) return resolve({ ok: true, body: document });
              resolve({
                ok: false,
                status,
                type: errorType(res.headers, document),
                message: errorMessage(document),
              });
            });
          },
        );
        const connectTimer = setTimeout(() => {
          if (req.socket === null || req.socket === undefined || req.socket.connecting) {
            fail(`no connection within ${connectTimeout} ms`);
          }
        }, connectTimeout);
        req.setTimeout(idleTimeout, () => fail(`no answer within ${idleTimeout} ms`));
        req.on('error', (error) => {
          clearTimeout(connectTimer);
          reject(new BackendUnreachableError(error.message));
        });
        req.end(body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}

/** `x-amzn-ErrorType` or `__type`, without the namespace (`com.amazonaws.kms#NotFoundException`). */
function errorType(headers: http.IncomingHttpHeaders, body: Record<string, unknown>): string {
  const header = headers['x-amzn-errortype'];
  const raw = typeof header === 'string' ? header : typeof body.__type === 'string' ? body.__type : '';
  const name = raw.split(':')[0] ?? '';
  return name.slice(name.lastIndexOf('#') + 1);
}

function errorMessage(body: Record<string, unknown>): string {
  const message = body.message ?? body.Message;
  return typeof message === 'string' ? message : '';
}
