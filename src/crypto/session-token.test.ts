import { describe, expect, it } from 'vitest';
import type { AwsError } from '../errors.js';
import { ValidationError } from '../errors.js';
import { ExpiredTokenError, InvalidClientTokenIdError, PackedPolicyTooLargeError } from './errors.js';
import { newTemporaryAccessKeyId } from './ids.js';
import { createKeyRing, rotateKeyRing } from './key-ring.js';
import { exportKeyRing, importKeyRing } from './key-ring-export.js';
import { generateMasterKey } from './master-key.js';
import { SECRET_ACCESS_KEY_PATTERN } from './secret-access-key.js';
import type { SessionClaims } from './session-claims.js';
import { MAX_SESSION_TOKEN_LENGTH, openSessionToken } from './session-token.js';
import { issueTemporaryCredentials } from './temporary-credentials.js';
import { largeClaims, T0, T0_SECONDS, typicalClaims } from './test-support/claims.js';

const ring = createKeyRing(T0);
const later = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

function expectInvalid(fn: () => unknown): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidClientTokenIdError);
  const error = thrown as AwsError;
  expect(error.code).toBe('InvalidClientTokenId');
  expect(error.status).toBe(403);
  expect(error.type).toBe('Sender');
  expect(error.message).toBe('The security token included in the request is invalid.');
}

describe('issueTemporaryCredentials', () => {
  it('returns AWS-shaped credentials', () => {
    const creds = issueTemporaryCredentials(typicalClaims(), ring, T0);
    expect(creds.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(creds.secretAccessKey).toMatch(SECRET_ACCESS_KEY_PATTERN);
    expect(creds.secretAccessKey).toHaveLength(40);
    expect(creds.sessionToken).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(creds.expiration).toEqual(new Date((T0_SECONDS + 21_600) * 1000));
  });

  it('gives every issue its own access key id and secret', () => {
    const a = issueTemporaryCredentials(typicalClaims(), ring, T0);
    const b = issueTemporaryCredentials(typicalClaims(), ring, T0);
    expect(a.accessKeyId).not.toBe(b.accessKeyId);
    expect(a.secretAccessKey).not.toBe(b.secretAccessKey);
    expect(a.sessionToken).not.toBe(b.sessionToken);
  });

  it('refuses malformed or already expired claims with ValidationError', () => {
    const claims = typicalClaims();
    expect(() => issueTemporaryCredentials({ ...claims, accountId: '1234' }, ring, T0)).toThrow(
      ValidationError,
    );
    expect(() => issueTemporaryCredentials({ ...claims, roleArn: '' }, ring, T0)).toThrow(ValidationError);
    expect(() => issueTemporaryCredentials({ ...claims, expiresAt: claims.issuedAt }, ring, T0)).toThrow(
      ValidationError,
    );
    expect(() => issueTemporaryCredentials(claims, ring, later(21_600))).toThrow(ValidationError);
  });

  it('refuses claims too large for a header with PackedPolicyTooLarge', () => {
    const tags = Array.from({ length: 50 }, (_, i) => ({
      key: `k${i}`.padEnd(128, 'x'),
      value: 'v'.repeat(256),
    }));
    let thrown: unknown;
    try {
      issueTemporaryCredentials({ ...largeClaims(), tags }, ring, T0);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PackedPolicyTooLargeError);
    expect((thrown as AwsError).status).toBe(400);
    expect((thrown as AwsError).message).toMatch(/^Packed policy consumes \d+% of allotted space/);
  });
});

describe('openSessionToken', () => {
  it('round-trips the typical claims and the derived secret', () => {
    const claims = typicalClaims();
    const creds = issueTemporaryCredentials(claims, ring, T0);
    const opened = openSessionToken(creds.sessionToken, creds.accessKeyId, ring, T0);
    expect(opened.claims).toEqual(claims);
    expect(opened.secretAccessKey).toBe(creds.secretAccessKey);
    expect(opened.keyId).toBe(ring.keys[0]?.id);
  });

  it('round-trips every optional claim', () => {
    const claims = largeClaims();
    const creds = issueTemporaryCredentials(claims, ring, T0);
    expect(openSessionToken(creds.sessionToken, creds.accessKeyId, ring, T0).claims).toEqual(claims);
  });

  it('keeps a multivalued delivery key and a "__proto__" key as plain data', () => {
    const context = JSON.parse('{"__proto__":"x","aws:SourceVpce":["vpce-1","vpce-2"]}') as Record<
      string,
      string
    >;
    const claims: SessionClaims = { ...typicalClaims(), deliveryContext: context };
    const creds = issueTemporaryCredentials(claims, ring, T0);
    const opened = openSessionToken(creds.sessionToken, creds.accessKeyId, ring, T0).claims.deliveryContext!;
    expect(Object.getPrototypeOf(opened)).toBe(Object.prototype);
    expect(Object.keys(opened)).toEqual(['__proto__', 'aws:SourceVpce']);
    expect(opened['aws:SourceVpce']).toEqual(['vpce-1', 'vpce-2']);
  });

  it('opens on another replica that imported the same ring', () => {
    const masterKey = generateMasterKey();
    const replica = importKeyRing(exportKeyRing(ring, masterKey), masterKey);
    const creds = issueTemporaryCredentials(typicalClaims(), ring, T0);
    expect(openSessionToken(creds.sessionToken, creds.accessKeyId, replica, T0).secretAccessKey).toBe(
      creds.secretAccessKey,
    );
  });

  it('rejects every single-byte change of the token with InvalidClientTokenId', () => {
    const creds = issueTemporaryCredentials(typicalClaims(), ring, T0);
    const bytes = Buffer.from(creds.sessionToken, 'base64');
    for (let i = 0; i < bytes.length; i++) {
      for (const flip of [0x01, 0x80, 0xff]) {
        const mutated = Buffer.from(bytes);
        mutated[i] = mutated[i]! ^ flip;
        expectInvalid(() => openSessionToken(mutated.toString('base64'), creds.accessKeyId, ring, T0));
      }
    }
  });

  it('rejects every single-character change of the token text, whatever its padding', () => {
    const paddings = new Set<number>();
    for (const roleSessionName of ['s', 'se', 'ses']) {
      const creds = issueTemporaryCredentials({ ...typicalClaims(), roleSessionName }, ring, T0);
      const text = creds.sessionToken;
      paddings.add(text.length - text.replace(/=+$/, '').length);
      for (let i = 0; i < text.length; i++) {
        for (const replacement of ['A', 'B', '/']) {
          if (replacement === text[i]) continue;
          const mutated = text.slice(0, i) + replacement + text.slice(i + 1);
          expectInvalid(() => openSessionToken(mutated, creds.accessKeyId, ring, T0));
        }
      }
    }
    expect([...paddings].sort()).toEqual([0, 1, 2]);
  });

  it('binds the token to its access key id', () => {
    const a = issueTemporaryCredentials(typicalClaims(), ring, T0);
    const b = issueTemporaryCredentials(typicalClaims(), ring, T0);
    expectInvalid(() => openSessionToken(a.sessionToken, b.accessKeyId, ring, T0));
    expectInvalid(() => openSessionToken(b.sessionToken, a.accessKeyId, ring, T0));
    expectInvalid(() => openSessionToken(a.sessionToken, newTemporaryAccessKeyId(), ring, T0));
  });

  it('is expired from the expiresAt second on (ExpiredToken, 403)', () => {
    const creds = issueTemporaryCredentials(typicalClaims(T0_SECONDS, 900), ring, T0);
    const expiresAtMs = (T0_SECONDS + 900) * 1000;
    expect(() =>
      openSessionToken(creds.sessionToken, creds.accessKeyId, ring, new Date(expiresAtMs - 1)),
    ).not.toThrow();
    let thrown: unknown;
    try {
      openSessionToken(creds.sessionToken, creds.accessKeyId, ring, new Date(expiresAtMs));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ExpiredTokenError);
    expect((thrown as AwsError).code).toBe('ExpiredToken');
    expect((thrown as AwsError).status).toBe(403);
    expect((thrown as AwsError).message).toBe('The security token included in the request is expired');
    expect(() => openSessionToken(creds.sessionToken, creds.accessKeyId, ring, new Date(NaN))).toThrow(
      ExpiredTokenError,
    );
  });

  it('checks authenticity before expiry: a tampered expired token is invalid, not expired', () => {
    const creds = issueTemporaryCredentials(typicalClaims(T0_SECONDS, 900), ring, T0);
    const bytes = Buffer.from(creds.sessionToken, 'base64');
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    expectInvalid(() => openSessionToken(bytes.toString('base64'), creds.accessKeyId, ring, later(10_000)));
  });

  it('opens tokens of an old key while the ring keeps it, and rejects them once it is retired', () => {
    const policy = { rotationIntervalSeconds: 3600 };
    const first = createKeyRing(T0);
    const old = issueTemporaryCredentials(typicalClaims(T0_SECONDS, 43_200), first, T0);
    const second = rotateKeyRing(first, later(3600), policy);
    const fresh = issueTemporaryCredentials(typicalClaims(T0_SECONDS + 3600, 3600), second, later(3600));
    expect(openSessionToken(fresh.sessionToken, fresh.accessKeyId, second, later(3600)).keyId).toBe(
      second.keys[1]?.id,
    );
    expect(openSessionToken(old.sessionToken, old.accessKeyId, second, later(3600)).keyId).toBe(
      first.keys[0]?.id,
    );
    // Retired at successor activation + 43,200 s; the old token has expired by then anyway, so
    // open with a clock before its expiry to see the key check alone.
    const third = rotateKeyRing(second, later(3600 + 43_200), policy);
    expect(third.keys.map((k) => k.id)).not.toContain(first.keys[0]?.id);
    expectInvalid(() => openSessionToken(old.sessionToken, old.accessKeyId, third, later(3600)));
    // A ring that never held the key rejects too.
    expectInvalid(() => openSessionToken(old.sessionToken, old.accessKeyId, createKeyRing(T0), T0));
  });

  it.each([
    ['an empty token', ''],
    ['non-base64 text', '%%%%'],
    ['base64 with whitespace', 'AQID BAUG'],
    ['a truncated header', 'AQID'],
    ['a huge token', 'A'.repeat(MAX_SESSION_TOKEN_LENGTH + 4)],
    ['a 10 MB token', 'QUFB'.repeat(2_500_000)],
    ['an AWS-looking token', 'IQoJb3JpZ2luX2VjEPr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ=='],
  ])('rejects %s with InvalidClientTokenId', (_, token) => {
    const creds = issueTemporaryCredentials(typicalClaims(), ring, T0);
    expectInvalid(() => openSessionToken(token, creds.accessKeyId, ring, T0));
  });

  it('rejects every truncation of a valid token', () => {
    const creds = issueTemporaryCredentials(typicalClaims(), ring, T0);
    const bytes = Buffer.from(creds.sessionToken, 'base64');
    for (let n = 0; n < bytes.length; n++) {
      expectInvalid(() =>
        openSessionToken(bytes.subarray(0, n).toString('base64'), creds.accessKeyId, ring, T0),
      );
    }
  });

  it.each([
    ['a long-term key id', 'AKIAAAAAAAAAAAAAAAAA'],
    ['a lower-case key id', 'asiaaaaaaaaaaaaaaaaa'],
    ['an empty key id', ''],
  ])('rejects %s with InvalidClientTokenId', (_, accessKeyId) => {
    const creds = issueTemporaryCredentials(typicalClaims(), ring, T0);
    expectInvalid(() => openSessionToken(creds.sessionToken, accessKeyId, ring, T0));
  });

  it('rejects non-string input without crashing', () => {
    const creds = issueTemporaryCredentials(typicalClaims(), ring, T0);
    expectInvalid(() => openSessionToken(undefined as unknown as string, creds.accessKeyId, ring, T0));
    expectInvalid(() => openSessionToken(creds.sessionToken, null as unknown as string, ring, T0));
    expectInvalid(() => openSessionToken({} as unknown as string, creds.accessKeyId, ring, T0));
  });
});

describe('token size (report figures)', () => {
  it('keeps a typical token well under AWS sizes and the stress case under the limit', () => {
    const typical = issueTemporaryCredentials(typicalClaims(), ring, T0).sessionToken.length;
    const large = issueTemporaryCredentials(largeClaims(), ring, T0).sessionToken.length;
    // Real STS/IMDS tokens are commonly 700-1,200 characters without session policy or tags.
    expect(typical).toBeLessThan(700);
    expect(large).toBeLessThan(MAX_SESSION_TOKEN_LENGTH);
    console.info(`session token sizes: typical ${typical} chars, 2048-char policy + 50 tags ${large} chars`);
  });
});
