/**
 * The enforcing proxy. For every request signed for a service credplane does not serve itself:
 * verify the signature (`control/authenticate`), map the request to IAM checks (the service's
 * mapper), decide each check with the one authorizer (`control/authorize`), record the decision in
 * the access log, then refuse in the service's own error shape or forward to the service's backend,
 * re-signed with the backend's credentials, streaming both ways.
 *
 * Fail closed: an unmapped operation is denied (unless its service or the operation is in audit
 * mode), and a request whose event the access log cannot take is refused, never forwarded unlogged.
 *
 * Bodies: JSON and Query requests (and anything a mapper needs to read) are buffered up to
 * `maxBodyBytes`, hashed once, and verified as signed. S3 requests a mapper does not need to read
 * (object uploads) stream: the signature covers the `x-amz-content-sha256` value; when that is a
 * hex digest, the stream is hashed as it passes and its last chunk held back until the digest
 * matches, so a tampered body never reaches the backend complete.
 */
import http from 'node:http';
import type { Logger } from 'pino';
import type { AccessLogSink, AccessRecordInput } from '../audit/types.js';
import { UnauthenticatedBudget } from '../audit/unauthenticated.js';
import type { AuthenticatedCaller, AuthenticatorOptions } from '../control/authenticate.js';
import { authenticate } from '../control/authenticate.js';
import { decide, requestContext } from '../control/authorize.js';
import { denialMessage, type DenialMessage } from '../control/denial-message.js';
import type { KeyRing } from '../crypto/index.js';
import { AwsError, isAwsError } from '../errors.js';
import type { JsonValue } from '../iam/types.js';
import type { Decision } from '../policy/index.js';
import { BodyTooLargeError, readBody } from '../http/body.js';
import type { ApiResponse, RequestMeta } from '../http/types.js';
import { claimedScope } from '../sigv4/claimed-scope.js';
import type { AccessEventInput } from '../store/store.js';
import {
  backendFor,
  DEFAULT_BACKEND_CREDENTIALS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_GATEWAY_MAX_BODY,
  DEFAULT_GATEWAY_MAX_BUFFERED,
  DEFAULT_IDLE_TIMEOUT_MS,
  modeFor,
  type BackendSettings,
  type GatewaySettings,
} from './config.js';
import { backendOutcome, type BackendOutcome } from './backend-outcome.js';
import { accessDeniedError, serviceErrorResponse, unavailableError, type ErrorShape } from './denial.js';
import { connectionTokens, forward } from './forward.js';
import { requestErrorShape } from './mapping/index.js';
import { forwardedRequest, type ForwardedRequest } from './forwarded-request.js';
import { DigestGuard, isSha256Hex } from './payload.js';
import { planPerItem } from './per-item.js';
import { assertResourcesInRegion } from './region-scope.js';
import { createResourceResolver, NameNotFoundError, type ResourceResolver } from './resolve/resolver.js';
import { createResigner, EMPTY_SHA256, formatQuery, sha256Hex } from './resign.js';
import { MalformedTargetError, parseTarget, type RequestTarget } from './target.js';
import type { GatewayRequest, MappedRequest, ServiceMapper, UnmappedRequest } from './types.js';
import { unsignedAmzHeaders } from './unsigned-headers.js';

export interface GatewayDeps {
  settings: GatewaySettings;
  /** The mapper for a SigV4 signing name (`mapping/index.ts`). */
  mapperFor: (signingName: string) => ServiceMapper | undefined;
  authenticator: AuthenticatorOptions;
  /** Seals the encoded authorization message of denials. */
  keyRing: () => KeyRing;
  partition: string;
  /** The account events belong to when no caller is known (the signature did not verify). */
  accountId: string;
  /** `audit/record.ts`'s `buildAccessEvent`. */
  record: (input: AccessRecordInput) => AccessEventInput;
  sink: AccessLogSink;
  /** How many events requests whose signature did not verify may add to the log. */
  unauthenticatedBudget?: UnauthenticatedBudget;
  logger?: Logger;
  now?: () => number;
  /** Resolves aliases, secret names and key schemas before mapping (`resolve/resolver.ts`). */
  resolver?: ResourceResolver;
}

export interface Gateway {
  /** Whether a mapper serves requests signed for `signingName` (the route table asks, `composition/routes.ts`). */
  serves(signingName: string): boolean;
  /**
   * Takes over a request the route table gave the gateway, before its body is read (the gateway
   * streams bodies to its backends) and answers it.
   */
  take(req: http.IncomingMessage, res: http.ServerResponse, meta: RequestMeta, signingName: string): void;
  close(): void;
}

/** S3 payload modes whose chunks carry their own signatures: re-signing them is not supported. */
const CHUNK_SIGNED = /^STREAMING-AWS4-(HMAC-SHA256|ECDSA-P256-SHA256)-PAYLOAD/;

/** Headers of the caller's signature; the backend gets the gateway's own. */
const AUTH_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-content-sha256',
  'host',
  'content-length',
]);

interface Outcome {
  decision: 'allow' | 'deny' | 'audit-deny';
  decisions: { action: string; resource: string; decision: Decision }[];
  error?: AwsError;
  /** The denial's message without the encoded part, for the log. */
  errorMessage?: string;
}

/**
 * @example
 * const gateway = createGateway({ settings, mapperFor: mapperForSigningName, authenticator, keyRing, partition: 'aws', accountId, record: buildAccessEvent, sink });
 * const server = await listen(createRouter({ query, gateway }), 0); // composition/routes.ts
 */
export function createGateway(deps: GatewayDeps): Gateway {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 });
  const resigner = createResigner();
  const settings = deps.settings;
  const maxBody = settings.maxBodyBytes ?? DEFAULT_GATEWAY_MAX_BODY;
  const maxBuffered = settings.maxBufferedBytes ?? DEFAULT_GATEWAY_MAX_BUFFERED;
  // Bytes reserved by requests whose bodies are being (or have been) buffered and not yet answered.
  let buffered = 0;
  const now = deps.now ?? Date.now;
  const resolver = deps.resolver ?? createResourceResolver({ settings });
  const unauthenticated = deps.unauthenticatedBudget ?? new UnauthenticatedBudget();

  const respond = (res: http.ServerResponse, response: ApiResponse): void => {
    if (res.headersSent || res.destroyed) return;
    const body = response.body ?? '';
    res.writeHead(response.status, { ...response.headers, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  const record = async (
    base: {
      mapper: ServiceMapper;
      meta: RequestMeta;
      req: http.IncomingMessage;
      region: string;
      auth?: AuthenticatedCaller;
      suppressedUnauthenticated?: number;
    },
    mapped: MappedRequest | UnmappedRequest | undefined,
    outcome: Outcome,
  ): Promise<AccessEventInput | undefined> => {
    const { mapper, auth } = base;
    const ua = base.req.headers['user-agent'];
    // Assigned member by member (not spread): this runs for every request.
    const input: AccessRecordInput = {
      channel: 'gateway',
      eventTime: new Date(now()),
      eventSource: mapped?.eventSource ?? `${mapper.service}.amazonaws.com`,
      eventName: mapped?.operation ?? operationNamed(base.req) ?? 'Unknown',
      awsRegion: base.region,
      sourceIPAddress: stripMapped(base.req.socket.remoteAddress ?? ''),
      requestId: base.meta.requestId,
      decision: outcome.decision,
      decisions: outcome.decisions,
    };
    if (typeof ua === 'string') input.userAgent = ua;
    if (auth === undefined) input.accountId = deps.accountId;
    else {
      input.caller = auth;
      input.accessKeyId = auth.caller.accessKeyId;
    }
    if (mapped !== undefined && !('unmapped' in mapped)) {
      if (mapped.requestParameters !== undefined) input.requestParameters = mapped.requestParameters;
      if (mapped.resources !== undefined) input.resources = mapped.resources;
    }
    if (outcome.error !== undefined) input.errorCode = outcome.error.code;
    if (outcome.errorMessage !== undefined) input.errorMessage = outcome.errorMessage;
    if (base.suppressedUnauthenticated) input.suppressedUnauthenticated = base.suppressedUnauthenticated;
    const event = deps.record(input);
    return (await deps.sink.commit(event)) ? event : undefined;
  };

  /**
   * A forwarded call's outcome, once the backend answered (or the forward failed): the stored
   * event gets the request id the client received and the error it got. The event itself was
   * committed before the request was forwarded; this completion follows the response, so a crash
   * in between leaves the event with credplane's request id and no outcome.
   */
  const complete = async (
    event: AccessEventInput,
    requestId: string,
    outcome: BackendOutcome,
    options: { lazy?: boolean } = {},
  ): Promise<void> => {
    const record = { ...(event.record as { [key: string]: JsonValue }) };
    if (outcome.requestId !== undefined) record.requestID = outcome.requestId;
    if (outcome.errorCode !== undefined) record.errorCode = outcome.errorCode;
    if (outcome.errorMessage !== undefined) record.errorMessage = outcome.errorMessage;
    const credplane = record.credplane;
    if (typeof credplane === 'object' && credplane !== null && !Array.isArray(credplane)) {
      // credplane's own id for the call, beside the backend's that CloudTrail's `requestID` now holds.
      record.credplane = { ...credplane, requestId };
    }
    const { accesses: _counted, ...rest } = event;
    const completion: AccessEventInput = {
      ...rest,
      record,
      completes: true,
      ...(outcome.errorCode === undefined ? {} : { errorCode: outcome.errorCode }),
    };
    // The backend's answer is already on its way to the client: nothing waits for this write, so
    // it rides with the next batch rather than costing a transaction of its own. A failure the
    // gateway answers itself (below) is committed before it answers.
    const committed =
      options.lazy === true && deps.sink.append !== undefined
        ? deps.sink.append(completion)
        : await deps.sink.commit(completion);
    if (!committed)
      deps.logger?.warn({ requestId }, 'access log: the outcome of a forwarded call was not recorded');
  };

  const handle = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    meta: RequestMeta,
    mapper: ServiceMapper,
  ): Promise<void> => {
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
      partition: deps.partition,
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
      // A body without a length may grow to the per-request limit: reserve that much.
      const length = Number(headers['content-length'] ?? Number.NaN);
      const reserve = hasBody
        ? Number.isFinite(length) && length >= 0
          ? Math.min(length, maxBody)
          : maxBody
        : 0;
      if (reserve > 0 && buffered + reserve > maxBuffered) {
        return fail(
          unavailableError(
            shape,
            'Too many request bodies are being buffered right now; retry shortly.',
            true,
          ),
        );
      }
      buffered += reserve;
      res.once('close', () => (buffered -= reserve));
      try {
        body = await readBody(req, maxBody);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          return fail(
            new AwsError(
              'RequestEntityTooLarge',
              `Request bodies larger than ${maxBody} bytes are not accepted.`,
              { status: 413 },
            ),
          );
        }
        throw error;
      }
      payloadHash = body.length === 0 ? EMPTY_SHA256 : sha256Hex(body);
    }

    let auth: AuthenticatedCaller;
    try {
      auth = await authenticate(
        {
          method,
          url,
          rawHeaders: req.rawHeaders,
          headers: req.headers,
          remoteAddress: req.socket.remoteAddress ?? '',
          requestId: meta.requestId,
          receivedAt: meta.receivedAt,
          payloadHash,
        },
        deps.authenticator,
        [mapper.signingName],
      );
    } catch (error) {
      if (!isAwsError(error)) throw error;
      // Unauthenticated: logged within a budget only (`audit/unauthenticated.ts`), answered either way.
      const admitted = unauthenticated.admit(stripMapped(req.socket.remoteAddress ?? ''), now());
      if (admitted === undefined) return fail(error);
      const logged = await record(
        {
          mapper,
          meta,
          req,
          region: claimedScope(headers.authorization, url)?.region ?? '',
          suppressedUnauthenticated: admitted.suppressed,
        },
        undefined,
        {
          decision: 'deny',
          decisions: [],
          error,
          errorMessage: error.message,
        },
      );
      if (logged === undefined) unauthenticated.restore(admitted.suppressed);
      return fail(
        logged !== undefined ? error : unavailableError(shape, 'Please reduce your request rate.', true),
      );
    }

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
      return refuse(recordBase, undefined, error, fail, shape);
    }
    let mapped: MappedRequest | UnmappedRequest;
    try {
      // Other names for a resource (aliases, secret names) become the resource the backend acts on.
      mapped = mapper.map(await resolver.resolve(mapper, request, (done) => res.once('close', done)));
      if (!('unmapped' in mapped)) assertResourcesInRegion(mapped, request.region);
    } catch (error) {
      if (!isAwsError(error)) throw error;
      if (!(error instanceof NameNotFoundError)) return refuse(recordBase, undefined, error, fail, shape);
      // A name the backend does not know is decided as it was given: a caller who may not use it
      // gets AccessDenied and learns nothing of what exists; one who may, the service's not-found.
      let named: MappedRequest | UnmappedRequest;
      try {
        named = mapper.map(request);
      } catch (mapError) {
        if (!isAwsError(mapError)) throw mapError;
        return refuse(recordBase, undefined, mapError, fail, shape);
      }
      const outcome = decideRequest(auth, named, shape);
      if (outcome.error === undefined) {
        outcome.error = error.serviceError;
        outcome.errorMessage = error.message;
      }
      const logged = await record(recordBase, named, outcome);
      return fail(
        logged !== undefined
          ? outcome.error
          : unavailableError(shape, 'Please reduce your request rate.', true),
      );
    }

    // The request the backend gets, rebuilt from what the mapper read: a part it could not cover
    // is refused here, before the decision is logged (`forwarded-request.ts`).
    let forwarded: ForwardedRequest;
    try {
      forwarded = forwardedRequest(mapper, shape.protocol, request, headers);
    } catch (error) {
      if (!isAwsError(error)) throw error;
      return refuse(recordBase, mapped, error, fail, shape);
    }

    const outcome = decideRequest(auth, mapped, shape);
    // S3 DeleteObjects: the allowed keys go to the backend, the denied ones are answered per key.
    const perItem = planPerItem(mapped, outcome);
    const backend = backendFor(settings, mapper.service);
    if (outcome.error === undefined && backend === undefined) {
      const error = unavailableError(
        shape,
        `credplane's gateway has no backend for ${mapper.service}: start credplane up with --backend ${mapper.service}=http://127.0.0.1:<port> (or --backend '*=http://...'), or set Metadata.Credplane.Gateway.Backends in the template.`,
      );
      outcome.error = error;
      outcome.errorMessage = error.message;
    }
    const event = await record(recordBase, mapped, outcome);
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

    await send(req, res, {
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
  };

  /** Records a refusal of an authenticated caller and answers it (503 when the log is full). */
  const refuse = async (
    base: Parameters<typeof record>[0],
    mapped: MappedRequest | UnmappedRequest | undefined,
    error: AwsError,
    fail: (error: AwsError) => void,
    shape: ErrorShape,
  ): Promise<void> => {
    const logged = await record(base, mapped, {
      decision: 'deny',
      decisions: [],
      error,
      errorMessage: error.message,
    });
    fail(logged !== undefined ? error : unavailableError(shape, 'Please reduce your request rate.', true));
  };

  const decideRequest = (
    auth: AuthenticatedCaller,
    mapped: MappedRequest | UnmappedRequest,
    shape: ErrorShape,
  ): Outcome => {
    if ('unmapped' in mapped) {
      const operation = mapped.operation ?? '(an operation credplane cannot identify)';
      const mode = modeFor(settings, mapped.service, mapped.operation);
      const message = `credplane's gateway has no IAM mapping for ${mapped.service}:${operation}, so it is denied (fail closed). To forward it unchecked and log it, run it in audit mode: --gateway-mode ${mapped.service}${mapped.operation === undefined ? '' : `:${mapped.operation}`}=audit.`;
      if (mode === 'audit') return { decision: 'audit-deny', decisions: [], errorMessage: message };
      return {
        decision: 'deny',
        decisions: [],
        error: accessDeniedError(shape, message),
        errorMessage: message,
      };
    }
    const decisions: Outcome['decisions'] = [];
    let denied: DenialMessage | undefined;
    for (const check of mapped.checks) {
      const input = {
        action: check.action,
        resource: check.resource,
        ...(check.resourceAccount === undefined ? {} : { resourceAccount: check.resourceAccount }),
        extra: check.context,
      };
      const context = requestContext(auth, check.context);
      const decision = decide(auth, input, context);
      decisions.push({ action: check.action, resource: check.resource, decision });
      if (decision.decision !== 'Allow' && denied === undefined) {
        denied = denialMessage(
          { auth, action: check.action, resource: check.resource, context, decision },
          { ring: deps.keyRing(), quoteResource: shape.service === 's3', period: true },
        );
      }
    }
    // A request with no checks is a mapper bug: never let it through unchecked.
    if (mapped.checks.length === 0) {
      const message = `credplane's gateway found no IAM check for ${mapped.service}:${mapped.operation}; denied (fail closed).`;
      return { decision: 'deny', decisions, error: accessDeniedError(shape, message), errorMessage: message };
    }
    if (denied === undefined) return { decision: 'allow', decisions };
    if (modeFor(settings, mapped.service, mapped.operation) === 'audit') {
      return { decision: 'audit-deny', decisions, errorMessage: denied.sentence };
    }
    return {
      decision: 'deny',
      decisions,
      error: accessDeniedError(shape, denied.message),
      errorMessage: denied.sentence,
    };
  };

  const send = async (
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
  ): Promise<void> => {
    const backendUrl = parsedUrl(input.backend.url);
    const port = backendUrl.port;
    const { forwarded: request } = input;
    const body = request.body ?? input.body;
    const headers = request.headers;
    headers.host = backendUrl.host;
    headers['x-amz-content-sha256'] =
      request.body === undefined ? input.payloadHash : sha256Hex(request.body);
    if (body !== undefined) headers['content-length'] = String(body.length);
    else if (req.headers['content-length'] !== undefined)
      headers['content-length'] = req.headers['content-length'];
    const path = request.path;
    const signed = resigner.sign({
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
      agent,
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
      await complete(input.event, input.requestId, { errorCode: cause.code, errorMessage: cause.message });
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
    await complete(input.event, input.requestId, {
      errorCode: unreachable.code,
      errorMessage: unreachable.message,
    });
    input.fail(unreachable);
  };

  return {
    serves: (signingName) => deps.mapperFor(signingName) !== undefined,
    take(req, res, meta, signingName) {
      const mapper = deps.mapperFor(signingName);
      if (mapper === undefined) throw new Error(`no gateway mapper for '${signingName}'`);
      handle(req, res, meta, mapper).then(
        () => {
          // The object is built only when someone reads it (at `--log-level warn` nobody does).
          if (deps.logger?.isLevelEnabled('info') !== true) return;
          deps.logger.info(
            {
              requestId: meta.requestId,
              service: mapper.service,
              status: res.statusCode,
              ms: Date.now() - meta.receivedAt,
            },
            'gateway',
          );
        },
        (error: unknown) => {
          // Expected failures are answered in the service's shape above; this is a bug.
          deps.logger?.error({ err: error, requestId: meta.requestId }, 'unhandled error in the gateway');
          if (!res.headersSent) {
            respond(
              res,
              serviceErrorResponse(
                {
                  service: mapper.service,
                  protocol: mapper.protocol,
                  ...(mapper.errorNamespace ? { errorNamespace: mapper.errorNamespace } : {}),
                },
                new AwsError(
                  'InternalFailure',
                  'The request processing has failed because of an unknown error.',
                  { status: 500 },
                ),
                meta.requestId,
              ),
            );
          } else res.destroy();
        },
      );
    },
    close() {
      agent.destroy();
      resolver.close();
    },
  };
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

/**
 * Lower-cased headers, repeated ones joined with `,` (what mappers read). A header the `Connection`
 * header lists is hop-by-hop and never forwarded, so the mapper must not see it either: otherwise
 * it could select an operation (`x-amz-target`, `x-amz-copy-source`) the backend never gets.
 */
function flatHeaders(raw: readonly string[]): Record<string, string | undefined> {
  const listed = connectionTokens(raw);
  const out: Record<string, string | undefined> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    // The gateway sets these itself on the forwarded request; it reads the client's values.
    if (listed?.has(name) === true && !AUTH_HEADERS.has(name)) continue;
    const existing = out[name];
    out[name] = existing === undefined ? raw[i + 1]! : `${existing},${raw[i + 1]!}`;
  }
  return out;
}

/** The path and query of an absolute-form request target; any other target unchanged. */
function originForm(url: string): string {
  if (url.startsWith('/')) return url;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(url);
  if (scheme === null) return url;
  const rest = url.slice(scheme[0].length);
  const end = rest.search(/[/?]/);
  if (end < 0) return '/';
  return rest[end] === '/' ? rest.slice(end) : `/${rest.slice(end)}`;
}

/**
 * The operation a request names before the mapper has read it (its refusal happened first): the
 * JSON protocols' `X-Amz-Target`, or a Query `Action` in the URL. S3 and Lambda name theirs by
 * method and path, which only their mappers read.
 */
function operationNamed(req: http.IncomingMessage): string | undefined {
  const target = req.headers['x-amz-target'];
  const fromTarget = typeof target === 'string' ? target.slice(target.lastIndexOf('.') + 1) : undefined;
  const action = fromTarget ?? /[?&]Action=([A-Za-z0-9]+)(?:&|$)/.exec(req.url ?? '')?.[1];
  return action !== undefined && /^[A-Za-z0-9]{1,128}$/.test(action) ? action : undefined;
}

function stripMapped(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
