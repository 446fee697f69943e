/**
 * One instance's metadata endpoint: the token API and the metadata tree behind every IMDSv2
 * protection (Amazon EC2 User Guide, How Instance Metadata Service Version 2 works;
 * AWS Security Blog, Add defense in depth against open firewalls, reverse proxies, and SSRF
 * vulnerabilities with enhancements to the EC2 Instance Metadata Service), on `127.0.0.1:<port>`.
 *
 * | request | answer |
 * | --- | --- |
 * | any, `HttpEndpoint=disabled` | 403 |
 * | `PUT /latest/api/token` with `X-Forwarded-For` | 403 (open reverse proxies add it) |
 * | `PUT /<version>/api/token` other than `latest` | 403 |
 * | `PUT /latest/api/token`, TTL missing or outside 1..21600 | 400 |
 * | `PUT /latest/api/token` | 200, token, TTL echoed in `X-aws-ec2-metadata-token-ttl-seconds` |
 * | other methods on the token path, `PUT` elsewhere, methods other than GET/HEAD | 405 |
 * | GET with an invalid or expired token | 401 |
 * | GET with a valid token and `X-Forwarded-For` | 403 |
 * | GET without a token, `HttpTokens=required` | 401 |
 * | unknown path | 404 |
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isAwsError } from '../../errors.js';
import { lookup, type MetadataDirectory, type RoleDelivery } from './tree.js';
import { parseTokenTtl, type ImdsTokens, type TokenBinding } from './tokens.js';

export interface MetadataOptions {
  httpTokens: 'optional' | 'required';
  httpEndpoint: 'enabled' | 'disabled';
  /** 1..64: the IP TTL of token responses, where the platform lets the server set it. */
  httpPutResponseHopLimit: number;
}

/** What the endpoint serves right now; read on every request, so changes apply at once. */
export interface ImdsState {
  binding: TokenBinding;
  options: MetadataOptions;
  tree: MetadataDirectory;
}

export interface ImdsRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface ImdsResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
  /** Set on token responses: the hop limit to apply to the packets that carry it. */
  hopLimit?: number;
  /** Set on the refusals a security team wants to see (the node agent logs them, docs/fleet-agent.md). */
  refused?: ImdsRefusal;
}

/** Why a request was refused, by class (never the token or the path). */
export type ImdsRefusal =
  | 'imds-endpoint-disabled'
  | 'imds-token-version'
  | 'imds-token-forwarded'
  | 'imds-token-invalid'
  | 'imds-forwarded-with-token'
  | 'imds-token-required';

const refused = (status: number, reason: ImdsRefusal): ImdsResponse => ({
  ...failure(status),
  refused: reason,
});

export const TOKEN_HEADER = 'x-aws-ec2-metadata-token';
export const TTL_HEADER = 'x-aws-ec2-metadata-token-ttl-seconds';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function plain(status: number, body: string | Buffer, extra: Record<string, string> = {}): ImdsResponse {
  return { status, headers: { 'content-type': 'text/plain', server: 'EC2ws', ...extra }, body };
}

/**
 * An error as EC2's metadata service writes it: a small XHTML page titled `<status> - <reason>`,
 * `text/html` (as captured from EC2 instances; SDKs read only the status).
 */
export function errorPage(status: number): string {
  const title = `${status} - ${STATUS_TEXT[status] ?? 'Error'}`;
  return (
    '<?xml version="1.0" encoding="iso-8859-1"?>\n' +
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n' +
    '\t\t "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n' +
    '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n' +
    ` <head>\n  <title>${title}</title>\n </head>\n` +
    ` <body>\n  <h1>${title}</h1>\n </body>\n` +
    '</html>\n'
  );
}

function failure(status: number, extra: Record<string, string> = {}): ImdsResponse {
  return {
    status,
    headers: { 'content-type': 'text/html', server: 'EC2ws', ...extra },
    body: errorPage(status),
  };
}

/** A HEAD answer: the GET's headers, its length, no body (RFC 9110, HEAD). */
function headOf(response: ImdsResponse): ImdsResponse {
  return {
    ...response,
    headers: { ...response.headers, 'content-length': String(Buffer.byteLength(response.body)) },
    body: '',
  };
}

const TOKEN_PATH = /^\/([^/]+)\/api\/token\/?$/;

/**
 * Answer one request for the instance in `state`.
 *
 * @example
 * const res = await handleImdsRequest(state, tokens, { method: 'PUT', url: '/latest/api/token',
 *   headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' } }, Date.now());
 */
export async function handleImdsRequest(
  state: ImdsState,
  tokens: ImdsTokens,
  request: ImdsRequest,
  nowMs: number,
): Promise<ImdsResponse> {
  const response = await answer(state, tokens, request, nowMs);
  return request.method === 'HEAD' ? headOf(response) : response;
}

async function answer(
  state: ImdsState,
  tokens: ImdsTokens,
  request: ImdsRequest,
  nowMs: number,
): Promise<ImdsResponse> {
  if (state.options.httpEndpoint !== 'enabled') return refused(403, 'imds-endpoint-disabled');
  const q = request.url.indexOf('?');
  const path = q === -1 ? request.url : request.url.slice(0, q);
  const forwarded = request.headers['x-forwarded-for'] !== undefined;

  const tokenPath = TOKEN_PATH.exec(path);
  if (tokenPath !== null) {
    if (request.method !== 'PUT') return failure(405, { allow: 'PUT' });
    // Only `latest` issues tokens; a versioned token path is refused, as documented.
    if (tokenPath[1] !== 'latest') return refused(403, 'imds-token-version');
    if (forwarded) return refused(403, 'imds-token-forwarded');
    const ttl = parseTokenTtl(request.headers[TTL_HEADER]);
    if (ttl === undefined) return failure(400);
    const token = tokens.issue(state.binding, ttl, nowMs);
    return {
      ...plain(200, token, { [TTL_HEADER]: String(ttl) }),
      hopLimit: state.options.httpPutResponseHopLimit,
    };
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') return failure(405, { allow: 'GET, HEAD' });

  const token = request.headers[TOKEN_HEADER];
  let delivery: RoleDelivery;
  if (token !== undefined) {
    if (typeof token !== 'string' || !tokens.verify(token, state.binding, nowMs))
      return refused(401, 'imds-token-invalid');
    if (forwarded) return refused(403, 'imds-forwarded-with-token');
    delivery = '2.0';
  } else {
    if (state.options.httpTokens === 'required') return refused(401, 'imds-token-required');
    delivery = '1.0';
  }

  const found = lookup(state.tree, path);
  if (found.kind === 'missing') return failure(404);
  const body =
    found.kind === 'listing'
      ? found.body
      : typeof found.value === 'function'
        ? await found.value(delivery)
        : found.value;
  return plain(200, body);
}

/** Sets a socket's IP TTL (an optional native helper); `undefined` where the platform has none. */
export type SetSocketTtl = (socket: Socket, ttl: number) => void;

export interface ImdsEndpointOptions {
  state: () => ImdsState;
  tokens: ImdsTokens;
  now?: () => number;
  setSocketTtl?: SetSocketTtl;
  onError?: (error: unknown) => void;
  /** Told of each refusal that `ImdsResponse.refused` classes, with the client's address. */
  onRefused?: (reason: ImdsRefusal, status: number, sourceIp: string) => void;
}

export interface ImdsEndpoint {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serve one instance's metadata on `host:port` (127.0.0.1 by default; 0 = any free port).
 *
 * @example
 * const endpoint = await createImdsServer({ state: () => instance.state, tokens }, 0);
 * // AWS_EC2_METADATA_SERVICE_ENDPOINT=endpoint.url
 */
export async function createImdsServer(
  options: ImdsEndpointOptions,
  port: number,
  host = '127.0.0.1',
): Promise<ImdsEndpoint> {
  const now = options.now ?? Date.now;
  const server = http.createServer((req, res) => {
    // Metadata requests carry no body that matters; drain whatever came so keep-alive continues.
    req.resume();
    handleImdsRequest(
      options.state(),
      options.tokens,
      { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers },
      now(),
    )
      .catch((error: unknown) => {
        options.onError?.(error);
        // The store or the access log away (an AwsError 503): the SDKs' metadata clients retry
        // any 5xx, and 503 says it is temporary; anything else is a bug.
        return failure(isAwsError(error) && error.status === 503 ? 503 : 500);
      })
      .then((response) => {
        if (response.refused !== undefined)
          options.onRefused?.(response.refused, response.status, req.socket.remoteAddress ?? '');
        const limited = response.hopLimit !== undefined && options.setSocketTtl !== undefined;
        const headers: Record<string, string> = {
          'content-length': String(Buffer.byteLength(response.body)),
          // A HEAD answer carries the length of the body it leaves out.
          ...response.headers,
        };
        if (limited) {
          // The TTL must stay on the socket until every segment (retransmissions too) has left, so
          // the connection ends with this response: later requests, which are not hop-limited,
          // come on a new one.
          options.setSocketTtl!(req.socket, response.hopLimit!);
          headers.connection = 'close';
        }
        res.writeHead(response.status, headers);
        res.end(response.body);
      })
      .catch((error: unknown) => options.onError?.(error));
  });
  server.keepAliveTimeout = 65_000;
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
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
