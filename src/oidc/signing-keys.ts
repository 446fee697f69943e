/**
 * A cluster issuer's RS256 signing keys. The first key signs; a rotated-out key stays published
 * in the JWKS until every token it signed has expired (`publishUntil`), so rotation never breaks a
 * running pod. Key ids are the base64url SHA-256 of the DER public key, as Kubernetes has used
 * since 1.16 (Kubernetes `pkg/serviceaccount/jwt.go`).
 *
 * Pure: no I/O. Persisting a set (sealed under the master key) is `sealed-key-set.ts`.
 */
import { createHash, createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';

export interface SigningKey {
  kid: string;
  /** The RSA private key as a JWK (`kty`, `n`, `e`, `d`, `p`, `q`, ...). */
  privateJwk: JsonWebKey;
  /** Epoch seconds. */
  createdAt: number;
  /** Set once rotated out: the key no longer signs and is published until this epoch second. */
  publishUntil?: number;
}

export interface SigningKeySet {
  /** Newest first; `keys[0]` signs. */
  keys: SigningKey[];
}

/** A JWKS entry as Kubernetes and EKS publish it. */
export interface PublicJwk {
  kty: 'RSA';
  kid: string;
  use: 'sig';
  alg: 'RS256';
  n: string;
  e: string;
}

/** The longest a minted token may live (the ceiling amazon-eks-pod-identity-webhook applies to
 * `eks.amazonaws.com/token-expiration`). */
export const MAX_TOKEN_SECONDS = 86_400;

/** The key id Kubernetes uses: base64url(SHA-256(DER SubjectPublicKeyInfo)). */
export function keyIdOf(privateJwk: JsonWebKey): string {
  const der = createPublicKey({ key: privateJwk, format: 'jwk' }).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}

/**
 * A fresh 2048-bit RSA signing key.
 *
 * @example
 * const set: SigningKeySet = { keys: [generateSigningKey(now)] };
 */
export function generateSigningKey(nowSeconds: number): SigningKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateJwk = privateKey.export({ format: 'jwk' });
  return { kid: keyIdOf(privateJwk), privateJwk, createdAt: nowSeconds };
}

/**
 * A new signing key in front; the old signer keeps being published for `maxTokenSeconds` (plus a
 * minute for clock skew), keys whose time is up are dropped.
 *
 * @example
 * set = rotateSigningKeys(set, now);
 */
export function rotateSigningKeys(
  set: SigningKeySet,
  nowSeconds: number,
  maxTokenSeconds: number = MAX_TOKEN_SECONDS,
): SigningKeySet {
  const retired = set.keys.map((k, i) =>
    i === 0 && k.publishUntil === undefined ? { ...k, publishUntil: nowSeconds + maxTokenSeconds + 60 } : k,
  );
  return pruneSigningKeys({ keys: [generateSigningKey(nowSeconds), ...retired] }, nowSeconds);
}

/** The set without rotated-out keys whose tokens can no longer be valid. */
export function pruneSigningKeys(set: SigningKeySet, nowSeconds: number): SigningKeySet {
  return { keys: set.keys.filter((k, i) => i === 0 || (k.publishUntil ?? Infinity) > nowSeconds) };
}

/** The signing key; throws when the set is empty (a corrupted key file must not mint anything). */
export function activeSigningKey(set: SigningKeySet): SigningKey {
  const key = set.keys[0];
  if (key === undefined || key.publishUntil !== undefined) {
    throw new Error('The issuer has no active signing key');
  }
  return key;
}

/**
 * The JWKS to publish at `nowSeconds`: the signer and every rotated-out key still in its window.
 *
 * @example
 * JSON.stringify(publishedJwks(set, now)); // {"keys":[{"kty":"RSA","kid":"…","use":"sig","alg":"RS256",…}]}
 */
export function publishedJwks(set: SigningKeySet, nowSeconds: number): { keys: PublicJwk[] } {
  return {
    keys: pruneSigningKeys(set, nowSeconds).keys.map((k) => ({
      kty: 'RSA',
      kid: k.kid,
      use: 'sig',
      alg: 'RS256',
      n: String(k.privateJwk.n),
      e: String(k.privateJwk.e),
    })),
  };
}
