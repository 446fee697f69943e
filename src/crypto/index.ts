/**
 * credplane/crypto — the key ring, sealed session credentials and long-term keys.
 *
 * A pure library: no I/O, no environment, no clock reads except where a `now` default says so.
 * Loading the master key from env or file is `src/server/master-key.ts`.
 */
export {
  ExpiredTokenError,
  InvalidClientTokenIdError,
  PackedPolicyTooLargeError,
  SealedDataError,
  EXPIRED_TOKEN_MESSAGE,
  INVALID_TOKEN_MESSAGE,
} from './errors.js';
export {
  newUniqueId,
  newTemporaryAccessKeyId,
  newLongTermAccessKeyId,
  isTemporaryAccessKeyId,
  isLongTermAccessKeyId,
  UNIQUE_ID_PATTERN,
  TEMPORARY_ACCESS_KEY_ID_PATTERN,
  LONG_TERM_ACCESS_KEY_ID_PATTERN,
} from './ids.js';
export type { UniqueIdPrefix, AccessKeyId, TemporaryAccessKeyId, LongTermAccessKeyId } from './ids.js';
export { generateMasterKey, assertMasterKey } from './master-key.js';
export type { MasterKey } from './master-key.js';
export { createKeyRing, rotateKeyRing, nextKeyRingChange, DEFAULT_MAX_SESSION_SECONDS } from './key-ring.js';
export type { KeyRing, KeyId, RingKeyInfo, KeyRotationPolicy, EpochSeconds } from './key-ring.js';
export { exportKeyRing, importKeyRing } from './key-ring-export.js';
export type { SessionClaims, SessionTag, ConditionValue } from './session-claims.js';
export { checkSessionClaims } from './session-claims.js';
export { openSessionToken, MAX_SESSION_TOKEN_LENGTH, SESSION_TOKEN_VERSION } from './session-token.js';
export type { OpenedSession } from './session-token.js';
export { issueTemporaryCredentials } from './temporary-credentials.js';
export type { TemporaryCredentials } from './temporary-credentials.js';
export { SECRET_ACCESS_KEY_PATTERN } from './secret-access-key.js';
export { generateLongTermAccessKey, sealSecret, openSecret } from './long-term-keys.js';
export type { LongTermAccessKey, SecretSealer } from './long-term-keys.js';
export { constantTimeEqual } from './constant-time.js';
export { sealMessage, openMessage } from './sealed-message.js';
