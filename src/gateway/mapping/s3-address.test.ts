import { describe, expect, it } from 'vitest';
import { AwsError } from '../../errors.js';
import { bucketFromHost, checkNewBucketName, resolveS3Address } from './s3-address.js';

describe('bucketFromHost', () => {
  it.each([
    ['127.0.0.1:7300', undefined],
    ['[::1]:7300', undefined],
    ['localhost:7300', undefined],
    ['LOCALHOST', undefined],
    ['photos.localhost:7300', 'photos'],
    ['photos.localhost.', 'photos'],
    ['s3.amazonaws.com', undefined],
    ['s3.localhost.localstack.cloud:4566', undefined],
    ['photos.s3.localhost.localstack.cloud:4566', 'photos'],
    ['my.dotted.bucket.s3.us-east-1.amazonaws.com', 'my.dotted.bucket'],
    ['photos.s3-us-west-2.amazonaws.com', 'photos'],
    ['gateway.test:7300', undefined],
    ['photos.gateway.test:7300', undefined],
  ])('%s -> %s (default host names)', (host, bucket) => {
    expect(bucketFromHost(host, ['localhost'])).toBe(bucket);
  });

  it('uses the configured gateway host names first', () => {
    expect(bucketFromHost('photos.gateway.test:7300', ['gateway.test'])).toBe('photos');
    expect(bucketFromHost('gateway.test', ['gateway.test'])).toBeUndefined();
    expect(bucketFromHost('a.b.gateway.test', ['gateway.test'])).toBe('a.b');
  });
});

describe('resolveS3Address', () => {
  it('reads path-style bucket and key, decoding the key once', () => {
    expect(resolveS3Address('127.0.0.1:7300', '/b1b/a%2Fb/%2541')).toEqual({
      style: 'path',
      bucket: 'b1b',
      key: 'a/b/%41',
      pathStylePath: '/b1b/a%2Fb/%2541',
    });
  });

  it('treats `/bucket` and `/bucket/` as the bucket, `/` as the service', () => {
    expect(resolveS3Address('127.0.0.1', '/b1b')).toEqual({
      style: 'path',
      bucket: 'b1b',
      pathStylePath: '/b1b',
    });
    expect(resolveS3Address('127.0.0.1', '/b1b/')).toEqual({
      style: 'path',
      bucket: 'b1b',
      pathStylePath: '/b1b/',
    });
    expect(resolveS3Address('127.0.0.1', '/')).toEqual({ style: 'path', pathStylePath: '/' });
  });

  it('keeps empty path segments of keys', () => {
    expect(resolveS3Address('127.0.0.1', '/b1b//x//')).toMatchObject({ key: '/x//' });
  });

  it('gives the path-style path of a virtual-hosted request for forwarding', () => {
    expect(resolveS3Address('photos.localhost:7300', '/2024/a%20b.jpg')).toEqual({
      style: 'virtual-hosted',
      bucket: 'photos',
      key: '2024/a b.jpg',
      pathStylePath: '/photos/2024/a%20b.jpg',
    });
    expect(resolveS3Address('photos.localhost:7300', '/')).toEqual({
      style: 'virtual-hosted',
      bucket: 'photos',
      pathStylePath: '/photos/',
    });
  });

  it('refuses a Host bucket S3 could never have', () => {
    expect(() => resolveS3Address('bad_!.localhost', '/k')).toThrow(AwsError);
  });
});

describe('checkNewBucketName', () => {
  it.each(['abc', 'my-bucket', 'my.bucket.1', 'a'.repeat(63)])('accepts %s', (name) => {
    expect(() => checkNewBucketName(name)).not.toThrow();
  });
  it.each([
    'ab',
    'a'.repeat(64),
    'My-Bucket',
    'my_bucket',
    '-abc',
    'abc-',
    'a..b',
    '192.168.5.4',
    'xn--abc',
    'abc-s3alias',
  ])('refuses %s', (name) => {
    expect(() => checkNewBucketName(name)).toThrow(expect.objectContaining({ code: 'InvalidBucketName' }));
  });
});
