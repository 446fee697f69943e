/**
 * What a running control plane needs from `oidc`: the registry of its cluster issuers, the HTTP
 * handler that publishes their discovery documents and JWKS, and the web identity token verifier
 * (credplane's own issuers resolved in process, any other registered issuer over HTTP(S)).
 */
import type { MasterKey } from '../crypto/index.js';
import type { Store } from '../store/store.js';
import { ClusterRegistry } from './cluster-registry.js';
import { createOidcIssuerHandler } from './issuer-handler.js';
import { chainJwksResolvers, createHttpJwksResolver } from './jwks-resolver.js';
import { localClusterJwks, storeProviderLookup } from './provider-lookup.js';
import { createWebIdentityVerifier, type WebIdentityVerifier } from './verify-web-identity-token.js';
import type { ApiRequest, ApiResponse } from '../http/types.js';

export interface OidcServiceOptions {
  dataDir: string;
  masterKey: MasterKey;
  store: Store;
  partition: string;
  now?: () => number;
}

export interface OidcService {
  registry: ClusterRegistry;
  issuerHandler: (request: ApiRequest) => ApiResponse | undefined;
  verifyWebIdentity: WebIdentityVerifier;
}

/**
 * @example
 * const oidc = createOidcService({ dataDir, masterKey, store, partition: 'aws' });
 * createRouter({ query: createQueryApiHandler({ ..., webIdentity: oidc.verifyWebIdentity }), oidcIssuer: oidc.issuerHandler });
 */
export function createOidcService(options: OidcServiceOptions): OidcService {
  const registry = new ClusterRegistry({
    dataDir: options.dataDir,
    masterKey: options.masterKey,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  return {
    registry,
    issuerHandler: createOidcIssuerHandler(registry),
    verifyWebIdentity: createWebIdentityVerifier({
      findProvider: storeProviderLookup(options.store, options.partition),
      resolveJwks: chainJwksResolvers(localClusterJwks(registry), createHttpJwksResolver()),
      // Its own clusters' issuers are served on the loopback port over http; their keys never
      // leave the process (`localClusterJwks`), so they are exempt from the https rule.
      localIssuer: (issuer) => registry.findByIssuer(issuer) !== undefined,
      ...(options.now === undefined ? {} : { now: options.now }),
    }),
  };
}
