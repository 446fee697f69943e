import { describe, expect, it } from 'vitest';
import { claimedScope } from './claimed-scope.js';

describe('claimedScope', () => {
  it('reads the region and service of an Authorization header', () => {
    const header =
      'AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261129/eu-west-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';
    expect(claimedScope(header, '/')).toEqual({ region: 'eu-west-1', service: 'dynamodb' });
  });

  it('reads a presigned URL, its slashes encoded or not, its parameter name in any case', () => {
    expect(
      claimedScope(
        undefined,
        '/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%2F20261129%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261129T000000Z',
      ),
    ).toEqual({ region: 'us-east-1', service: 's3' });
    expect(claimedScope(undefined, '/?x-amz-credential=AKIA/20261129/eu-west-1/sts/aws4_request')).toEqual({
      region: 'eu-west-1',
      service: 'sts',
    });
  });

  it('reads the header only when there is one: a presigned scope beside it is not the signature', () => {
    expect(
      claimedScope('Bearer token', '/?X-Amz-Credential=AKIA/20261129/us-east-1/s3/aws4_request'),
    ).toBeUndefined();
  });

  it('is undefined without a complete scope', () => {
    expect(claimedScope(undefined, '/health')).toBeUndefined();
    expect(claimedScope('AWS AKIDEXAMPLE:c2ln', '/b/k')).toBeUndefined();
    expect(claimedScope('AWS4-HMAC-SHA256 Credential=AK/20261129/us-east-1/s3/other', '/')).toBeUndefined();
    expect(claimedScope(undefined, '/?Credential=AK/20261129/us-east-1/iam/aws4_request')).toBeUndefined();
  });
});
