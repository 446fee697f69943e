import { describe, expect, it } from 'vitest';
import { MalformedTargetError, parseTarget, signingNameOf } from './target.js';

describe('signingNameOf', () => {
  it("routes S3's SigV2 forms to S3 (only S3 uses them), not Query SigV2 of other services", () => {
    expect(signingNameOf('AWS AKIDEXAMPLE:c2ln', '/b/k')).toBe('s3');
    expect(signingNameOf(undefined, '/b/k?AWSAccessKeyId=AKID&Signature=c2ln&Expires=1')).toBe('s3');
    expect(
      signingNameOf(undefined, '/?Action=ListUsers&AWSAccessKeyId=AKID&SignatureVersion=2&Signature=c2ln'),
    ).toBeUndefined();
    expect(signingNameOf('Bearer token', '/')).toBeUndefined();
  });

  it('reads the credential scope of an Authorization header', () => {
    const header =
      'AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261129/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';
    expect(signingNameOf(header, '/')).toBe('dynamodb');
  });

  it('reads a presigned URL, encoded or not', () => {
    expect(
      signingNameOf(
        undefined,
        '/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%2F20261129%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261129T000000Z',
      ),
    ).toBe('s3');
    expect(signingNameOf(undefined, '/b/k?X-Amz-Credential=AKIA/20261129/eu-west-1/s3/aws4_request')).toBe(
      's3',
    );
  });

  it('is undefined for unsigned requests', () => {
    expect(signingNameOf(undefined, '/health')).toBeUndefined();
    expect(signingNameOf('Bearer x', '/')).toBeUndefined();
  });
});

describe('parseTarget', () => {
  it('keeps the raw path, decodes the query in order, and drops presigning parameters', () => {
    expect(
      parseTarget('/b/a%20b?prefix=x%2Fy&uploads&X-Amz-Signature=abc&X-Amz-Credential=c&max-keys=2&prefix=z'),
    ).toEqual({
      path: '/b/a%20b',
      query: [
        ['prefix', 'x/y'],
        ['uploads', ''],
        ['max-keys', '2'],
        ['prefix', 'z'],
      ],
      presigned: true,
    });
  });

  it('refuses a malformed escape', () => {
    expect(() => parseTarget('/b?x=%E0%A4%A')).toThrow(MalformedTargetError);
  });
});
