import { describe, expect, it } from 'vitest';
import { isAwsError } from '../errors.js';
import { forwardedRequest } from './forwarded-request.js';
import { lambdaMapper } from './mapping/lambda.js';
import { s3Mapper } from './mapping/s3.js';
import { secretsManagerMapper } from './mapping/secretsmanager.js';
import { snsMapper } from './mapping/sns.js';
import type { GatewayRequest } from './types.js';

function request(input: Omit<Partial<GatewayRequest>, 'body'> & { body?: string | Buffer }): GatewayRequest {
  const { body, ...rest } = input;
  return {
    method: 'POST',
    path: '/',
    query: [],
    headers: {},
    host: '127.0.0.1:7300',
    region: 'us-east-1',
    accountId: '123456789012',
    partition: 'aws',
    ...rest,
    ...(body === undefined ? {} : { body: Buffer.isBuffer(body) ? body : Buffer.from(body) }),
  };
}

function errorOf(run: () => unknown): { code: string; status: number } {
  try {
    run();
  } catch (error) {
    if (isAwsError(error)) return { code: error.code, status: error.status };
    throw error;
  }
  throw new Error('expected an AwsError');
}

describe('JSON protocol: rebuilt from the object the mapper read', () => {
  const headers = {
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': 'secretsmanager.DescribeSecret',
    'user-agent': 'sdk',
    action: 'GetSecretValue',
    secretid: 'other',
    'x-amz-meta-x': 'y',
    authorization: 'AWS4-HMAC-SHA256 ...',
  };

  it('keeps only the target, the JSON content type and SDK metadata; POST / with no query', () => {
    const out = forwardedRequest(
      secretsManagerMapper,
      'json',
      request({ method: 'PUT', path: '/x', headers, body: '{"SecretId":"s"}' }),
      headers,
    );
    expect(out).toMatchObject({ method: 'POST', path: '/', query: [] });
    expect(out.headers).toEqual({
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'secretsmanager.DescribeSecret',
      'user-agent': 'sdk',
    });
  });

  it('escapes & and = so that a form parser finds no parameter; JSON parsers read the same value', () => {
    const body = '{"SecretId":"s","Token":"&Action=GetSecretValue&"}';
    const out = forwardedRequest(secretsManagerMapper, 'json', request({ headers, body }), headers);
    const text = out.body!.toString();
    expect(text).not.toMatch(/[&=]/);
    expect(new URLSearchParams(text).has('Action')).toBe(false);
    expect(JSON.parse(text)).toEqual(JSON.parse(body));
  });

  it('forwards one value per member: the one the mapper saw', () => {
    const out = forwardedRequest(
      secretsManagerMapper,
      'json',
      request({ headers, body: '{"SecretId":"first","SecretId":"second"}' }),
      headers,
    );
    expect(out.body!.toString()).toBe('{"SecretId":"second"}');
  });

  it('a form content type becomes the JSON one; an empty body becomes {}', () => {
    const form = { ...headers, 'content-type': 'application/x-www-form-urlencoded' };
    const out = forwardedRequest(secretsManagerMapper, 'json', request({ headers: form }), form);
    expect(out.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(out.body!.toString()).toBe('{}');
  });

  it('refuses any query parameter (ValidationException, 400)', () => {
    expect(
      errorOf(() =>
        forwardedRequest(
          secretsManagerMapper,
          'json',
          request({ headers, query: [['Action', 'GetSecretValue']], body: '{}' }),
          headers,
        ),
      ),
    ).toEqual({ code: 'ValidationException', status: 400 });
  });

  it('refuses a number JSON.stringify would turn into null', () => {
    expect(
      errorOf(() =>
        forwardedRequest(
          secretsManagerMapper,
          'json',
          request({ headers, body: '{"Limit":1e999}' }),
          headers,
        ),
      ),
    ).toEqual({ code: 'SerializationException', status: 400 });
    const fine = forwardedRequest(
      secretsManagerMapper,
      'json',
      request({ headers, body: '{"Limit":1e100}' }),
      headers,
    );
    expect(JSON.parse(fine.body!.toString())).toEqual({ Limit: 1e100 });
  });
});

describe('Query protocol: the parameters the mapper read, in the form body only', () => {
  it('moves URL parameters into the body, drops X-Amz-Target and stray headers', () => {
    const headers = {
      'content-type': 'application/json',
      'x-amz-target': 'AmazonSQS.DeleteQueue',
      action: 'DeleteTopic',
    };
    const out = forwardedRequest(
      snsMapper,
      'query',
      request({
        method: 'GET',
        path: '/',
        query: [['Action', 'ListTopics']],
        headers,
        body: 'Version=2010-03-31',
      }),
      headers,
    );
    expect(out).toMatchObject({ method: 'POST', path: '/', query: [] });
    expect(out.headers).toEqual({ 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' });
    expect(Object.fromEntries(new URLSearchParams(out.body!.toString()))).toEqual({
      Action: 'ListTopics',
      Version: '2010-03-31',
    });
  });

  it('encodes values so that they round-trip through a form parser', () => {
    const out = forwardedRequest(
      snsMapper,
      'query',
      request({ body: `Action=Publish&Message=${encodeURIComponent('a&b=c + d%')}` }),
      {},
    );
    expect(new URLSearchParams(out.body!.toString()).get('Message')).toBe('a&b=c + d%');
  });
});

describe('REST protocols: only the query names and headers the service defines', () => {
  it('S3: keeps x-amz-* and standard headers, drops others (moto reads headers as parameters)', () => {
    const headers = {
      'x-amz-acl': 'private',
      'content-md5': 'abc',
      range: 'bytes=0-1',
      policy: '{}',
      acl: 'x',
      'x-amz-target': 'x',
      'x-amz-date': '20261207T000000Z',
      'x-amz-security-token': 'secret-token',
    };
    const out = forwardedRequest(
      s3Mapper,
      'rest-xml',
      request({ method: 'GET', path: '/bucket/key', query: [['versionId', '1']], headers }),
      headers,
    );
    expect(out.headers).toEqual({ 'x-amz-acl': 'private', 'content-md5': 'abc', range: 'bytes=0-1' });
    expect(out.query).toEqual([['versionId', '1']]);
  });

  it('S3: an unknown query name is refused (InvalidArgument)', () => {
    expect(
      errorOf(() =>
        forwardedRequest(
          s3Mapper,
          'rest-xml',
          request({ method: 'GET', path: '/bucket/key', query: [['Action', 'DeleteBucket']] }),
          {},
        ),
      ),
    ).toEqual({ code: 'InvalidArgument', status: 400 });
  });

  it('Lambda: Qualifier passes, an unknown query name is refused', () => {
    const path = '/2015-03-31/functions/f/invocations';
    expect(
      forwardedRequest(lambdaMapper, 'rest-json', request({ path, query: [['Qualifier', 'prod']] }), {})
        .query,
    ).toEqual([['Qualifier', 'prod']]);
    expect(
      errorOf(() =>
        forwardedRequest(lambdaMapper, 'rest-json', request({ path, query: [['qualifier', 'prod']] }), {}),
      ),
    ).toEqual({ code: 'InvalidParameterValueException', status: 400 });
  });

  it('a form body, or a body on GET/HEAD/DELETE, is refused (moto reads them as parameters)', () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '12' };
    expect(
      errorOf(() =>
        forwardedRequest(s3Mapper, 'rest-xml', request({ method: 'PUT', path: '/b/k', headers: form }), form),
      ),
    ).toEqual({ code: 'InvalidArgument', status: 400 });
    const body = { 'content-length': '5' };
    expect(
      errorOf(() =>
        forwardedRequest(s3Mapper, 'rest-xml', request({ method: 'GET', path: '/b/k', headers: body }), body),
      ),
    ).toEqual({ code: 'InvalidArgument', status: 400 });
    const upload = { 'content-type': 'text/plain', 'content-length': '5' };
    expect(
      forwardedRequest(
        s3Mapper,
        'rest-xml',
        request({ method: 'PUT', path: '/b/k', headers: upload }),
        upload,
      ).headers['content-type'],
    ).toBe('text/plain');
  });

  it('S3 virtual-hosted bucket moves into the path the backend gets', () => {
    const out = forwardedRequest(
      s3Mapper,
      'rest-xml',
      request({ method: 'GET', path: '/key', host: 'bucket.s3.us-east-1.amazonaws.com' }),
      {},
    );
    expect(out.path).toBe('/bucket/key');
  });
});
