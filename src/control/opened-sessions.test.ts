import { describe, expect, it } from 'vitest';
import { ExpiredTokenError, InvalidClientTokenIdError } from '../crypto/errors.js';
import { createKeyRing } from '../crypto/key-ring.js';
import { openSessionToken } from '../crypto/session-token.js';
import { issueTemporaryCredentials } from '../crypto/temporary-credentials.js';
import { T0, typicalClaims } from '../crypto/test-support/claims.js';
import { openSessionTokenCached } from './opened-sessions.js';

const ring = createKeyRing(T0);
const creds = issueTemporaryCredentials(typicalClaims(), ring, T0);
const now = T0.getTime();

describe('openSessionTokenCached', () => {
  it('opens as openSessionToken does, and hands back the same opening on the next use', () => {
    const first = openSessionTokenCached(creds.sessionToken, creds.accessKeyId, ring, now);
    expect(first).toEqual(openSessionToken(creds.sessionToken, creds.accessKeyId, ring, T0));
    expect(first.secretAccessKey).toBe(creds.secretAccessKey);
    expect(openSessionTokenCached(creds.sessionToken, creds.accessKeyId, ring, now + 1000)).toBe(first);
  });

  it('hands back a frozen opening: callers share it and key caches by its identity', () => {
    const opened = openSessionTokenCached(creds.sessionToken, creds.accessKeyId, ring, now);
    expect(Object.isFrozen(opened)).toBe(true);
  });

  it('still expires a remembered token at its expiry second', () => {
    openSessionTokenCached(creds.sessionToken, creds.accessKeyId, ring, now);
    const expiry = typicalClaims().expiresAt * 1000;
    expect(() =>
      openSessionTokenCached(creds.sessionToken, creds.accessKeyId, ring, expiry - 1),
    ).not.toThrow();
    expect(() => openSessionTokenCached(creds.sessionToken, creds.accessKeyId, ring, expiry)).toThrow(
      ExpiredTokenError,
    );
  });

  it('does not lend a token to another access key id', () => {
    openSessionTokenCached(creds.sessionToken, creds.accessKeyId, ring, now);
    const other = issueTemporaryCredentials(typicalClaims(), ring, T0);
    expect(() => openSessionTokenCached(creds.sessionToken, other.accessKeyId, ring, now)).toThrow(
      InvalidClientTokenIdError,
    );
  });

  it('opens afresh under another key ring (a ring without the sealing key refuses)', () => {
    openSessionTokenCached(creds.sessionToken, creds.accessKeyId, ring, now);
    expect(() =>
      openSessionTokenCached(creds.sessionToken, creds.accessKeyId, createKeyRing(T0), now),
    ).toThrow(InvalidClientTokenIdError);
  });
});
