import { describe, expect, it } from 'vitest';
import { AwsError } from '../errors.js';
import type { ApiResponse } from '../http/types.js';
import { mapDatabaseError } from '../store/database-errors.js';
import { accessDeniedError, serviceErrorResponse, unavailableError, type ErrorShape } from './denial.js';

const ID = 'req-1';

describe('service error shapes', () => {
  it('S3: <Error> document, 403 AccessDenied', () => {
    const shape = { service: 's3', protocol: 'rest-xml' as const };
    const res = serviceErrorResponse(shape, accessDeniedError(shape, 'User: a & b'), ID);
    expect(res.status).toBe(403);
    expect(res.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>User: a &amp; b</Message><RequestId>req-1</RequestId></Error>',
    );
    expect(res.headers?.['x-amz-request-id']).toBe(ID);
  });

  it('SNS (Query): AuthorizationError 403 in an ErrorResponse', () => {
    const shape = {
      service: 'sns',
      protocol: 'query' as const,
      errorNamespace: 'http://sns.amazonaws.com/doc/2010-03-31/',
    };
    const res = serviceErrorResponse(shape, accessDeniedError(shape, 'no'), ID);
    expect(res.status).toBe(403);
    expect(res.body).toBe(
      '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>no</Message></Error><RequestId>req-1</RequestId></ErrorResponse>',
    );
  });

  it('JSON 1.x: 400 with __type, x-amzn-ErrorType and the request content type', () => {
    const shape = { service: 'kms', protocol: 'json' as const };
    const res = serviceErrorResponse(shape, accessDeniedError(shape, 'no'), ID, 'application/x-amz-json-1.1');
    expect(res.status).toBe(400);
    expect(res.headers).toMatchObject({
      'x-amzn-errortype': 'AccessDeniedException',
      'content-type': 'application/x-amz-json-1.1',
    });
    expect(JSON.parse(String(res.body))).toEqual({ __type: 'AccessDeniedException', message: 'no' });
  });

  it('SQS (JSON, query-compatible): the x-amzn-query-error header names AccessDenied', () => {
    const shape = { service: 'sqs', protocol: 'json' as const, errorNamespace: 'com.amazonaws.sqs#' };
    const res = serviceErrorResponse(shape, accessDeniedError(shape, 'no'), ID, 'application/x-amz-json-1.0');
    expect(res.status).toBe(403);
    expect(res.headers?.['x-amzn-query-error']).toBe('AccessDenied;Sender');
    expect(JSON.parse(String(res.body))).toEqual({ __type: 'com.amazonaws.sqs#AccessDenied', message: 'no' });
  });

  it('Lambda (REST-JSON): 403 AccessDeniedException with Message', () => {
    const shape = { service: 'lambda', protocol: 'rest-json' as const };
    const res = serviceErrorResponse(shape, accessDeniedError(shape, 'no'), ID);
    expect(res.status).toBe(403);
    expect(JSON.parse(String(res.body))).toEqual({ __type: 'AccessDeniedException', Message: 'no' });
  });

  it('renames signature failures the way JSON services name them', () => {
    const shape = {
      service: 'dynamodb',
      protocol: 'json' as const,
      errorNamespace: 'com.amazonaws.dynamodb.v20120810#',
    };
    const bad = serviceErrorResponse(shape, new AwsError('SignatureDoesNotMatch', 'x', { status: 403 }), ID);
    expect(bad.status).toBe(400);
    expect(bad.headers?.['x-amzn-errortype']).toBe('InvalidSignatureException');
    const unknown = serviceErrorResponse(
      shape,
      new AwsError('InvalidClientTokenId', 'x', { status: 403 }),
      ID,
    );
    expect(unknown.headers?.['x-amzn-errortype']).toBe('UnrecognizedClientException');
  });

  // Every 503 the SDKs retry (any 503); the code is the one each protocol's clients parse, and a
  // throttling one (both SDKs' lists) when the access log asks the caller to slow down.
  // [shape, code when unavailable, code when throttled, where the code is read]
  const UNAVAILABLE: [ErrorShape, string, string][] = [
    [{ service: 's3', protocol: 'rest-xml' }, 'ServiceUnavailable', 'SlowDown'],
    [
      { service: 'sns', protocol: 'query', errorNamespace: 'http://sns.amazonaws.com/doc/2010-03-31/' },
      'ServiceUnavailable',
      'Throttling',
    ],
    [
      { service: 'sqs', protocol: 'query', errorNamespace: 'http://queue.amazonaws.com/doc/2012-11-05/' },
      'ServiceUnavailable',
      'RequestThrottled',
    ],
    [
      { service: 'sqs', protocol: 'json', errorNamespace: 'com.amazonaws.sqs#' },
      'ServiceUnavailable',
      'RequestThrottled',
    ],
    [
      { service: 'dynamodb', protocol: 'json', errorNamespace: 'com.amazonaws.dynamodb.v20120810#' },
      'ServiceUnavailableException',
      'ThrottlingException',
    ],
    [{ service: 'kms', protocol: 'json' }, 'ServiceUnavailableException', 'ThrottlingException'],
    [{ service: 'secretsmanager', protocol: 'json' }, 'ServiceUnavailableException', 'ThrottlingException'],
    [{ service: 'ssm', protocol: 'json' }, 'ServiceUnavailableException', 'ThrottlingException'],
    [{ service: 'lambda', protocol: 'rest-json' }, 'ServiceUnavailableException', 'ThrottlingException'],
  ];

  /** The error code as the protocol's clients read it. */
  function wireCode(shape: ErrorShape, res: ApiResponse): string {
    const body = String(res.body);
    if (shape.protocol === 'rest-xml' || shape.protocol === 'query')
      return /<Code>([^<]*)<\/Code>/.exec(body)?.[1] ?? '';
    if (shape.service === 'sqs') return String(res.headers?.['x-amzn-query-error']).split(';')[0] ?? '';
    const type = (JSON.parse(body) as { __type: string }).__type;
    expect(res.headers?.['x-amzn-errortype']).toBe(type.slice(type.indexOf('#') + 1));
    return type.slice(type.indexOf('#') + 1);
  }

  for (const [shape, unavailable, throttled] of UNAVAILABLE) {
    it(`503s in ${shape.service} (${shape.protocol}): ${unavailable}, ${throttled} when throttled`, () => {
      expect(unavailableError(shape, 'm')).toMatchObject({ code: unavailable, status: 503 });
      expect(unavailableError(shape, 'm', true)).toMatchObject({ code: throttled, status: 503 });
      // The store's own error (Query names, database-errors.ts) is renamed for the protocol.
      const store = mapDatabaseError(new Error('Connection terminated unexpectedly')) as AwsError;
      const res = serviceErrorResponse(shape, store, ID, 'application/x-amz-json-1.0');
      expect(res.status).toBe(503);
      expect(wireCode(shape, res)).toBe(unavailable);
      const slow = serviceErrorResponse(shape, new AwsError('SlowDown', 'm', { status: 503 }), ID);
      expect([slow.status, wireCode(shape, slow)]).toEqual([503, throttled]);
    });
  }

  it('leaves other errors named ServiceUnavailable-like alone (not 503)', () => {
    const shape: ErrorShape = { service: 'kms', protocol: 'json' };
    const res = serviceErrorResponse(shape, new AwsError('ServiceUnavailable', 'm', { status: 500 }), ID);
    expect(res.headers?.['x-amzn-errortype']).toBe('ServiceUnavailable');
  });
});
