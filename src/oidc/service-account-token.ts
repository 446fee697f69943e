/**
 * Projected service-account tokens minted as the kubelet obtains them from the API server's
 * TokenRequest (Kubernetes `pkg/serviceaccount/claims.go`; Kubernetes documentation, Service account token
 * volume projection):
 * RS256 with `kid`, `aud` as a JSON array, `sub` = `system:serviceaccount:<ns>:<sa>`,
 * `iat` = `nbf`, `exp` = `iat + expirationSeconds`, a random `jti`, and the `kubernetes.io` claim.
 */
import { createPrivateKey, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SigningKey } from './signing-keys.js';

export interface KubernetesObjectRef {
  name: string;
  uid: string;
}

export interface ServiceAccountTokenRequest {
  issuer: string;
  namespace: string;
  serviceAccount: KubernetesObjectRef;
  /** The pod the token is bound to; absent for a token bound to the service account only. */
  pod?: KubernetesObjectRef;
  node?: KubernetesObjectRef;
  audiences: readonly string[];
  expirationSeconds: number;
  /** Epoch seconds. */
  now: number;
}

/** What the `kubernetes.io` claim holds. */
export interface KubernetesClaim {
  namespace: string;
  serviceaccount: KubernetesObjectRef;
  pod?: KubernetesObjectRef;
  node?: KubernetesObjectRef;
}

/** The token's subject for a service account. */
export function serviceAccountSubject(namespace: string, serviceAccount: string): string {
  return `system:serviceaccount:${namespace}:${serviceAccount}`;
}

/**
 * A signed token and its expiry (epoch seconds).
 *
 * @example
 * const { token } = await mintServiceAccountToken(activeSigningKey(set), {
 *   issuer, namespace: 'payments', serviceAccount: { name: 'api', uid }, pod: { name: 'api-0', uid: podUid },
 *   audiences: ['sts.amazonaws.com'], expirationSeconds: 86400, now: Math.floor(Date.now() / 1000),
 * });
 */
export async function mintServiceAccountToken(
  key: SigningKey,
  request: ServiceAccountTokenRequest,
): Promise<{ token: string; expiresAt: number }> {
  if (request.audiences.length === 0) throw new Error('A service-account token needs an audience');
  const k8s: KubernetesClaim = {
    namespace: request.namespace,
    serviceaccount: { name: request.serviceAccount.name, uid: request.serviceAccount.uid },
    ...(request.pod === undefined ? {} : { pod: { name: request.pod.name, uid: request.pod.uid } }),
    ...(request.node === undefined ? {} : { node: { name: request.node.name, uid: request.node.uid } }),
  };
  const expiresAt = request.now + request.expirationSeconds;
  const token = await new SignJWT({ 'kubernetes.io': k8s })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .setIssuer(request.issuer)
    .setSubject(serviceAccountSubject(request.namespace, request.serviceAccount.name))
    .setAudience([...request.audiences])
    .setIssuedAt(request.now)
    .setNotBefore(request.now)
    .setExpirationTime(expiresAt)
    .setJti(randomUUID())
    .sign(createPrivateKey({ key: key.privateJwk, format: 'jwk' }));
  return { token, expiresAt };
}
