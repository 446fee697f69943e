/**
 * What the backend receives, rebuilt from what the gateway read and decided on, never passed
 * through as the client sent it.
 *
 * The rule (docs/security.md, "What the gateway forwards"): every part of a request that an AWS-protocol
 * backend may read (method, path, query, every header, the body) is either read by the mapper and
 * covered by the decision, or refused, or left out of the forwarded request. Backends do not all
 * pick the operation the same way: moto_server (`moto/core/responses.py`) takes `Action` from the
 * URL query or a form body before `X-Amz-Target`, reads a body as a form whatever its content type
 * when the URL has no query, and with neither reads the headers as parameters; a real service
 * reads only its own protocol's places. So the forwarded request has exactly one reading:
 *
 * - JSON 1.0/1.1 (DynamoDB, KMS, Secrets Manager, SSM, SQS JSON): `POST /`, no query, the
 *   `X-Amz-Target` the mapper read, the JSON content type, and the body re-serialized from the
 *   object the mapper decided on, with `&` and `=` written as `\u0026`/`\u003d` (the same JSON
 *   to a JSON parser; no parameters to a form parser). Query parameters are refused.
 * - Query (SNS, SQS Query): `POST` to the request's path with the parameters the mapper read
 *   re-encoded as the form body (the only place), no URL query, no `X-Amz-Target`.
 * - REST (S3, Lambda): method, path and body as sent (the mapper routes by method and path, and
 *   the S3 mapper reads every body it authorizes on); query names the mapper does not know are
 *   refused (`ServiceMapper.acceptsQueryParameter`), and so are form bodies and a body on a GET,
 *   HEAD or DELETE (moto reads those as parameters).
 *
 * Headers: only the protocol's own go on (`x-amz-*` and HTTP's standard request headers for the
 * REST protocols, the content type and target for the others) plus the SDKs' harmless metadata;
 * anything else (an `Action` or `QueueUrl` header, `X-Amz-Target` on a Query or REST request) is
 * dropped. The caller's signature headers and `host` are never forwarded: the backend gets the
 * gateway's own (`resign.ts`).
 */
import { AwsError } from '../errors.js';
import type { AwsProtocol, GatewayRequest, ServiceMapper } from './types.js';
import { parseJsonBody } from './mapping/support/json-body.js';
import { queryInput } from './mapping/support/query-body.js';
import { encodeRfc3986 } from './resign.js';

export interface ForwardedRequest {
  method: string;
  /** As sent on the wire (percent-encoded once). */
  path: string;
  /** Decoded pairs. */
  query: [string, string][];
  /** Lower-cased; without `host`, `content-length` and the signature headers (the forwarder sets them). */
  headers: Record<string, string>;
  /** The rebuilt body; `undefined` when the client's body goes on as it is (buffered or streamed). */
  body?: Buffer;
}

/** Sent by the SDKs with every request; no backend reads an operation or a resource from them. */
const SDK_METADATA: ReadonlySet<string> = new Set([
  'user-agent',
  'x-amz-user-agent',
  'amz-sdk-invocation-id',
  'amz-sdk-request',
  'accept',
]);

/**
 * HTTP's standard request headers that REST services define members for (S3's `PutObject`
 * `Content-*`, `Cache-Control`, `Expires`; conditional reads; ranges).
 */
const REST_STANDARD: ReadonlySet<string> = new Set([
  'content-type',
  'content-md5',
  'content-encoding',
  'content-language',
  'content-disposition',
  'cache-control',
  'expires',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'range',
]);

/** The caller's signature and the connection's: set again by the gateway, never passed on. */
const NEVER_FORWARDED: ReadonlySet<string> = new Set([
  'authorization',
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-content-sha256',
  'host',
  'content-length',
]);

const JSON_CONTENT_TYPE = /^application\/x-amz-json-1\.[01]$/;
const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded; charset=utf-8';

/**
 * The request to send to the backend for `request` (already mapped and allowed), in the protocol
 * `protocol` it was answered in (SQS's differs per request). Throws the service's own 400 for a
 * request part the gateway will not forward unread.
 *
 * @example
 * forwardedRequest(kmsMapper, 'json', request, headers).body?.toString(); // '{"KeyId":"alias/x"}'
 */
export function forwardedRequest(
  mapper: ServiceMapper,
  protocol: AwsProtocol,
  request: GatewayRequest,
  headers: Readonly<Record<string, string | undefined>>,
): ForwardedRequest {
  switch (protocol) {
    case 'json':
      return jsonRequest(mapper, request, headers);
    case 'query':
      return queryRequest(request, headers);
    case 'rest-json':
    case 'rest-xml':
      return restRequest(mapper, request, headers);
  }
}

function jsonRequest(
  mapper: ServiceMapper,
  request: GatewayRequest,
  headers: Readonly<Record<string, string | undefined>>,
): ForwardedRequest {
  if (request.query.length > 0) {
    throw notForwarded(
      mapper,
      `JSON-protocol requests carry their input in the body; the query parameter ${quote(request.query[0]![0])} would be read by some backends as another operation or input.`,
    );
  }
  const out = metadataHeaders(headers);
  const contentType = headers['content-type']?.split(';')[0]!.trim().toLowerCase();
  // What the mapper parsed is JSON whatever the client called it; tell the backend so, or a
  // form content type makes some backends parse the body as parameters.
  out['content-type'] =
    contentType !== undefined && JSON_CONTENT_TYPE.test(contentType)
      ? contentType
      : 'application/x-amz-json-1.1';
  const target = headers['x-amz-target'];
  if (target !== undefined) out['x-amz-target'] = target;
  // SQS's JSON protocol: asks for Query-compatible error codes; it selects nothing.
  const queryMode = headers['x-amzn-query-mode'];
  if (queryMode !== undefined) out['x-amzn-query-mode'] = queryMode;
  return { method: 'POST', path: '/', query: [], headers: out, body: canonicalJson(request.body) };
}

function queryRequest(
  request: GatewayRequest,
  headers: Readonly<Record<string, string | undefined>>,
): ForwardedRequest {
  const out = metadataHeaders(headers);
  out['content-type'] = FORM_CONTENT_TYPE;
  let form = '';
  for (const [name, value] of queryInput(request).entries()) {
    form += `${form === '' ? '' : '&'}${encodeRfc3986(name)}=${encodeRfc3986(value)}`;
  }
  return { method: 'POST', path: request.path, query: [], headers: out, body: Buffer.from(form) };
}

function restRequest(
  mapper: ServiceMapper,
  request: GatewayRequest,
  headers: Readonly<Record<string, string | undefined>>,
): ForwardedRequest {
  for (const [name] of request.query) {
    if (mapper.acceptsQueryParameter?.(name) !== true) {
      throw notForwarded(
        mapper,
        `credplane's gateway does not know the query parameter ${quote(name)} of ${mapper.service}, so it cannot tell what a backend would do with it.`,
      );
    }
  }
  // Some backends read a form body as request parameters whatever the operation (moto parses
  // every form; with no URL query it parses any body as one), and S3 and Lambda define no
  // parameter in a body: a REST request has no form body, and GET, HEAD and DELETE have no body.
  const mediaType = headers['content-type']?.split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/x-www-form-urlencoded' || mediaType === 'multipart/form-data') {
    throw notForwarded(
      mapper,
      `credplane's gateway does not forward ${mapper.service} requests with a form body (Content-Type: ${mediaType}): a backend may read it as parameters the decision did not cover.`,
    );
  }
  const method = request.method.toUpperCase();
  if (
    (method === 'GET' || method === 'HEAD' || method === 'DELETE') &&
    ((headers['content-length'] !== undefined && headers['content-length'] !== '0') ||
      headers['transfer-encoding'] !== undefined)
  ) {
    throw notForwarded(mapper, `A ${method} request to ${mapper.service} has no body; this one has one.`);
  }
  const out = metadataHeaders(headers);
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || NEVER_FORWARDED.has(name)) continue;
    if (REST_STANDARD.has(name) || (name.startsWith('x-amz-') && name !== 'x-amz-target')) out[name] = value;
  }
  // The backend is addressed by IP, so a virtual-hosted bucket moves into the path (the mapper
  // resolves it with its own host names: the bucket it authorized).
  const path = mapper.backendPath?.({ host: request.host, path: request.path }) ?? request.path;
  return { method: request.method, path, query: request.query, headers: out };
}

function metadataHeaders(headers: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of SDK_METADATA) {
    const value = headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * The JSON the mapper decided on, serialized again: one value per member (a repeated member's
 * last, the one `JSON.parse` gave the mapper), and `&`/`=` escaped so that a parser that reads the
 * body as a form finds no parameter in it. `\u0026` and `\u003d` are the same characters to
 * every JSON parser (RFC 8259 §7), and neither can occur outside a string in JSON text.
 */
function canonicalJson(body: Buffer | undefined): Buffer {
  const value = parseJsonBody(body);
  if (body !== undefined && hasOutOfRangeNumber(body)) assertFiniteNumbers(value);
  return Buffer.from(JSON.stringify(value).replace(/[&=]/g, (c) => (c === '&' ? '\\u0026' : '\\u003d')));
}

/** A cheap pre-check: only a long digit run or a 3-digit exponent can overflow a double. */
function hasOutOfRangeNumber(body: Buffer): boolean {
  return /\d{300}|[eE][+-]?\d{3}/.test(body.toString('latin1'));
}

/** `JSON.stringify` writes `Infinity` as `null`: the backend would read another value. */
function assertFiniteNumbers(value: unknown): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new AwsError('SerializationException', 'A number in the request is out of range.', {
        status: 400,
      });
    }
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const item of Array.isArray(value) ? value : Object.values(value)) assertFiniteNumbers(item);
}

function notForwarded(mapper: ServiceMapper, message: string): AwsError {
  // S3 answers parameters it does not take with InvalidArgument; the JSON services with a
  // ValidationException; Lambda with InvalidParameterValueException.
  const code =
    mapper.protocol === 'rest-xml'
      ? 'InvalidArgument'
      : mapper.protocol === 'rest-json'
        ? 'InvalidParameterValueException'
        : 'ValidationException';
  return new AwsError(code, message, { status: 400 });
}

function quote(name: string): string {
  return `'${name.slice(0, 64)}'`;
}
