/**
 * IAM OIDC providers from the Store, in the shape the token verifier wants, and the key sources
 * credplane uses in a running control plane (its own clusters in process, others over HTTP).
 */
import type { JSONWebKeySet } from 'jose';
import { isAwsError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { ClusterRegistry } from './cluster-registry.js';
import type { RegisteredProvider } from './verify-web-identity-token.js';

/**
 * @example
 * createWebIdentityVerifier({ findProvider: storeProviderLookup(store, 'aws'), resolveJwks });
 */
export function storeProviderLookup(
  store: Store,
  partition: string,
): (accountId: string, hostPath: string) => Promise<RegisteredProvider | undefined> {
  return async (accountId, hostPath) => {
    const arn = `arn:${partition}:iam::${accountId}:oidc-provider/${hostPath}`;
    try {
      const provider = await store.getOidcProvider(arn);
      return {
        arn: provider.arn,
        url: provider.url,
        clientIds: provider.clientIds,
        thumbprints: provider.thumbprints,
      };
    } catch (error) {
      if (isAwsError(error) && (error.code === 'NoSuchEntity' || error.code === 'InvalidInput'))
        return undefined;
      throw error;
    }
  };
}

/** The JWKS of one of credplane's own cluster issuers, without HTTP. */
export function localClusterJwks(registry: ClusterRegistry): (issuer: string) => JSONWebKeySet | undefined {
  return (issuer) => {
    const cluster = registry.findByIssuer(issuer);
    return cluster === undefined ? undefined : (registry.jwks(cluster.name) as JSONWebKeySet);
  };
}
