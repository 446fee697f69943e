/**
 * Minting temporary credentials: a random `ASIA…` access key id, its derived secret, and the
 * session token that carries the claims. Nothing is stored; `openSessionToken` undoes it.
 */
import { ValidationError } from '../errors.js';
import { PackedPolicyTooLargeError } from './errors.js';
import { newTemporaryAccessKeyId } from './ids.js';
import type { TemporaryAccessKeyId } from './ids.js';
import { sealingKey } from './key-ring.js';
import type { KeyRing } from './key-ring.js';
import { deriveSecretAccessKey } from './secret-access-key.js';
import { checkSessionClaims } from './session-claims.js';
import type { SessionClaims } from './session-claims.js';
import { MAX_SESSION_TOKEN_LENGTH, sealSessionToken } from './session-token.js';

/** The four values every delivery channel hands out (`Credentials` in STS, the IMDS JSON, …). */
export interface TemporaryCredentials {
  readonly accessKeyId: TemporaryAccessKeyId;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** `claims.expiresAt`; render with `toISOString()` minus milliseconds for the wire (`Z`,
   * no fraction: JS `fromHttp` rejects offsets and botocore parses only `%Y-%m-%dT%H:%M:%SZ`). */
  readonly expiration: Date;
}

/**
 * Credentials for the session `claims` describes, sealed with the ring's current key at `now`.
 *
 * Throws `ValidationError` for malformed claims or claims already expired at `now`, and
 * `PackedPolicyTooLargeError` when policy and tags make the token longer than
 * `MAX_SESSION_TOKEN_LENGTH`.
 *
 * @example
 * const now = new Date();
 * const issuedAt = Math.floor(now.getTime() / 1000);
 * const creds = issueTemporaryCredentials(
 *   { accountId: '123456789012', roleArn, roleId, roleName, roleSessionName: 'i-0abc',
 *     issuedAt, expiresAt: issuedAt + 3600, deliveryContext: { 'ec2:RoleDelivery': '2.0' } },
 *   ring, now);
 */
export function issueTemporaryCredentials(
  claims: SessionClaims,
  ring: KeyRing,
  now: Date,
): TemporaryCredentials {
  checkSessionClaims(claims);
  if (!(now.getTime() < claims.expiresAt * 1000)) {
    throw new ValidationError('Session claim expiresAt must be after the issue time');
  }
  const key = sealingKey(ring, now);
  const accessKeyId = newTemporaryAccessKeyId();
  const sessionToken = sealSessionToken(claims, accessKeyId, key);
  if (sessionToken.length > MAX_SESSION_TOKEN_LENGTH) {
    throw new PackedPolicyTooLargeError(Math.ceil((sessionToken.length / MAX_SESSION_TOKEN_LENGTH) * 100));
  }
  return {
    accessKeyId,
    secretAccessKey: deriveSecretAccessKey(accessKeyId, key),
    sessionToken,
    expiration: new Date(claims.expiresAt * 1000),
  };
}
