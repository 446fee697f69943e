/**
 * The signing-key cache: a credential object seen before costs no hash of its secret and no
 * derivation, and a different secret (for the same access key id, or changed in place) never gets
 * another secret's signing key.
 */
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as hash from './hash.js';
import { deriveSigningKey, SigningKeyCache } from './signing-key.js';
import { smithySign } from './test-support/smithy.js';
import type { ResolvedCredential, SignedRequest, VerifyOptions } from './types.js';
import { verifyRequest } from './verify.js';

// Counts the calls of the two primitives the cache can spend on a lookup: the SHA-256 that
// fingerprints a secret, and the HMACs of a derivation. Both still compute the real thing.
vi.mock('./hash.js', async (importOriginal) => {
  const actual = await importOriginal<typeof hash>();
  return { ...actual, sha256Base64: vi.fn(actual.sha256Base64), hmac: vi.fn(actual.hmac) };
});
const fingerprints = vi.mocked(hash.sha256Base64);
const hmacs = vi.mocked(hash.hmac);

const AKID = 'AKIAEXAMPLEEXAMPLE01';
const OLD_SECRET = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycA';
const NEW_SECRET = 'cm90YXRlZHJvdGF0ZWRyb3RhdGVkcm90YXRlZHJvdA';
const T0 = Date.UTC(2024, 2, 1, 10, 0, 0);

/** How many times the secret was fingerprinted (the salt is prepended, the secret ends the input). */
const hashesOf = (secret: string) => fingerprints.mock.calls.filter(([data]) => data.endsWith(secret)).length;

beforeEach(() => {
  fingerprints.mockClear();
  hmacs.mockClear();
});

describe('SigningKeyCache', () => {
  it('derives the AWS signing key (four HMACs) once, then hands it back without hash or HMAC', () => {
    const cache = new SigningKeyCache();
    const owner = Object.freeze({ secretAccessKey: OLD_SECRET });
    const first = cache.get(OLD_SECRET, '20240301', 'us-east-1', 'sts', owner);
    expect(first.equals(deriveSigningKey(OLD_SECRET, '20240301', 'us-east-1', 'sts'))).toBe(true);
    fingerprints.mockClear();
    hmacs.mockClear();
    expect(cache.get(OLD_SECRET, '20240301', 'us-east-1', 'sts', owner)).toBe(first);
    expect(fingerprints).not.toHaveBeenCalled();
    expect(hmacs).not.toHaveBeenCalled();
  });

  it('does not hash a known owner’s secret again for another scope, and derives that scope’s key', () => {
    const cache = new SigningKeyCache();
    const owner = Object.freeze({ secretAccessKey: OLD_SECRET });
    const sts = cache.get(OLD_SECRET, '20240301', 'us-east-1', 'sts', owner);
    const iam = cache.get(OLD_SECRET, '20240301', 'us-east-1', 'iam', owner);
    expect(hashesOf(OLD_SECRET)).toBe(1);
    expect(iam.equals(deriveSigningKey(OLD_SECRET, '20240301', 'us-east-1', 'iam'))).toBe(true);
    // Alternating scopes: the shared map still answers, without hashing.
    expect(cache.get(OLD_SECRET, '20240301', 'us-east-1', 'sts', owner)).toBe(sts);
    expect(hashesOf(OLD_SECRET)).toBe(1);
  });

  it('never hands a rotated secret (new credential object, same access key id) the old key', () => {
    const cache = new SigningKeyCache();
    const before = { accessKeyId: AKID, secretAccessKey: OLD_SECRET };
    const after = { accessKeyId: AKID, secretAccessKey: NEW_SECRET };
    const oldKey = cache.get(OLD_SECRET, '20240301', 'us-east-1', 'sts', before);
    const newKey = cache.get(NEW_SECRET, '20240301', 'us-east-1', 'sts', after);
    expect(newKey.equals(oldKey)).toBe(false);
    expect(newKey.equals(deriveSigningKey(NEW_SECRET, '20240301', 'us-east-1', 'sts'))).toBe(true);
    expect(cache.get(OLD_SECRET, '20240301', 'us-east-1', 'sts', before)).toBe(oldKey);
  });

  it('never hands a secret changed in place on the same object the old key', () => {
    const cache = new SigningKeyCache();
    const owner = { secretAccessKey: OLD_SECRET };
    const oldKey = cache.get(owner.secretAccessKey, '20240301', 'us-east-1', 'sts', owner);
    owner.secretAccessKey = NEW_SECRET;
    const newKey = cache.get(owner.secretAccessKey, '20240301', 'us-east-1', 'sts', owner);
    expect(newKey.equals(oldKey)).toBe(false);
    expect(newKey.equals(deriveSigningKey(NEW_SECRET, '20240301', 'us-east-1', 'sts'))).toBe(true);
    expect(hashesOf(NEW_SECRET)).toBe(1);
  });

  it('without an owner, fingerprints the secret on every call and still shares the derived key', () => {
    const cache = new SigningKeyCache();
    const first = cache.get(OLD_SECRET, '20240301', 'us-east-1', 'sts');
    hmacs.mockClear();
    expect(cache.get(OLD_SECRET, '20240301', 'us-east-1', 'sts')).toBe(first);
    expect(hashesOf(OLD_SECRET)).toBe(2);
    expect(hmacs).not.toHaveBeenCalled();
  });

  it('derives again after clear(), even for an owner it remembers', () => {
    const cache = new SigningKeyCache();
    const owner = Object.freeze({ secretAccessKey: OLD_SECRET });
    cache.get(OLD_SECRET, '20240301', 'us-east-1', 'sts', owner);
    cache.clear();
    hmacs.mockClear();
    const again = cache.get(OLD_SECRET, '20240301', 'us-east-1', 'sts', owner);
    expect(hmacs).toHaveBeenCalledTimes(4);
    expect(again.equals(deriveSigningKey(OLD_SECRET, '20240301', 'us-east-1', 'sts'))).toBe(true);
    expect(cache.size).toBe(1);
  });

  it('keys the map by fingerprint, not secret: two owners of one secret share one entry', () => {
    const cache = new SigningKeyCache();
    const a = cache.get(OLD_SECRET, '20240301', 'us-east-1', 'sts', { secretAccessKey: OLD_SECRET });
    const b = cache.get(OLD_SECRET, '20240301', 'us-east-1', 'sts', { secretAccessKey: OLD_SECRET });
    expect(b).toBe(a);
    expect(cache.size).toBe(1);
  });
});

describe('verifyRequest with a lookup that returns a stable credential object', () => {
  let signedWithOld: SignedRequest;
  let signedWithNew: SignedRequest;
  beforeAll(async () => {
    const input = {
      method: 'POST',
      path: '/',
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    };
    const config = { accessKeyId: AKID, region: 'us-east-1', service: 'sts' };
    signedWithOld = await smithySign({ ...config, secretAccessKey: OLD_SECRET }, input, new Date(T0));
    signedWithNew = await smithySign({ ...config, secretAccessKey: NEW_SECRET }, input, new Date(T0));
  });

  it('hashes the secret once across verifications, and a rotated secret never verifies the old signature', () => {
    let current: ResolvedCredential = Object.freeze({ secretAccessKey: OLD_SECRET });
    const options: VerifyOptions = {
      lookup: () => current,
      now: () => T0,
      service: 'sts',
      signingKeyCache: new SigningKeyCache(),
    };
    verifyRequest(signedWithOld, options);
    verifyRequest(signedWithOld, options);
    expect(hashesOf(OLD_SECRET)).toBe(1);

    // The key is rotated under the same access key id: the lookup now returns a new object.
    current = Object.freeze({ secretAccessKey: NEW_SECRET });
    expect(() => verifyRequest(signedWithOld, options)).toThrow(
      expect.objectContaining({ code: 'SignatureDoesNotMatch' }),
    );
    expect(verifyRequest(signedWithNew, options).credential).toBe(current);
    verifyRequest(signedWithNew, options);
    expect(hashesOf(NEW_SECRET)).toBe(1);
  });
});
