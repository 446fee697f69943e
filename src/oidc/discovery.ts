/**
 * The OpenID Connect discovery document a Kubernetes API server (and EKS's OIDC endpoint) serves,
 * and where it lives (OpenID Connect Discovery 1.0 §3–§4; IAM User Guide, Create an OpenID
 * Connect (OIDC) identity provider in IAM). Pure.
 */

/** Where the JWKS of `issuer` is published (Kubernetes' own path). */
export const JWKS_PATH = '/openid/v1/jwks';
export const DISCOVERY_PATH = '/.well-known/openid-configuration';

export interface DiscoveryDocument {
  issuer: string;
  jwks_uri: string;
  authorization_endpoint: string;
  response_types_supported: string[];
  subject_types_supported: string[];
  id_token_signing_alg_values_supported: string[];
  claims_supported: string[];
}

/**
 * @example
 * discoveryDocument('http://127.0.0.1:7300/oidc/id/ABC').jwks_uri; // '…/oidc/id/ABC/openid/v1/jwks'
 */
export function discoveryDocument(issuer: string): DiscoveryDocument {
  return {
    issuer,
    jwks_uri: `${issuer.replace(/\/+$/, '')}${JWKS_PATH}`,
    authorization_endpoint: 'urn:kubernetes:programmatic_authorization',
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    claims_supported: ['sub', 'iss'],
  };
}

/** `host/path` of an issuer URL: the IAM provider's `Url` and the condition-key prefix. */
export function issuerHostPath(issuer: string): string {
  return issuer.replace(/^https?:\/\//i, '').replace(/\/+$/, '');
}
