/**
 * The credential lookup behind `authenticate`, through the real control-plane handler: warm
 * requests reuse one credential object, so the signing-key cache hashes a secret once, not per
 * request; and a rotated secret under the same access key id never verifies with the old one.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as hash from '../sigv4/hash.js';
import { createTestPlane, credentialsOf, type TestPlane } from '../server/test-support/plane.js';

vi.mock('../sigv4/hash.js', async (importOriginal) => {
  const actual = await importOriginal<typeof hash>();
  return { ...actual, sha256Base64: vi.fn(actual.sha256Base64) };
});
const fingerprints = vi.mocked(hash.sha256Base64);
/** The signing-key cache fingerprints `salt + secret`: the calls whose input ends with `secret`. */
const hashesOf = (secret: string) => fingerprints.mock.calls.filter(([data]) => data.endsWith(secret)).length;

const IDENTITY = { Action: 'GetCallerIdentity', Version: '2011-06-15' };
const errorCode = (text: string) => /<Code>([^<]+)<\/Code>/.exec(text)?.[1];

let plane: TestPlane;
beforeEach(async () => {
  plane = await createTestPlane();
  fingerprints.mockClear();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await plane.close();
});

describe('authenticate: the signing-key cache on warm requests', () => {
  it('hashes an admin key’s secret once for many requests', async () => {
    for (let i = 0; i < 3; i++) expect((await plane.call('sts', plane.admin, IDENTITY)).status).toBe(200);
    expect(hashesOf(plane.admin.secretAccessKey)).toBe(1);
  });

  it('hashes a session’s secret once for many requests signed with its token', async () => {
    const issued = await plane.call('sts', plane.admin, { Action: 'GetSessionToken', Version: '2011-06-15' });
    expect(issued.status).toBe(200);
    const session = credentialsOf(issued.text);
    for (let i = 0; i < 3; i++) expect((await plane.call('sts', session, IDENTITY)).status).toBe(200);
    expect(hashesOf(session.secretAccessKey)).toBe(1);
  });
});

describe('authenticate: a different secret for the same access key id', () => {
  const rotated = 'cm90YXRlZHJvdGF0ZWRyb3RhdGVkcm90YXRlZHJvdA';

  it('a reloaded admin record with a new secret: the old secret no longer verifies', async () => {
    expect((await plane.call('sts', plane.admin, IDENTITY)).status).toBe(200);
    const record = plane.snapshot.adminKey(plane.admin.accessKeyId)!;
    vi.spyOn(plane.snapshot, 'adminKey').mockReturnValue({ ...record, secretAccessKey: rotated });

    const stale = await plane.call('sts', plane.admin, IDENTITY);
    expect(stale.status).toBe(403);
    expect(errorCode(stale.text)).toBe('SignatureDoesNotMatch');
    const fresh = await plane.call('sts', { ...plane.admin, secretAccessKey: rotated }, IDENTITY);
    expect(fresh.status).toBe(200);
  });

  it('an admin record whose secret changed in place: the old secret no longer verifies', async () => {
    expect((await plane.call('sts', plane.admin, IDENTITY)).status).toBe(200);
    const record = plane.snapshot.adminKey(plane.admin.accessKeyId)!;
    record.secretAccessKey = rotated;

    const stale = await plane.call('sts', plane.admin, IDENTITY);
    expect(stale.status).toBe(403);
    expect(errorCode(stale.text)).toBe('SignatureDoesNotMatch');
    expect((await plane.call('sts', { ...plane.admin, secretAccessKey: rotated }, IDENTITY)).status).toBe(
      200,
    );
  });
});
