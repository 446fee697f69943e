/**
 * The resource resolver: before a request is mapped to IAM checks, every name it uses that is not
 * the canonical resource (a KMS alias, a secret's name or partial ARN) or whose meaning is table
 * metadata (a DynamoDB table's key schema) is resolved by asking the service's backend with the
 * gateway's own credentials, so that the checks are on what the backend will act on and no other
 * name for a resource dodges a Deny on it (`services.ts` says what is asked per service).
 *
 * Answers are cached per backend, region and name for at most `ttlMs` (60 s by default) and
 * `maxEntries` names; a mutating operation the gateway forwards (CreateAlias, DeleteSecret,
 * DeleteTable, ...) clears its service's answers when it arrives and again when it is answered.
 * A change made on the backend directly is seen within the TTL. "Not found" is never cached.
 *
 * Fail closed: a name the backend does not know is answered with the service's own not-found error
 * and the request is not forwarded; a backend that cannot be asked is a 503.
 */
import { AwsError } from '../../errors.js';
import { backendFor, type GatewaySettings } from '../config.js';
import type { GatewayRequest, ResolvedResources, ServiceMapper } from '../types.js';
import { BackendUnreachableError, createBackendCaller, type BackendCaller } from './backend-call.js';
import { TtlCache } from './cache.js';
import { SERVICE_RESOLUTIONS, type NameLookup, type ReferenceKind } from './services.js';

/**
 * The backend does not know a name the request uses. Carries the service's own not-found error;
 * the gateway answers it only to a caller allowed to use the name (`server.ts`), so that nobody
 * else learns whether it exists.
 */
export class NameNotFoundError extends AwsError {
  constructor(readonly serviceError: AwsError) {
    super(serviceError.code, serviceError.message, { status: serviceError.status });
  }
}

export const DEFAULT_RESOLVER_TTL_MS = 60_000;
export const DEFAULT_RESOLVER_MAX_ENTRIES = 10_000;

export interface ResourceResolverOptions {
  settings: GatewaySettings;
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

export interface ResourceResolver {
  /**
   * `request` with `resolved` set for a mapper that declares `references`; `request` itself for
   * any other, or when the service has no backend (the gateway answers that itself).
   * `onAnswered` registers what to run once the request is answered. Throws `AwsError` only.
   */
  resolve(
    mapper: ServiceMapper,
    request: GatewayRequest,
    onAnswered: (done: () => void) => void,
  ): Promise<GatewayRequest>;
  close(): void;
}

/**
 * @example
 * const resolver = createResourceResolver({ settings });
 * const mapped = mapper.map(await resolver.resolve(mapper, request, (done) => res.once('close', done)));
 */
export function createResourceResolver(options: ResourceResolverOptions): ResourceResolver {
  const { settings } = options;
  const caller: BackendCaller = createBackendCaller({
    ...(settings.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: settings.connectTimeoutMs }),
    ...(settings.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: settings.idleTimeoutMs }),
  });
  const caches = new Map<string, TtlCache<unknown>>();
  const cacheOf = (service: string): TtlCache<unknown> => {
    let cache = caches.get(service);
    if (cache === undefined) {
      cache = new TtlCache({
        maxEntries: options.maxEntries ?? DEFAULT_RESOLVER_MAX_ENTRIES,
        ttlMs: options.ttlMs ?? DEFAULT_RESOLVER_TTL_MS,
        ...(options.now === undefined ? {} : { now: options.now }),
      });
      caches.set(service, cache);
    }
    return cache;
  };

  const lookup = async (
    service: string,
    spec: NameLookup<unknown>,
    name: string,
    request: GatewayRequest,
  ): Promise<unknown> => {
    const backend = backendFor(settings, service)!;
    const region = backend.region ?? request.region;
    const cache = cacheOf(service);
    const key = `${backend.url}\n${region}\n${spec.kind}\n${name}`;
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const generation = cache.generation();
    let answer;
    try {
      answer = await caller.call({
        backend,
        region,
        signingName: spec.signingName,
        target: spec.target,
        jsonVersion: spec.jsonVersion,
        input: spec.input(name),
      });
    } catch (error) {
      if (!(error instanceof BackendUnreachableError)) throw error;
      throw unavailable(service, backend.url, error.message);
    }
    if (!answer.ok) {
      if (spec.notFoundTypes.has(answer.type)) throw new NameNotFoundError(spec.notFound(name));
      if (answer.status >= 400 && answer.status < 500 && answer.type === 'ValidationException') {
        throw new AwsError('ValidationException', answer.message, { status: 400 });
      }
      throw unavailable(service, backend.url, `${spec.target} answered ${answer.status} ${answer.type}`);
    }
    const value = spec.read(answer.body);
    if (value === undefined) {
      throw unavailable(service, backend.url, `${spec.target} answered without the expected fields`);
    }
    cache.set(key, value, generation);
    return value;
  };

  return {
    async resolve(mapper, request, onAnswered) {
      if (mapper.references === undefined) return request;
      const resolution = SERVICE_RESOLUTIONS[mapper.service];
      if (resolution === undefined || backendFor(settings, mapper.service) === undefined) return request;
      const operation = request.headers['x-amz-target']?.split('.').pop();
      if (operation !== undefined && resolution.mutating.has(operation)) {
        const cache = cacheOf(mapper.service);
        cache.clear();
        onAnswered(() => cache.clear());
      }
      const references = mapper.references(request);
      const resolved: { -readonly [K in keyof ResolvedResources]: Map<string, unknown> } = {};
      const pending: Promise<void>[] = [];
      for (const kind of Object.keys(references) as ReferenceKind[]) {
        const spec = resolution.lookups[kind];
        const names = references[kind] ?? [];
        if (names.length === 0) continue;
        if (spec === undefined) {
          throw new AwsError('InternalFailure', `credplane cannot resolve ${kind} for ${mapper.service}`, {
            status: 500,
          });
        }
        const answers = new Map<string, unknown>();
        resolved[kind] = answers;
        for (const name of new Set(names)) {
          pending.push(
            lookup(mapper.service, spec, name, request).then((value) => {
              answers.set(name, value);
            }),
          );
        }
      }
      // Every lookup settles before the first failure is answered (none left running unobserved).
      const results = await Promise.allSettled(pending);
      const failed = results.find((result) => result.status === 'rejected');
      if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
      return { ...request, resolved: resolved as ResolvedResources };
    },
    close() {
      caller.close();
    },
  };
}

function unavailable(service: string, url: string, why: string): AwsError {
  return new AwsError(
    'ServiceUnavailable',
    `credplane's gateway could not resolve the resource names of this request with the ${service} backend at ${url} (${why}); refused (fail closed).`,
    { status: 503 },
  );
}
