import { describe, expect, it } from 'vitest';
import { AwsError } from '../errors.js';
import { accessDeniedError, serviceErrorResponse, unavailableError } from './denial.js';

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

  it('503s: SlowDown for S3 when the log is full, ServiceUnavailable otherwise', () => {
    expect(unavailableError({ service: 's3', protocol: 'rest-xml' }, 'm', true).code).toBe('SlowDown');
    expect(unavailableError({ service: 'kms', protocol: 'json' }, 'm', true)).toMatchObject({
      code: 'ServiceUnavailable',
      status: 503,
    });
  });
});
