/**
 * The hand-written signer against the AWS SDK's own (`@smithy/signature-v4`): for many generated
 * requests (services, paths with dot segments and escapes, repeated and unicode query parameters,
 * unsignable and oddly spaced headers, session tokens) both must produce the same headers in the
 * same order, and credplane's verifier must accept what it signs.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NodeSha256 } from './test-support/smithy.js';
import { signRequest, type SigningCredentials } from './sign.js';
import { SigningKeyCache } from './signing-key.js';
import { uriEncode } from './uri-encode.js';
import { verifyRequest } from './verify.js';

interface Case {
  method: string;
  service: string;
  region: string;
  path: string;
  query: [string, string][];
  headers: Record<string, string>;
  credentials: SigningCredentials;
  at: number;
}

async function smithy(c: Case): Promise<Record<string, string>> {
  // No prototype: a parameter named `toString` or `__proto__` must be an own member.
  const query = Object.create(null) as Record<string, string | string[]>;
  for (const [name, value] of c.query) {
    const existing = query[name];
    if (existing === undefined) query[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else query[name] = [existing, value];
  }
  const signer = new SignatureV4({
    credentials: c.credentials,
    region: 'us-east-1',
    service: c.service,
    sha256: NodeSha256,
    uriEscapePath: c.service !== 's3',
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: c.method,
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 5000,
      path: c.path,
      query,
      headers: c.headers,
    },
    { signingDate: new Date(c.at), signingRegion: c.region, signingService: c.service },
  );
  return signed.headers;
}

function ours(c: Case, cache?: SigningKeyCache): Record<string, string> {
  return signRequest(
    { method: c.method, path: c.path, query: c.query, headers: c.headers },
    {
      credentials: c.credentials,
      region: c.region,
      service: c.service,
      uriEscapePath: c.service !== 's3',
      now: c.at,
      ...(cache === undefined ? {} : { signingKeyCache: cache }),
    },
  );
}

const segment = fc.oneof(
  fc.constantFrom('.', '..', '', 'a', 'b', 'key', 'with space', 'ü', '%41', '~x', '*', "it's", '(1)'),
  fc.string({ maxLength: 8 }).filter((s) => !s.includes('/') && !/[\ud800-\udfff]/.test(s)),
);
const queryText = fc.oneof(
  fc.constantFrom(
    '',
    'a',
    'b',
    'list-type',
    'prefix',
    'x-amz-signature',
    'X-Amz-Signature',
    'a b',
    'ä/ö',
    "!'()*",
    'toString',
    'constructor',
  ),
  fc.string({ maxLength: 8 }).filter((s) => !/[\ud800-\udfff]/.test(s)),
);
const headerName = fc.constantFrom(
  'content-type',
  'x-amz-target',
  'x-amz-meta-a',
  'x-amz-meta-b',
  'user-agent',
  'cache-control',
  'expect',
  'proxy-foo',
  'sec-fetch-mode',
  'x-amzn-trace-id',
  'amz-sdk-request',
  'date',
  'authorization',
  'x-amz-date',
  'range',
);
const headerValue = fc.oneof(
  fc.constantFrom('', 'a', ' padded ', 'two  spaces', 'tab\there', '\t lead', 'trail \t', 'a\r\nb', 'x,y'),
  fc.string({ maxLength: 12 }),
);
const credentials = fc.record(
  {
    accessKeyId: fc.constantFrom('test', 'AKIAEXAMPLE', 'minioadmin'),
    secretAccessKey: fc.constantFrom('test', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', 'minioadmin'),
    sessionToken: fc.constantFrom('token/with+chars==', 'IQoJb3JpZ2luX2Vj'),
  },
  { requiredKeys: ['accessKeyId', 'secretAccessKey'] },
);

const anyCase: fc.Arbitrary<Case> = fc.record({
  method: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD'),
  service: fc.constantFrom('s3', 'dynamodb', 'sqs', 'kms', 'lambda', 'execute-api'),
  region: fc.constantFrom('us-east-1', 'eu-west-3'),
  path: fc
    .array(segment, { maxLength: 5 })
    .chain((segments) => fc.constantFrom(`/${segments.join('/')}`, `/${segments.join('/')}/`)),
  query: fc.array(fc.tuple(queryText, queryText), { maxLength: 5 }),
  headers: fc
    .tuple(
      fc.dictionary(headerName, headerValue, { maxKeys: 6 }),
      fc.constantFrom('UNSIGNED-PAYLOAD', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'),
    )
    .map(([headers, sha]) => ({ host: '127.0.0.1:5000', ...headers, 'x-amz-content-sha256': sha })),
  credentials,
  at: fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }),
});

describe('signRequest', () => {
  it('signs a GET exactly as @smithy/signature-v4 does', async () => {
    const c: Case = {
      method: 'GET',
      service: 's3',
      region: 'us-east-1',
      path: '/bench/objects/one-kib',
      query: [],
      headers: {
        host: '127.0.0.1:5000',
        'user-agent': 'aws-sdk-js/3',
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      },
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      at: Date.UTC(2026, 10, 29, 10, 0, 0),
    };
    const headers = ours(c);
    expect(headers).toEqual(await smithy(c));
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=test/20261129/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, ' +
        `Signature=${headers.authorization!.slice(-64)}`,
    );
    expect(headers['x-amz-date']).toBe('20261129T100000Z');
  });

  it('produces the same headers, in the same order, as @smithy/signature-v4 for many requests', async () => {
    await fc.assert(
      fc.asyncProperty(anyCase, async (c) => {
        const expected = await smithy(c);
        const actual = ours(c);
        expect(actual).toEqual(expected);
        expect(Object.keys(actual)).toEqual(Object.keys(expected));
      }),
      { numRuns: 600 },
    );
  });

  it('gives the same signature with a warm and a cold signing-key cache', () => {
    fc.assert(
      fc.property(anyCase, (c) => {
        const warm = new SigningKeyCache(4);
        ours(c, warm);
        expect(ours(c, warm).authorization).toBe(ours(c, new SigningKeyCache(4)).authorization);
      }),
      { numRuns: 100 },
    );
  });

  it("is accepted by credplane's verifier", () => {
    // Wire-safe requests: header values without line breaks, S3 paths already canonically
    // encoded (S3 signs the path as sent, and the verifier re-encodes it once).
    const wireCase = anyCase.map((c) => ({
      ...c,
      path:
        c.service === 's3'
          ? c.path
              .split('/')
              .map((s) => uriEncode(s, false))
              .join('/')
          : c.path
              .split('/')
              .map((s) => (s === '.' || s === '..' ? s : uriEncode(s, false)))
              .join('/'),
      headers: Object.fromEntries(
        Object.entries(c.headers).map(([n, v]) => [n, v.replace(/[^\x21-\x7e \t]/g, 'x')]),
      ),
    }));
    fc.assert(
      fc.property(wireCase, (c) => {
        const headers = ours(c);
        const query = c.query
          .filter(([name]) => name.toLowerCase() !== 'x-amz-signature')
          .map(([n, v]) => `${uriEncode(n, false)}=${uriEncode(v, false)}`)
          .join('&');
        const verified = verifyRequest(
          {
            method: c.method,
            url: query === '' ? c.path : `${c.path}?${query}`,
            headers: Object.entries(headers),
            payloadHash: headers['x-amz-content-sha256']!,
          },
          {
            lookup: () => ({ secretAccessKey: c.credentials.secretAccessKey }),
            service: c.service,
            region: c.region,
            now: () => c.at,
          },
        );
        expect(verified.accessKeyId).toBe(c.credentials.accessKeyId);
        expect(verified.sessionToken).toBe(c.credentials.sessionToken);
      }),
      { numRuns: 400 },
    );
  });

  it('never signs or forwards the caller-side authorization, x-amz-date or date headers', () => {
    const headers = signRequest(
      {
        method: 'GET',
        path: '/',
        headers: {
          host: 'h',
          authorization: 'AWS4-HMAC-SHA256 Credential=caller/...',
          'x-amz-date': '20000101T000000Z',
          date: 'Sat, 01 Jan 2000 00:00:00 GMT',
        },
      },
      {
        credentials: { accessKeyId: 'backend', secretAccessKey: 's' },
        region: 'us-east-1',
        service: 'sqs',
        uriEscapePath: true,
        now: Date.UTC(2026, 0, 2, 3, 4, 5),
      },
    );
    expect(Object.keys(headers)).toEqual(['host', 'x-amz-date', 'authorization']);
    expect(headers['x-amz-date']).toBe('20260102T030405Z');
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=backend\/20260102\/us-east-1\/sqs\//);
    expect(headers.authorization).toContain('SignedHeaders=host;x-amz-date,');
  });
});
