/**
 * Property: whatever goes wrong, the error is a typed AwsError and says nothing secret — not the
 * secret access key, the session token, key material, nor the caller's (possibly secret) input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AwsError } from '../errors.js';
import { createKeyRing, idToNumber, findRingKey } from './key-ring.js';
import { exportKeyRing, importKeyRing } from './key-ring-export.js';
import { generateMasterKey } from './master-key.js';
import { generateLongTermAccessKey, openSecret, sealSecret } from './long-term-keys.js';
import { openSessionToken } from './session-token.js';
import { issueTemporaryCredentials } from './temporary-credentials.js';
import type { SessionClaims } from './session-claims.js';
import { T0, typicalClaims } from './test-support/claims.js';

const ring = createKeyRing(T0);
const masterKey = generateMasterKey();
const ringKey = findRingKey(ring, idToNumber(ring.keys[0]!.id))!;
const creds = issueTemporaryCredentials(typicalClaims(), ring, T0);
const longTerm = generateLongTermAccessKey();
const sealedSecret = sealSecret(longTerm.secretAccessKey, longTerm.accessKeyId, masterKey).toString('base64');
const ringBlob = exportKeyRing(ring, masterKey).toString('base64');

const SECRETS = [
  creds.secretAccessKey,
  creds.sessionToken,
  longTerm.secretAccessKey,
  sealedSecret,
  ringBlob,
  ...[masterKey, ringKey.material, ringKey.tokenKey, ringKey.secretKey, ringKey.storedSecretKey].flatMap(
    (k) => [Buffer.from(k).toString('base64'), Buffer.from(k).toString('hex')],
  ),
];

/** Runs `fn`; if it throws, the error must be a clean AwsError. */
function expectCleanFailure(fn: () => unknown, inputs: readonly string[]): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AwsError);
    const { message, cause } = error as AwsError;
    expect(cause).toBeUndefined();
    for (const secret of SECRETS) expect(message).not.toContain(secret.slice(0, 16));
    for (const input of inputs) if (input.length >= 8) expect(message).not.toContain(input);
    return;
  }
}

/** Tokens close to the real one: flipped bytes, cut, spliced with garbage. */
const nearToken = fc.oneof(
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([pos, flip]) => {
    const bytes = Buffer.from(creds.sessionToken, 'base64');
    const i = pos % bytes.length;
    bytes[i] = bytes[i]! ^ flip;
    return bytes.toString('base64');
  }),
  fc.nat().map((n) => creds.sessionToken.slice(0, n % creds.sessionToken.length)),
  fc.tuple(fc.nat(), fc.string()).map(([n, s]) => creds.sessionToken.slice(0, n % 600) + s),
  fc.base64String({ maxLength: 2000 }),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
);

describe('errors never carry secrets', () => {
  it('openSessionToken', () => {
    fc.assert(
      fc.property(
        nearToken,
        fc.constantFrom(creds.accessKeyId, 'ASIAAAAAAAAAAAAAAAAA', longTerm.accessKeyId),
        (t, id) => {
          expectCleanFailure(() => openSessionToken(t, id, ring, T0), [t]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('openSessionToken with the genuine token and the wrong key id, ring or time', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.integer({ min: 0, max: 10 ** 6 }), (id, seconds) => {
        const later = new Date(T0.getTime() + seconds * 1000);
        expectCleanFailure(() => openSessionToken(creds.sessionToken, id, ring, later), [id]);
        expectCleanFailure(
          () => openSessionToken(creds.sessionToken, creds.accessKeyId, createKeyRing(T0), later),
          [],
        );
      }),
      { numRuns: 50 },
    );
  });

  it('openSecret and importKeyRing', () => {
    const blobs = fc.oneof(
      fc.constantFrom(sealedSecret, ringBlob),
      fc.base64String({ maxLength: 400 }),
      fc.string({ maxLength: 100 }),
    );
    fc.assert(
      fc.property(blobs, fc.boolean(), (blob, rightKey) => {
        const key = rightKey ? masterKey : generateMasterKey();
        expectCleanFailure(() => openSecret(blob, longTerm.accessKeyId, key), [blob]);
        expectCleanFailure(() => openSecret(blob, longTerm.accessKeyId, ring), [blob]);
        expectCleanFailure(() => importKeyRing(blob, key), [blob]);
      }),
      { numRuns: 100 },
    );
  });

  it('issueTemporaryCredentials and sealSecret with bad input that looks secret', () => {
    const fields = [
      'accountId',
      'roleArn',
      'roleId',
      'roleName',
      'roleSessionName',
      'issuedAt',
      'expiresAt',
    ] as const;
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.constantFrom(...SECRETS), (field, secret) => {
        const claims = {
          ...typicalClaims(),
          [field]: field.endsWith('At') ? Number.NaN : '',
        } as SessionClaims;
        const leaky = { ...claims, roleSessionName: secret } as SessionClaims;
        expectCleanFailure(() => issueTemporaryCredentials(leaky, ring, T0), [secret]);
        expectCleanFailure(() => sealSecret(secret.repeat(200), longTerm.accessKeyId, masterKey), [secret]);
        expectCleanFailure(() => exportKeyRing(ring, Buffer.from(secret)), [secret]);
      }),
      { numRuns: 60 },
    );
  });
});
