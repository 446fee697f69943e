/**
 * Captures the exact HTTP request a real AWS SDK v3 client sends, in process and without a network:
 * a request handler that records the signed request and stops. Mapper tests feed these captures to
 * the mappers, so the tests see what the SDK really puts on the wire.
 */
import type { GatewayRequest } from '../../types.js';

interface CapturedHttpRequest {
  method: string;
  hostname: string;
  port?: number;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

class Captured extends Error {
  constructor(readonly request: CapturedHttpRequest) {
    super('captured');
  }
}

/** Client settings that keep the SDK offline and deterministic. */
export const offlineClientConfig = {
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:4566',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' },
  maxAttempts: 1,
  requestHandler: {
    handle: (request: CapturedHttpRequest): Promise<never> => Promise.reject(new Captured(request)),
  },
};

interface SendingClient {
  send(command: never): Promise<unknown>;
}

/**
 * Send `command` with `client` (built with `offlineClientConfig`) and return what went on the wire
 * as the gateway would receive it.
 *
 * @example
 * const request = await capture(new KMSClient(offlineClientConfig), new DescribeKeyCommand({ KeyId: 'k' }));
 */
export async function capture(client: SendingClient, command: unknown): Promise<GatewayRequest> {
  try {
    await client.send(command as never);
  } catch (error) {
    if (error instanceof Captured) return toGatewayRequest(error.request);
    throw error;
  }
  throw new Error('the client sent nothing');
}

function toGatewayRequest(raw: CapturedHttpRequest): GatewayRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw.headers)) headers[name.toLowerCase()] = value;
  const query: [string, string][] = [];
  for (const [name, value] of Object.entries(raw.query ?? {})) {
    if (value === null) query.push([name, '']);
    else if (Array.isArray(value)) for (const v of value) query.push([name, v]);
    else query.push([name, value]);
  }
  return {
    method: raw.method,
    path: raw.path,
    query,
    headers,
    host: headers['host'] ?? raw.hostname,
    body: bodyBuffer(raw.body),
    region: 'us-east-1',
    accountId: '111122223333',
    partition: 'aws',
  };
}

function bodyBuffer(body: unknown): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  throw new Error(`cannot capture a body of type ${typeof body}`);
}

/** A request built by hand, for shapes no current SDK sends (older Query clients, malformed bodies). */
export function handRequest(
  partial: Partial<Omit<GatewayRequest, 'body'>> & { body?: Buffer | string },
): GatewayRequest {
  const { body, ...rest } = partial;
  return {
    method: 'POST',
    path: '/',
    query: [],
    headers: {},
    host: '127.0.0.1:4566',
    region: 'us-east-1',
    accountId: '111122223333',
    partition: 'aws',
    ...rest,
    body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
  };
}
