/** The five S3 documentation vectors (Amazon S3 API Reference, Signature Calculations for the
 * Authorization Header; Authenticating Requests: Using Query Parameters), header-signed and presigned. */
import { describe, expect, it } from 'vitest';
import { verifyRequest } from './verify.js';
import { computedSigning, singleKeyLookup } from './test-support/harness.js';
import type { SignedRequest, VerifyOptions } from './types.js';

const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const HOST = 'examplebucket.s3.amazonaws.com';
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const options: VerifyOptions = {
  lookup: singleKeyLookup(AKID, SECRET),
  now: () => Date.UTC(2013, 4, 24, 0, 1, 0),
  region: 'us-east-1',
  service: 's3',
};
const auth = (signed: string, sig: string) =>
  `AWS4-HMAC-SHA256 Credential=${AKID}/20130524/us-east-1/s3/aws4_request,SignedHeaders=${signed},Signature=${sig}`;

const vectors: Array<[string, SignedRequest, string]> = [
  [
    'GET /test.txt with Range',
    {
      method: 'GET',
      url: '/test.txt',
      headers: [
        ['Host', HOST],
        ['Range', 'bytes=0-9'],
        ['x-amz-content-sha256', EMPTY],
        ['x-amz-date', '20130524T000000Z'],
        [
          'Authorization',
          auth(
            'host;range;x-amz-content-sha256;x-amz-date',
            'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
          ),
        ],
      ],
    },
    '/test.txt',
  ],
  [
    'PUT /test$file.text with storage class and body',
    {
      method: 'PUT',
      url: '/test$file.text',
      body: 'Welcome to Amazon S3.',
      headers: [
        ['Host', HOST],
        ['Date', 'Fri, 24 May 2013 00:00:00 GMT'],
        ['x-amz-date', '20130524T000000Z'],
        ['x-amz-storage-class', 'REDUCED_REDUNDANCY'],
        ['x-amz-content-sha256', '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072'],
        [
          'Authorization',
          auth(
            'date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class',
            '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
          ),
        ],
      ],
    },
    '/test%24file.text',
  ],
  [
    'GET ?lifecycle',
    {
      method: 'GET',
      url: '/?lifecycle',
      headers: [
        ['Host', HOST],
        ['x-amz-date', '20130524T000000Z'],
        ['x-amz-content-sha256', EMPTY],
        [
          'Authorization',
          auth(
            'host;x-amz-content-sha256;x-amz-date',
            'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543',
          ),
        ],
      ],
    },
    '/',
  ],
  [
    'GET ?max-keys=2&prefix=J',
    {
      method: 'GET',
      url: '/?max-keys=2&prefix=J',
      headers: [
        ['Host', HOST],
        ['x-amz-date', '20130524T000000Z'],
        ['x-amz-content-sha256', EMPTY],
        [
          'Authorization',
          auth(
            'host;x-amz-content-sha256;x-amz-date',
            '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
          ),
        ],
      ],
    },
    '/',
  ],
  [
    'presigned GET /test.txt, 86400 s',
    {
      method: 'GET',
      url:
        '/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request' +
        '&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host' +
        '&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
      headers: [['Host', HOST]],
    },
    '/test.txt',
  ],
];

describe('S3 documentation vectors', () => {
  for (const [name, request, uri] of vectors) {
    it(`${name} verifies`, () => {
      const caller = verifyRequest(request, options);
      expect(caller.service).toBe('s3');
      expect(computedSigning(request, options).creq.split('\n')[1]).toBe(uri);
    });
  }

  it('the presigned vector uses UNSIGNED-PAYLOAD and is valid for exactly 86400 s', () => {
    const request = vectors[4]![1];
    expect(verifyRequest(request, options).payloadHash).toBe('UNSIGNED-PAYLOAD');
    const at = (s: number) => ({ ...options, now: () => Date.UTC(2013, 4, 24) + s * 1000 });
    expect(verifyRequest(request, at(86400)).presigned).toBe(true);
    expect(() => verifyRequest(request, at(86401))).toThrow(
      expect.objectContaining({ code: 'AccessDenied', message: 'Request has expired' }),
    );
  });

  it('the wire path /test%24file.text is canonically the same as /test$file.text', () => {
    const request = vectors[1]![1];
    expect(verifyRequest({ ...request, url: '/test%24file.text' }, options).accessKeyId).toBe(AKID);
  });

  it('S3 paths are not normalised: /a/../test.txt is not /test.txt', () => {
    const request = vectors[0]![1];
    expect(() => verifyRequest({ ...request, url: '/x/../test.txt' }, options)).toThrow(
      expect.objectContaining({ code: 'SignatureDoesNotMatch' }),
    );
    expect(computedSigning({ ...request, url: '/x/../test.txt' }, options).creq.split('\n')[1]).toBe(
      '/x/../test.txt',
    );
  });

  it('a body that does not match x-amz-content-sha256 → XAmzContentSHA256Mismatch', () => {
    const request = vectors[1]![1];
    expect(() => verifyRequest({ ...request, body: 'Welcome to Amazon S4.' }, options)).toThrow(
      expect.objectContaining({ code: 'XAmzContentSHA256Mismatch', status: 400 }),
    );
  });
});
