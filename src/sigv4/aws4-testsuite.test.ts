/**
 * The AWS SigV4 test suite (test/fixtures/aws4_testsuite, the current suite as botocore ships it):
 * every signed request verifies and the canonical request and string to sign we compute equal the
 * suite's byte for byte.
 *
 * botocore skips four of these cases: `normalize-path/get-space` (its raw-request parser cannot
 * read a request line with a space in the target; ours can) and the three repeated-key query
 * cases `get-vanilla-query-order-key`, `-key-case`, `-value` (botocore's signer keeps its own
 * parameter order); all four verify here.
 */
import { describe, expect, it } from 'vitest';
import { verifyRequest } from './verify.js';
import { loadSuite, signedRequestOf, type SuiteCase } from './test-support/aws4-testsuite.js';
import { computedSigning, SUITE_TOKEN, suiteOptions } from './test-support/harness.js';
import type { SignedRequest } from './types.js';

const suite = loadSuite();
const byName = new Map(suite.map((c) => [c.name, c]));

function requestOf(c: SuiteCase): SignedRequest {
  const raw = signedRequestOf(c);
  return { method: raw.method, url: raw.target, headers: raw.headers, body: raw.body };
}

/** The session token a case's signed request carries (`X-Amz-Security-Token`), if any. */
function tokenOf(c: SuiteCase): string | undefined {
  return signedRequestOf(c).headers.find(([n]) => n.toLowerCase() === 'x-amz-security-token')?.[1];
}

function optionsOf(c: SuiteCase) {
  return suiteOptions(tokenOf(c));
}

describe('AWS SigV4 test suite', () => {
  it('has all 34 cases, each file non-empty', () => {
    expect(suite).toHaveLength(34);
    for (const name of [
      'get-vanilla-query-order-encoded',
      'get-vanilla-with-session-token',
      'get-special-character',
    ])
      expect(byName.has(name)).toBe(true);
    for (const c of suite)
      for (const text of [c.req, c.creq, c.sts, c.authz, c.sreq]) expect(text.length).toBeGreaterThan(0);
  });

  for (const c of suite) {
    it(`${c.group ? `${c.group}/` : ''}${c.name}: verifies, .creq and .sts reproduced byte for byte`, () => {
      const request = requestOf(c);
      const caller = verifyRequest(request, optionsOf(c));
      expect(caller.accessKeyId).toBe('AKIDEXAMPLE');
      expect(caller.region).toBe('us-east-1');
      expect(caller.service).toBe('service');
      expect(caller.presigned).toBe(false);
      expect(caller.requestTime.toISOString()).toBe('2015-08-30T12:36:00.000Z');
      expect(caller.sessionToken).toBe(tokenOf(c));
      if (c.group === 'post-sts-token') expect(caller.sessionToken).toBe(SUITE_TOKEN);
      const { creq, sts } = computedSigning(request, optionsOf(c));
      expect(creq).toBe(c.creq);
      expect(sts).toBe(c.sts);
    });
  }

  it('get-header-value-multiline: a folded value canonicalises with single spaces, unlike repeated headers', () => {
    const c = byName.get('get-header-value-multiline')!;
    const raw = signedRequestOf(c);
    const folded = raw.headers.find(([n]) => n === 'My-Header1')!;
    expect(folded[1]).toBe('value1\n  value2\n     value3');
    expect(c.creq).toContain('\nmy-header1:value1 value2 value3\n');
    // The same values sent as three separate headers are a different canonical request.
    const split: Array<[string, string]> = raw.headers.flatMap(([n, v]): Array<[string, string]> =>
      n === 'My-Header1' ? v.split('\n').map((part): [string, string] => [n, part]) : [[n, v]],
    );
    const request = { method: raw.method, url: raw.target, headers: split };
    expect(computedSigning(request, optionsOf(c)).creq).toContain('\nmy-header1:value1,value2,value3\n');
    expect(() => verifyRequest(request, optionsOf(c))).toThrow(
      expect.objectContaining({ code: 'SignatureDoesNotMatch' }),
    );
  });

  it('post-sts-header-after: the unsigned token is still passed to, and checked by, the lookup', () => {
    const c = byName.get('post-sts-header-after')!;
    const request = requestOf(c);
    expect(verifyRequest(request, optionsOf(c)).sessionToken).toBe(SUITE_TOKEN);
    expect(() => verifyRequest(request, suiteOptions('another-token'))).toThrow(
      expect.objectContaining({ code: 'InvalidClientTokenId' }),
    );
  });

  it('accepts node-style flat rawHeaders and a plain record alike', () => {
    const c = byName.get('get-header-value-order')!;
    const request = requestOf(c);
    const flat = (request.headers as Array<[string, string]>).flat();
    expect(verifyRequest({ ...request, headers: flat }, optionsOf(c)).accessKeyId).toBe('AKIDEXAMPLE');
    const record = {
      host: 'example.amazonaws.com',
      'my-header1': ['value4', 'value1', 'value3', 'value2'],
      'x-amz-date': '20150830T123600Z',
      authorization: c.authz,
    };
    expect(verifyRequest({ ...request, headers: record }, optionsOf(c)).accessKeyId).toBe('AKIDEXAMPLE');
  });
});
