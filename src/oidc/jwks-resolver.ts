/**
 * Where the keys that verify a web identity token come from: credplane's own cluster issuers are
 * answered in process; any other registered issuer's discovery document and JWKS are fetched over
 * HTTPS (plain HTTP only for loopback issuers, which tests use), with a timeout, a size cap, no
 * redirects and a cache. Every failure to obtain keys is `IDPCommunicationError`, as on STS.
 */
import type { JSONWebKeySet } from 'jose';
import { DISCOVERY_PATH } from './discovery.js';
import { IdpCommunicationError } from './errors.js';

/**
 * The JWKS of `issuer`. `refresh` asks for a fresh copy (the token names a key id the cached set
 * lacks: the issuer may have rotated).
 */
export type JwksResolver = (issuer: string, options?: { refresh?: boolean }) => Promise<JSONWebKeySet>;

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
  /** A forced refresh happens at most this often per issuer; 30 s by default. */
  minRefreshSeconds?: number;
  /** Largest discovery document or JWKS accepted; 64 KiB by default. */
  maxBytes?: number;
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
  const minRefreshMs = (options.minRefreshSeconds ?? 30) * 1000;
  const maxBytes = options.maxBytes ?? 64 * 1024;
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { jwks: Promise<JSONWebKeySet>; at: number }>();

  async function getJson(url: URL, what: string): Promise<unknown> {
    let response: Response;
    try {
      response = await doFetch(url, {
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
        headers: { accept: 'application/json' },
      });
    } catch (error) {
      const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'failed';
      throw new IdpCommunicationError(
        `Couldn't retrieve the ${what} from ${url.href}: the request ${reason}`,
      );
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new IdpCommunicationError(
        `Couldn't retrieve the ${what} from ${url.href}: HTTP ${response.status}`,
      );
    }
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body?.cancel();
      throw new IdpCommunicationError(`The ${what} at ${url.href} is larger than ${maxBytes} bytes`);
    }
    const text = await response.text();
    if (text.length > maxBytes) {
      throw new IdpCommunicationError(`The ${what} at ${url.href} is larger than ${maxBytes} bytes`);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new IdpCommunicationError(`The ${what} at ${url.href} is not JSON`);
    }
  }

  async function load(issuer: string): Promise<JSONWebKeySet> {
    const base = checkFetchableUrl(issuer, 'issuer');
    const discovery = await getJson(
      new URL(`${base.href.replace(/\/+$/, '')}${DISCOVERY_PATH}`),
      'OpenID Connect discovery document',
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
    const jwks = await getJson(checkFetchableUrl(doc.jwks_uri, 'jwks_uri'), 'JWKS');
    const keys = (jwks as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'object' && k !== null)) {
      throw new IdpCommunicationError(`The JWKS of ${issuer} has no "keys" array`);
    }
    return { keys: keys as JSONWebKeySet['keys'] };
  }

  return (issuer, request) => {
    const hit = cache.get(issuer);
    const age = hit === undefined ? Infinity : now() - hit.at;
    const stale = age > cacheMs || (request?.refresh === true && age > minRefreshMs);
    if (hit !== undefined && !stale) return hit.jwks;
    const entry = { jwks: load(issuer), at: now() };
    cache.set(issuer, entry);
    // A failure must not be cached: the next token tries again.
    entry.jwks.catch(() => {
      if (cache.get(issuer) === entry) cache.delete(issuer);
    });
    return entry.jwks;
  };
}
