/**
 * Negative cases for every error code (the official suites have none), error precedence, secrecy
 * of messages, and robustness against hostile input.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { AwsError } from '../errors.js';
import { ExpiredTokenError, InvalidClientTokenIdError } from './errors.js';
import { deriveSigningKey, SigningKeyCache } from './signing-key.js';
import { verifyRequest } from './verify.js';
import { singleKeyLookup } from './test-support/harness.js';
import { smithyPresign, smithySign } from './test-support/smithy.js';
import type { SignedRequest, VerifyOptions } from './types.js';

const AKID = 'AKIAEXAMPLEEXAMPLE01';
const SECRET = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycA';
const TOKEN = 'FQoGZXIvYXdzE+token/with+base64==';
const T0 = Date.UTC(2024, 2, 1, 10, 0, 0);
const config = { accessKeyId: AKID, secretAccessKey: SECRET, region: 'us-east-1', service: 'sts' };
const base: VerifyOptions = {
  lookup: singleKeyLookup(AKID, SECRET),
  now: () => T0,
  region: 'us-east-1',
  service: 'sts',
};
const at = (ms: number, extra: Partial<VerifyOptions> = {}): VerifyOptions => ({
  ...base,
  now: () => ms,
  ...extra,
});
const code = (c: string, status?: number) =>
  expect.objectContaining(status === undefined ? { code: c } : { code: c, status });

function withHeader(request: SignedRequest, name: string, value: string | undefined): SignedRequest {
  const headers = (request.headers as Array<[string, string]>).filter(
    ([n]) => n.toLowerCase() !== name.toLowerCase(),
  );
  return { ...request, headers: value === undefined ? headers : [...headers, [name, value]] };
}
const authOf = (r: SignedRequest) =>
  (r.headers as Array<[string, string]>).find(([n]) => n === 'authorization')![1];

let post: SignedRequest;
let presigned: SignedRequest;
let temp: SignedRequest;
beforeAll(async () => {
  const body = 'Action=GetCallerIdentity&Version=2011-06-15';
  const input = {
    method: 'POST',
    path: '/',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
  };
  post = await smithySign(config, input, new Date(T0));
  temp = await smithySign({ ...config, sessionToken: TOKEN }, input, new Date(T0));
  presigned = await smithyPresign(
    config,
    { method: 'GET', path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' } },
    new Date(T0),
    900,
  );
});

describe('verifyRequest: the happy path it guards', () => {
  it('returns the caller of a signed request', () => {
    const caller = verifyRequest(post, base);
    expect(caller).toMatchObject({
      accessKeyId: AKID,
      region: 'us-east-1',
      service: 'sts',
      presigned: false,
    });
    expect(caller.signedHeaders).toContain('host');
    expect(caller.credential.secretAccessKey).toBe(SECRET);
  });
});

describe('Authorization header: optional whitespace around the scheme', () => {
  // RFC 9110 field values carry no leading/trailing whitespace of meaning, and the auth-scheme is
  // separated from its parameters by 1*SP; a proxy that adds OWS must not break verification.
  const forms: Array<[string, (a: string) => string]> = [
    ['leading spaces and tab', (a) => ` \t ${a}`],
    ['trailing spaces and tab', (a) => `${a} \t `],
    ['several spaces after the scheme', (a) => a.replace('AWS4-HMAC-SHA256 ', 'AWS4-HMAC-SHA256    ')],
    ['a tab after the scheme', (a) => a.replace('AWS4-HMAC-SHA256 ', 'AWS4-HMAC-SHA256\t')],
  ];
  for (const [name, mutate] of forms) {
    it(`${name}: verifies`, () => {
      expect(verifyRequest(withHeader(post, 'authorization', mutate(authOf(post))), base).accessKeyId).toBe(
        AKID,
      );
    });
  }
  it('whitespace inside the parameters is still refused', () => {
    const request = withHeader(post, 'authorization', authOf(post).replace(', Signature=', ',\tSignature='));
    expect(() => verifyRequest(request, base)).toThrow(code('IncompleteSignature', 400));
  });
});

describe('MissingAuthenticationToken', () => {
  it('no Authorization header and no X-Amz-* query', () => {
    expect(() => verifyRequest(withHeader(post, 'authorization', undefined), base)).toThrow(
      code('MissingAuthenticationToken', 403),
    );
  });
});

describe('IncompleteSignature (malformed)', () => {
  const cases: Array<[string, (a: string) => string, RegExp]> = [
    [
      'unsupported algorithm',
      (a) => a.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512'),
      /Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'/,
    ],
    ['SigV2-style header', () => `AWS ${AKID}:c2lnbmF0dXJl`, /not supported\. Please use AWS4-HMAC-SHA256\./],
    ['missing Credential', (a) => a.replace(/Credential=[^,]*, /, ''), /requires 'Credential' parameter/],
    [
      'missing SignedHeaders',
      (a) => a.replace(/SignedHeaders=[^,]*, /, ''),
      /requires 'SignedHeaders' parameter/,
    ],
    ['missing Signature', (a) => a.replace(/, Signature=.*$/, ''), /requires 'Signature' parameter/],
    ['4-part scope', (a) => a.replace('/us-east-1/', '/'), /exactly 5 slash-delimited elements/],
    ['wrong terminator', (a) => a.replace('aws4_request', 'aws5_request'), /valid terminator/],
    ['pair without =', (a) => `${a}, Junk`, /not a valid key=value pair/],
    ['duplicate parameter', (a) => `${a}, Signature=00`, /duplicate 'Signature'/],
    [
      'host not signed',
      (a) => a.replace(/SignedHeaders=[^,]*/, 'SignedHeaders=x-amz-date'),
      /'Host' or ':authority' must be a 'SignedHeader'/,
    ],
    ['empty signed header name', (a) => a.replace('SignedHeaders=', 'SignedHeaders=;'), /empty header name/],
  ];
  for (const [name, mutate, message] of cases) {
    it(name, () => {
      const request = withHeader(post, 'authorization', mutate(authOf(post)));
      expect(() => verifyRequest(request, base)).toThrow(code('IncompleteSignature', 400));
      expect(() => verifyRequest(request, base)).toThrow(message);
    });
  }
  it('no X-Amz-Date and no Date header', () => {
    expect(() => verifyRequest(withHeader(post, 'x-amz-date', undefined), base)).toThrow(
      /either a 'X-Amz-Date' or a 'Date' header/,
    );
  });
  it('X-Amz-Date in a bad format', () => {
    expect(() => verifyRequest(withHeader(post, 'x-amz-date', '2024-03-01T10:00:00Z'), base)).toThrow(
      code('IncompleteSignature'),
    );
  });
  it('S3 flavour: AuthorizationHeaderMalformed', () => {
    const request = withHeader(post, 'authorization', authOf(post).replace('/us-east-1/', '/'));
    expect(() => verifyRequest(request, { ...base, service: 's3' })).toThrow(
      code('AuthorizationHeaderMalformed', 400),
    );
  });
  it('both an Authorization header and presign parameters', () => {
    expect(() => verifyRequest(withHeader(presigned, 'Authorization', authOf(post)), base)).toThrow(
      /Only one auth mechanism/,
    );
  });
});

describe('scope mismatch', () => {
  it('scope date differs from X-Amz-Date', () => {
    const request = withHeader(post, 'authorization', authOf(post).replace('/20240301/', '/20240302/'));
    expect(() => verifyRequest(request, base)).toThrow(code('SignatureDoesNotMatch', 403));
    expect(() => verifyRequest(request, base)).toThrow(/Date in Credential scope does not match/);
  });
  it('region not accepted', () => {
    expect(() => verifyRequest(post, { ...base, region: ['eu-west-1', 'eu-central-1'] })).toThrow(
      /scoped to a valid region, not 'us-east-1'/,
    );
  });
  it('service not accepted', () => {
    expect(() => verifyRequest(post, { ...base, service: 'iam' })).toThrow(
      /scoped to correct service: 'iam'/,
    );
  });
  it('S3 wrong region → AuthorizationHeaderMalformed naming the expected region', () => {
    expect(() => verifyRequest(post, { ...base, service: 'sts', s3: true, region: 'eu-west-1' })).toThrow(
      code('AuthorizationHeaderMalformed'),
    );
  });
});

describe('time window', () => {
  it('accepts ±300 s by default and rejects beyond, both ways, with RequestExpired', () => {
    expect(verifyRequest(post, at(T0 + 300_000)).accessKeyId).toBe(AKID);
    expect(verifyRequest(post, at(T0 - 300_000)).accessKeyId).toBe(AKID);
    expect(() => verifyRequest(post, at(T0 + 300_001))).toThrow(code('RequestExpired', 400));
    expect(() => verifyRequest(post, at(T0 + 301_000))).toThrow(
      /Signature expired: 20240301T100000Z is now earlier than/,
    );
    expect(() => verifyRequest(post, at(T0 - 301_000))).toThrow(/Signature not yet current/);
  });
  it('skewErrorCode: SignatureDoesNotMatch (403) with the same message (STS, IAM)', () => {
    const sts = { maxSkewSeconds: 900, skewErrorCode: 'SignatureDoesNotMatch' } as const;
    expect(verifyRequest(post, at(T0 + 900_000, sts)).accessKeyId).toBe(AKID);
    expect(() => verifyRequest(post, at(T0 + 901_000, sts))).toThrow(code('SignatureDoesNotMatch', 403));
    expect(() => verifyRequest(post, at(T0 + 901_000, sts))).toThrow(
      'Signature expired: 20240301T100000Z is now earlier than 20240301T100001Z (20240301T101501Z - 15 min.)',
    );
  });
  it('maxSkewSeconds is per call', () => {
    expect(verifyRequest(post, at(T0 + 800_000, { maxSkewSeconds: 900 })).accessKeyId).toBe(AKID);
  });
  it('S3 allows 900 s and answers RequestTimeTooSkewed beyond', () => {
    const s3 = { s3: true, service: 'sts' } as const;
    // Not an S3-signed request, so the signature fails; only the time check order matters here.
    expect(() =>
      verifyRequest(withHeader(post, 'x-amz-content-sha256', 'UNSIGNED-PAYLOAD'), at(T0 + 800_000, s3)),
    ).toThrow(code('SignatureDoesNotMatch'));
    expect(() =>
      verifyRequest(withHeader(post, 'x-amz-content-sha256', 'UNSIGNED-PAYLOAD'), at(T0 + 901_000, s3)),
    ).toThrow(code('RequestTimeTooSkewed', 403));
  });
  it('presigned: valid until X-Amz-Date + X-Amz-Expires, not before X-Amz-Date - skew', () => {
    expect(verifyRequest(presigned, at(T0 + 900_000)).presigned).toBe(true);
    expect(() => verifyRequest(presigned, at(T0 + 900_001))).toThrow(code('RequestExpired'));
    expect(() => verifyRequest(presigned, at(T0 - 301_000))).toThrow(code('RequestExpired'));
  });
  it('X-Amz-Expires outside 1..604800 and missing presign parameters', () => {
    const swap = (from: string, to: string) => ({ ...presigned, url: presigned.url.replace(from, to) });
    expect(() => verifyRequest(swap('X-Amz-Expires=900', 'X-Amz-Expires=604801'), base)).toThrow(
      /less than a week/,
    );
    expect(() => verifyRequest(swap('X-Amz-Expires=900', 'X-Amz-Expires=0'), base)).toThrow(
      code('IncompleteSignature'),
    );
    expect(() => verifyRequest(swap('X-Amz-Expires=900', 'X-Amz-Expires=-5'), base)).toThrow(
      code('IncompleteSignature'),
    );
    expect(() =>
      verifyRequest(swap('X-Amz-Expires=900', 'X-Amz-Expires=900&X-Amz-Expires=900'), base),
    ).toThrow(/must not be repeated/);
    expect(() => verifyRequest(swap('&X-Amz-Expires=900', ''), base)).toThrow(/requires the X-Amz-Algorithm/);
    expect(() =>
      verifyRequest(swap('X-Amz-Expires=900', 'X-Amz-Expires=604801'), { ...base, s3: true }),
    ).toThrow(code('AuthorizationQueryParametersError'));
  });
});

describe('credential lookup', () => {
  it('unknown access key → InvalidClientTokenId (from the lookup)', () => {
    expect(() => verifyRequest(post, { ...base, lookup: singleKeyLookup('AKIAOTHER', SECRET) })).toThrow(
      code('InvalidClientTokenId', 403),
    );
  });
  it('expired token → ExpiredToken; the token reaches the lookup signed or not', () => {
    const seen: Array<string | undefined> = [];
    const lookup = (_: string, token: string | undefined) => {
      seen.push(token);
      throw new ExpiredTokenError();
    };
    expect(() => verifyRequest(temp, { ...base, lookup })).toThrow(code('ExpiredToken', 403));
    const unsigned = withHeader(post, 'X-Amz-Security-Token', TOKEN);
    expect(() => verifyRequest(unsigned, { ...base, lookup })).toThrow(code('ExpiredToken'));
    expect(seen).toEqual([TOKEN, TOKEN]);
  });
  it('precedence: time window before lookup, lookup before signature', () => {
    const lookup = () => {
      throw new InvalidClientTokenIdError();
    };
    expect(() => verifyRequest(post, at(T0 + 3_600_000, { lookup }))).toThrow(code('RequestExpired'));
    const badSig = withHeader(post, 'authorization', authOf(post).replace(/Signature=./, 'Signature=0'));
    expect(() => verifyRequest(badSig, { ...base, lookup })).toThrow(code('InvalidClientTokenId'));
  });
  it('a lookup that throws a non-AWS error still ends in a typed AwsError', () => {
    const lookup = () => {
      throw new TypeError('bug');
    };
    expect(() => verifyRequest(post, { ...base, lookup })).toThrow(code('InternalFailure', 500));
  });
});

describe('SignatureDoesNotMatch', () => {
  it('wrong secret', () => {
    expect(() => verifyRequest(post, { ...base, lookup: singleKeyLookup(AKID, `${SECRET}x`) })).toThrow(
      code('SignatureDoesNotMatch', 403),
    );
  });
  it('body changed after signing', () => {
    expect(() =>
      verifyRequest({ ...post, body: 'Action=GetCallerIdentity&Version=2011-06-16' }, base),
    ).toThrow(code('SignatureDoesNotMatch'));
  });
  it('payloadHash given and body disagrees → SignatureDoesNotMatch after the signature verified', () => {
    const good = verifyRequest(post, base).payloadHash;
    expect(verifyRequest({ ...post, body: undefined, payloadHash: good }, base).payloadHash).toBe(good);
    expect(() => verifyRequest({ ...post, body: 'other', payloadHash: good }, base)).toThrow(
      code('SignatureDoesNotMatch'),
    );
  });
  it('messages never contain the secret or the session token', () => {
    const probes: SignedRequest[] = [
      temp,
      withHeader(temp, 'authorization', `${authOf(temp)}, X`),
      withHeader(temp, 'x-amz-date', TOKEN),
      { ...temp, body: 'x' },
    ];
    for (const request of probes) {
      for (const options of [
        base,
        { ...base, lookup: singleKeyLookup(AKID, SECRET, 'other') },
        { ...base, s3: true },
      ]) {
        try {
          verifyRequest(request, options);
        } catch (error) {
          expect(error).toBeInstanceOf(AwsError);
          const text = `${(error as Error).message} ${JSON.stringify(error)}`;
          expect(text).not.toContain(SECRET);
          expect(text).not.toContain(TOKEN);
        }
      }
    }
  });
});

describe('hostile input', () => {
  it('bad percent-encoding, lone surrogates, giant headers, odd targets → typed errors', () => {
    const variants: SignedRequest[] = [
      { ...post, url: '/%zz' },
      { ...post, url: '/\ud800' },
      { ...post, url: '/?a=%' },
      { ...post, url: '*' },
      { ...post, url: '' },
      withHeader(post, 'authorization', `AWS4-HMAC-SHA256 ${'Credential=a,'.repeat(100_000)}`),
      withHeader(post, 'authorization', 'AWS4-HMAC-SHA256'),
      withHeader(post, 'authorization', ''),
      withHeader(post, 'x-amz-date', '20240231T100000Z'),
      withHeader(post, 'host', 'a'.repeat(1_000_000)),
      { ...presigned, url: `${presigned.url}&X-Amz-Security-Token=%E0%A4` },
    ];
    for (const request of variants) {
      let error: unknown;
      try {
        verifyRequest(request, base);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AwsError);
      expect((error as AwsError).code).not.toBe('InternalFailure');
    }
  });

  it('property: arbitrary requests never throw anything but a non-internal AwsError', () => {
    const text = fc.string({ unit: 'binary', maxLength: 80 });
    fc.assert(
      fc.property(
        fc.record({
          method: fc.constantFrom('GET', 'POST', 'x'),
          url: fc.oneof(
            text,
            text.map((s) => `/${s}`),
            text.map((s) => `/?X-Amz-Algorithm=${s}&X-Amz-Credential=${s}`),
          ),
          headers: fc.array(
            fc.tuple(fc.oneof(text, fc.constantFrom('authorization', 'host', 'x-amz-date', 'date')), text),
            { maxLength: 6 },
          ),
        }),
        (request) => {
          try {
            verifyRequest(request, base);
          } catch (error) {
            return error instanceof AwsError && error.code !== 'InternalFailure';
          }
          return false;
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('signing-key cache', () => {
  it('derives once per scope, is bounded, and never keys by the raw secret', () => {
    const cache = new SigningKeyCache(2);
    const options = { ...base, signingKeyCache: cache };
    verifyRequest(post, options);
    verifyRequest(post, options);
    expect(cache.size).toBe(1);
    cache.get('s1', '20240301', 'r', 's');
    cache.get('s2', '20240301', 'r', 's');
    expect(cache.size).toBe(2);
    expect(cache.get('s1', '20240301', 'r', 's')).toEqual(deriveSigningKey('s1', '20240301', 'r', 's'));
    expect(cache.get('s2', '20240301', 'r', 's')).not.toEqual(cache.get('s1', '20240301', 'r', 's'));
    expect(cache.size).toBe(2);
  });
});
