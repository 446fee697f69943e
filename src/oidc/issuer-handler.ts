/**
 * The HTTP face of credplane's cluster issuers: `GET <issuer>/.well-known/openid-configuration`
 * and `GET <issuer>/openid/v1/jwks`, where `<issuer>` is `http://127.0.0.1:<port>/oidc/id/<ID>`.
 */
import type { ApiRequest, ApiResponse } from '../http/types.js';
import type { ClusterRegistry } from './cluster-registry.js';
import { DISCOVERY_PATH, discoveryDocument, JWKS_PATH } from './discovery.js';

export const ISSUER_PATH_PREFIX = '/oidc/';

const ROUTE = /^\/oidc\/id\/([0-9A-F]{32})(\/\.well-known\/openid-configuration|\/openid\/v1\/jwks)$/;

/**
 * Answers issuer requests; `undefined` for paths that are not an issuer's.
 *
 * @example
 * const oidc = createOidcIssuerHandler(registry);
 * const response = oidc(request) ?? (await controlPlane(request));
 */
export function createOidcIssuerHandler(
  registry: ClusterRegistry,
): (request: ApiRequest) => ApiResponse | undefined {
  return (request): ApiResponse | undefined => {
    const path = request.url.split('?', 1)[0] ?? '';
    if (!path.startsWith(ISSUER_PATH_PREFIX)) return undefined;
    const match = ROUTE.exec(path);
    const cluster = match === null ? undefined : registry.findById(match[1]!);
    if (cluster === undefined || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return {
        status: 404,
        headers: { 'content-type': 'application/json' },
        body: '{"message":"Not Found"}',
      };
    }
    const body =
      match![2] === DISCOVERY_PATH
        ? discoveryDocument(cluster.issuer)
        : match![2] === JWKS_PATH
          ? registry.jwks(cluster.name)
          : {};
    return {
      status: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=60' },
      body: JSON.stringify(body),
    };
  };
}
