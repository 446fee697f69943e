/** The parts of a client's request the gateway reads before any stage: headers, target, operation, address. */
import type http from 'node:http';
import { connectionTokens } from '../forward.js';

/** Headers of the caller's signature; the backend gets the gateway's own. */
const AUTH_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-content-sha256',
  'host',
  'content-length',
]);

/**
 * Lower-cased headers, repeated ones joined with `,` (what mappers read). A header the `Connection`
 * header lists is hop-by-hop and never forwarded, so the mapper must not see it either: otherwise
 * it could select an operation (`x-amz-target`, `x-amz-copy-source`) the backend never gets.
 */
export function flatHeaders(raw: readonly string[]): Record<string, string | undefined> {
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
export function originForm(url: string): string {
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
export function operationNamed(req: http.IncomingMessage): string | undefined {
  const target = req.headers['x-amz-target'];
  const fromTarget = typeof target === 'string' ? target.slice(target.lastIndexOf('.') + 1) : undefined;
  const action = fromTarget ?? /[?&]Action=([A-Za-z0-9]+)(?:&|$)/.exec(req.url ?? '')?.[1];
  return action !== undefined && /^[A-Za-z0-9]{1,128}$/.test(action) ? action : undefined;
}

export function stripMapped(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
