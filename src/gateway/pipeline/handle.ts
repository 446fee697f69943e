/**
 * One gateway request through the pipeline, in order: read the target and the body
 * (`receive.ts`), authenticate (`authenticate.ts`), resolve and map (`map.ts`), rebuild what is
 * forwarded (`../forwarded-request.ts`), decide (`authorize.ts`), record (`record.ts`), then answer
 * or forward (`send.ts`). Each stage that refuses answers the client itself and returns undefined.
 */
import type http from 'node:http';
import { AwsError, isAwsError } from '../../errors.js';
import type { RequestMeta } from '../../http/types.js';
import { backendFor } from '../config.js';
import { serviceErrorResponse, unavailableError, type ErrorShape } from '../denial.js';
import { forwardedRequest, type ForwardedRequest } from '../forwarded-request.js';
import { requestErrorShape } from '../mapping/index.js';
import { planPerItem } from '../per-item.js';
import { EMPTY_SHA256, sha256Hex } from '../resign.js';
import { MalformedTargetError, parseTarget, type RequestTarget } from '../target.js';
import type { GatewayRequest, ServiceMapper } from '../types.js';
import { unsignedAmzHeaders } from '../unsigned-headers.js';
import { authenticateCaller } from './authenticate.js';
import { decideRequest } from './authorize.js';
import { respond, type GatewayContext } from './context.js';
import { mapRequest } from './map.js';
import { bufferBody, CHUNK_SIGNED } from './receive.js';
import { record, refuse } from './record.js';
import { flatHeaders, originForm } from './request-parts.js';
import { send } from './send.js';

export async function handle(
  ctx: GatewayContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  meta: RequestMeta,
  mapper: ServiceMapper,
): Promise<void> {
  const headers = flatHeaders(req.rawHeaders);
  // SQS answers Query requests in Query's shape and JSON ones in JSON's.
  const shape: ErrorShape = { service: mapper.service, ...requestErrorShape(mapper, { headers }) };
  const contentType =
    typeof req.headers['content-type'] === 'string' ? req.headers['content-type'] : undefined;
  const fail = (error: AwsError): void =>
    respond(res, serviceErrorResponse(shape, error, meta.requestId, contentType));
  // Absolute-form (`POST http://host/ HTTP/1.1`): the signature covers only the path, so the
  // unsigned authority is dropped rather than passed to a backend that would route by it.
  const url = originForm(req.url ?? '/');
  const method = req.method ?? 'GET';
  let target: RequestTarget;
  try {
    if (!url.startsWith('/')) throw new MalformedTargetError(`the request target is not a path`);
    target = parseTarget(url);
  } catch (error) {
    if (error instanceof MalformedTargetError)
      return fail(new AwsError('InvalidURI', error.message, { status: 400 }));
    throw error;
  }
  const base: Omit<GatewayRequest, 'body' | 'region' | 'accountId'> = {
    method,
    path: target.path,
    query: target.query,
    headers,
    host: headers.host ?? '',
    partition: ctx.deps.partition,
  };
  const declared = headers['x-amz-content-sha256'];
  if (declared !== undefined && CHUNK_SIGNED.test(declared)) {
    return fail(
      new AwsError(
        'NotImplemented',
        `credplane's gateway does not forward chunk-signed payloads (${declared}); sign the whole payload or send UNSIGNED-PAYLOAD.`,
        { status: 501 },
      ),
    );
  }
  // Only S3 signs a declared payload hash; every other service's signature covers the body itself.
  // Requests without a body (GET, HEAD, most DELETEs) are "buffered": nothing to stream.
  const hasBody =
    (headers['content-length'] !== undefined && headers['content-length'] !== '0') ||
    headers['transfer-encoding'] !== undefined;
  const streaming =
    hasBody &&
    mapper.signingName === 's3' &&
    declared !== undefined &&
    !mapper.needsBody({ ...base, region: '', accountId: '' });

  let body: Buffer | undefined;
  let payloadHash: string;
  if (streaming) {
    payloadHash = declared;
  } else {
    body = await bufferBody(ctx, req, res, headers, hasBody, fail, shape);
    if (body === undefined) return;
    payloadHash = body.length === 0 ? EMPTY_SHA256 : sha256Hex(body);
  }

  const auth = await authenticateCaller(
    ctx,
    req,
    meta,
    mapper,
    method,
    url,
    headers,
    payloadHash,
    fail,
    shape,
  );
  if (auth === undefined) return;

  const request: GatewayRequest = {
    ...base,
    ...(body === undefined ? {} : { body }),
    region: auth.region,
    accountId: auth.caller.accountId,
  };
  const recordBase = { mapper, meta, req, region: auth.region, auth };
  // S3 refuses x-amz-* headers the signature does not cover (a presigned URL's holder can add any).
  if (mapper.signingName === 's3' && unsignedAmzHeaders(url, req.rawHeaders).length > 0) {
    const error = new AwsError(
      'AccessDenied',
      'There were headers present in the request which were not signed',
      {
        status: 403,
      },
    );
    return refuse(ctx, recordBase, undefined, error, fail, shape);
  }
  const mapped = await mapRequest(ctx, res, mapper, request, auth, recordBase, fail, shape);
  if (mapped === undefined) return;

  // The request the backend gets, rebuilt from what the mapper read: a part it could not cover
  // is refused here, before the decision is logged (`forwarded-request.ts`).
  let forwarded: ForwardedRequest;
  try {
    forwarded = forwardedRequest(mapper, shape.protocol, request, headers);
  } catch (error) {
    if (!isAwsError(error)) throw error;
    return refuse(ctx, recordBase, mapped, error, fail, shape);
  }

  const outcome = decideRequest(ctx, auth, mapped, shape);
  // S3 DeleteObjects: the allowed keys go to the backend, the denied ones are answered per key.
  const perItem = planPerItem(mapped, outcome);
  const backend = backendFor(ctx.settings, mapper.service);
  if (outcome.error === undefined && backend === undefined) {
    const error = unavailableError(
      shape,
      `credplane's gateway has no backend for ${mapper.service}: start credplane up with --backend ${mapper.service}=http://127.0.0.1:<port> (or --backend '*=http://...'), or set Metadata.Credplane.Gateway.Backends in the template.`,
    );
    outcome.error = error;
    outcome.errorMessage = error.message;
  }
  const event = await record(ctx, recordBase, mapped, outcome);
  if (event === undefined) {
    return fail(unavailableError(shape, 'Please reduce your request rate.', true));
  }
  if (outcome.error !== undefined) return fail(outcome.error);
  if (perItem?.kind === 'answer') return respond(res, perItem);
  if (perItem?.kind === 'forward') {
    // The body of the allowed items only, with the headers that describe it.
    forwarded.body = perItem.body;
    for (const [name, value] of Object.entries(perItem.headers)) {
      if (value === undefined) delete forwarded.headers[name];
      else forwarded.headers[name] = value;
    }
  }

  await send(ctx, req, res, {
    backend: backend!,
    mapper,
    forwarded,
    region: backend!.region ?? auth.region,
    ...(body === undefined ? {} : { body }),
    payloadHash,
    fail,
    shape,
    ...(perItem?.kind === 'forward' ? { rewriteResponse: perItem.mergeResponse } : {}),
    event,
    requestId: meta.requestId,
  });
}
