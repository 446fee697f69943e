/**
 * Where the keys that verify a web identity token come from: credplane's own cluster issuers are
 * answered in process; any other registered issuer's discovery document and JWKS are fetched over
 * HTTPS (plain HTTP only for loopback issuers, which tests use), with a timeout, a size cap, no
 * redirects and a cache. Every failure to obtain keys is `IDPCommunicationError`, as on STS.
 */
import type { JSONWebKeySet } from 'jose';
import { DISCOVERY_PATH } from './discovery.js';
import { IdpCommunicationError } from './errors.js';
import { issuerHttpsGet, IssuerGetError } from './issuer-https-get.js';

export interface JwksRequest {
  /** A fresh copy is wanted: the token names a key id the cached set lacks (the issuer may have rotated). */
  refresh?: boolean;
  /** The IAM OIDC provider's thumbprint list, used when the issuer's certificate has no trusted root. */
  thumbprints?: readonly string[];
}

/** The JWKS of `issuer`. */
export type JwksResolver = (issuer: string, options?: JwksRequest) => Promise<JSONWebKeySet>;

/** Local issuers first, then `fallback`. */
export function chainJwksResolvers(
  local: (issuer: string) => JSONWebKeySet | undefined,
  fallback: JwksResolver,
): JwksResolver {
  return async (issuer, options) => local(issuer) ?? fallback(issuer, options);
}

export interface HttpJwksResolverOptions {
  /** Per request; 3000 ms by default. */
  timeoutMs?: number;
  /** How long a fetched JWKS serves; 600 s by default. */
  cacheSeconds?: number;
  /**
   * Refetches (an unknown `kid`, or a retry after a failure) are rate limited per issuer by a token
   * bucket: `refetchBurst` at once (3 by default), then one per `refetchIntervalSeconds` (10 s by
   * default). A newly published key is picked up on first sight of its `kid`; a flood of tokens with
   * made-up key ids costs the issuer at most the bucket's rate.
   */
  refetchBurst?: number;
  refetchIntervalSeconds?: number;
  /** Largest discovery document or JWKS accepted; 64 KiB by default. */
  maxBytes?: number;
  /** Instead of credplane's own HTTPS client (which honours provider thumbprints): for unit tests. */
  fetch?: typeof fetch;
  now?: () => number;
}

const LOOPBACK = /^(?:127(?:\.\d{1,3}){3}|\[::1\]|localhost)$/i;

/** Only `https:`, or `http:` to a loopback host: a token must not steer credplane into plain HTTP elsewhere. */
export function checkFetchableUrl(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new IdpCommunicationError(`The ${what} is not a URL: ${text.slice(0, 200)}`);
  }
  const ok =
    url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.test(url.hostname.toLowerCase()));
  if (!ok || url.username !== '' || url.password !== '') {
    throw new IdpCommunicationError(
      `The ${what} ${text.slice(0, 200)} must use https (plain http is allowed for loopback issuers only)`,
    );
  }
  return url;
}

/**
 * @example
 * const resolve = createHttpJwksResolver({ timeoutMs: 2000 });
 * const jwks = await resolve('https://token.actions.example.com');
 */
export function createHttpJwksResolver(options: HttpJwksResolverOptions = {}): JwksResolver {
  const timeoutMs = options.timeoutMs ?? 3000;
  const cacheMs = (options.cacheSeconds ?? 600) * 1000;
  const burst = options.refetchBurst ?? 3;
  const intervalMs = (options.refetchIntervalSeconds ?? 10) * 1000;
  const maxBytes = options.maxBytes ?? 64 * 1024;
  const now = options.now ?? Date.now;
  /** Keyed by issuer and thumbprint list: one account's thumbprints never vouch for another's keys. */
  const cache = new Map<
    string,
    { jwks: Promise<JSONWebKeySet>; at: number; settled: boolean; ok: boolean }
  >();
  const buckets = new Map<string, { tokens: number; at: number }>();

  /** Takes one refetch from the issuer's bucket, if any is left. */
  function takeRefetch(issuer: string): boolean {
    const t = now();
    const bucket = buckets.get(issuer) ?? { tokens: burst, at: t };
    const refill = intervalMs > 0 ? Math.floor((t - bucket.at) / intervalMs) : burst;
    if (refill > 0) {
      bucket.tokens = Math.min(burst, bucket.tokens + refill);
      bucket.at = bucket.tokens === burst ? t : bucket.at + refill * intervalMs;
    }
    buckets.set(issuer, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  async function get(url: URL, thumbprints: readonly string[]): Promise<{ status: number; body: string }> {
    if (options.fetch === undefined) return issuerHttpsGet(url, { timeoutMs, maxBytes, thumbprints, now });
    const response = await options.fetch(url, {
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json' },
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      return { status: response.status, body: '' };
    }
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body?.cancel();
      throw new IssuerGetError(`the response is larger than ${maxBytes} bytes`);
    }
    return { status: 200, body: await response.text() };
  }

  async function getJson(url: URL, what: string, thumbprints: readonly string[]): Promise<unknown> {
    let response: { status: number; body: string };
    try {
      response = await get(url, thumbprints);
    } catch (error) {
      const reason =
        error instanceof IssuerGetError
          ? error.message
          : error instanceof Error && error.name === 'TimeoutError'
            ? 'the request timed out'
            : 'the request failed';
      throw new IdpCommunicationError(`Couldn't retrieve the ${what} from ${url.href}: ${reason}`);
    }
    if (response.status !== 200) {
      throw new IdpCommunicationError(
        `Couldn't retrieve the ${what} from ${url.href}: HTTP ${response.status}`,
      );
    }
    if (response.body.length > maxBytes) {
      throw new IdpCommunicationError(`The ${what} at ${url.href} is larger than ${maxBytes} bytes`);
    }
    try {
      return JSON.parse(response.body) as unknown;
    } catch {
      throw new IdpCommunicationError(`The ${what} at ${url.href} is not JSON`);
    }
  }

  async function load(issuer: string, thumbprints: readonly string[]): Promise<JSONWebKeySet> {
    const base = checkFetchableUrl(issuer, 'issuer');
    const discovery = await getJson(
      new URL(`${base.href.replace(/\/+$/, '')}${DISCOVERY_PATH}`),
      'OpenID Connect discovery document',
      thumbprints,
    );
    const doc = (typeof discovery === 'object' && discovery !== null ? discovery : {}) as Record<
      string,
      unknown
    >;
    // OpenID Connect Discovery 1.0 §4.3: the document must name the issuer it was fetched for.
    if (doc.issuer !== issuer) {
      throw new IdpCommunicationError(
        `The discovery document of ${issuer} names another issuer (${String(doc.issuer).slice(0, 200)})`,
      );
    }
    if (typeof doc.jwks_uri !== 'string') {
      throw new IdpCommunicationError(`The discovery document of ${issuer} has no jwks_uri`);
    }
    const jwks = await getJson(checkFetchableUrl(doc.jwks_uri, 'jwks_uri'), 'JWKS', thumbprints);
    const keys = (jwks as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'object' && k !== null)) {
      throw new IdpCommunicationError(`The JWKS of ${issuer} has no "keys" array`);
    }
    return { keys: keys as JSONWebKeySet['keys'] };
  }

  return (issuer, request) => {
    const thumbprints = [...(request?.thumbprints ?? [])].map((t) => t.toLowerCase()).sort();
    const key = `${issuer}\n${thumbprints.join(',')}`;
    const hit = cache.get(key);
    // A fetch under way answers everyone who asks meanwhile, refresh or not.
    if (hit !== undefined && !hit.settled) return hit.jwks;
    const fresh = hit !== undefined && hit.ok && now() - hit.at <= cacheMs;
    if (fresh && request?.refresh !== true) return hit.jwks;
    // The first fetch and the 10-minute refresh are free; anything else (a refresh for an unknown
    // kid, a retry after a failure) is a refetch and must fit the issuer's rate.
    const isRefetch = fresh || (hit === undefined ? buckets.has(issuer) : !hit.ok);
    if (isRefetch && !takeRefetch(issuer)) {
      if (fresh) return hit.jwks;
      return Promise.reject(
        new IdpCommunicationError(
          `The keys of ${issuer} were fetched too often; try again in ${Math.ceil(intervalMs / 1000)} s`,
        ),
      );
    }
    if (!isRefetch) buckets.set(issuer, buckets.get(issuer) ?? { tokens: burst, at: now() });
    const entry = { jwks: load(issuer, thumbprints), at: now(), settled: false, ok: false };
    cache.set(key, entry);
    entry.jwks.then(
      () => {
        entry.settled = true;
        entry.ok = true;
      },
      () => {
        entry.settled = true;
        // Keys that verified before stay usable when a refresh fails; a failure is never served
        // from the cache, the next token tries again (within the rate).
        if (cache.get(key) === entry) {
          if (hit?.ok === true) cache.set(key, hit);
        }
      },
    );
    return entry.jwks;
  };
}
