/**
 * The forwarding stage: the rebuilt request gets the backend's `Host`, is re-signed with the
 * backend's credentials and streamed both ways (`../forward.ts`); the call's access-log event is
 * completed with what the client received.
 */
import type http from 'node:http';
import { isAwsError, type AwsError } from '../../errors.js';
import type { AccessEventInput } from '../../store/store.js';
import { backendOutcome } from '../backend-outcome.js';
import {
  DEFAULT_BACKEND_CREDENTIALS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  type BackendSettings,
} from '../config.js';
import { unavailableError, type ErrorShape } from '../denial.js';
import { forward } from '../forward.js';
import type { ForwardedRequest } from '../forwarded-request.js';
import { DigestGuard, isSha256Hex } from '../payload.js';
import { formatQuery, sha256Hex } from '../resign.js';
import type { ServiceMapper } from '../types.js';
import type { GatewayContext } from './context.js';
import { complete } from './record.js';

export async function send(
  ctx: GatewayContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  input: {
    backend: BackendSettings;
    mapper: ServiceMapper;
    forwarded: ForwardedRequest;
    region: string;
    /** The client's buffered body (forwarded when the request was not rebuilt). */
    body?: Buffer;
    payloadHash: string;
    fail: (error: AwsError) => void;
    shape: ErrorShape;
    rewriteResponse?: (body: Buffer) => Buffer;
    /** The call's access-log event, completed with the outcome. */
    event: AccessEventInput;
    requestId: string;
  },
): Promise<void> {
  const { deps, settings } = ctx;
  const backendUrl = parsedUrl(input.backend.url);
  const port = backendUrl.port;
  const { forwarded: request } = input;
  const body = request.body ?? input.body;
  const headers = request.headers;
  headers.host = backendUrl.host;
  headers['x-amz-content-sha256'] = request.body === undefined ? input.payloadHash : sha256Hex(request.body);
  if (body !== undefined) headers['content-length'] = String(body.length);
  else if (req.headers['content-length'] !== undefined)
    headers['content-length'] = req.headers['content-length'];
  const path = request.path;
  const signed = ctx.resigner.sign({
    method: request.method,
    hostname: backendUrl.hostname,
    port,
    path,
    query: request.query,
    headers,
    region: input.region,
    signingName: input.mapper.signingName,
    credentials: input.backend.credentials ?? DEFAULT_BACKEND_CREDENTIALS,
  });
  const query = formatQuery(request.query);
  const streamed = body === undefined;
  const guard = streamed && isSha256Hex(input.payloadHash) ? new DigestGuard(input.payloadHash) : undefined;
  const result = await forward({
    agent: ctx.agent,
    hostname: backendUrl.hostname,
    port,
    method: request.method,
    target: query === '' ? path : `${path}?${query}`,
    headers: signed,
    body: body ?? req,
    ...(guard === undefined ? {} : { guard }),
    res,
    connectTimeoutMs: settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    idleTimeoutMs: settings.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    ...(input.rewriteResponse === undefined ? {} : { rewriteResponse: input.rewriteResponse }),
  });
  if (result.status !== undefined) {
    await complete(
      ctx,
      input.event,
      input.requestId,
      backendOutcome(result.status, result.rawHeaders ?? [], result.errorBody),
      { lazy: true },
    );
    return;
  }
  if (result.error === undefined) return;
  const cause = result.error.cause;
  if (isAwsError(cause)) {
    // The body's guard stopped the upload (its SHA-256 did not match): an error, not an allow.
    await complete(ctx, input.event, input.requestId, { errorCode: cause.code, errorMessage: cause.message });
    input.fail(cause);
    return;
  }
  deps.logger?.warn(
    {
      requestId: res.getHeader('x-amz-request-id'),
      backend: input.backend.url,
      reason: result.error.reason,
      err: result.error.message,
    },
    'gateway backend failed',
  );
  const unreachable = unavailableError(
    input.shape,
    `credplane's gateway could not reach the ${input.mapper.service} backend at ${input.backend.url} (${result.error.reason}: ${result.error.message}).`,
  );
  await complete(ctx, input.event, input.requestId, {
    errorCode: unreachable.code,
    errorMessage: unreachable.message,
  });
  input.fail(unreachable);
}

const parsedUrls = new Map<string, { hostname: string; host: string; port: number }>();

/** A backend URL's parts, parsed once (a `URL` per request shows in profiles). */
function parsedUrl(url: string): { hostname: string; host: string; port: number } {
  let parsed = parsedUrls.get(url);
  if (parsed === undefined) {
    const u = new URL(url);
    parsed = { hostname: u.hostname, host: u.host, port: Number(u.port || 80) };
    if (parsedUrls.size > 1000) parsedUrls.clear();
    parsedUrls.set(url, parsed);
  }
  return parsed;
}
