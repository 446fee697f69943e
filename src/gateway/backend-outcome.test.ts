import { describe, expect, it } from 'vitest';
import { backendOutcome } from './backend-outcome.js';

describe('backendOutcome', () => {
  it("reads S3's request id and its XML error code", () => {
    const body = Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><RequestId>ignored</RequestId></Error>',
    );
    expect(
      backendOutcome(404, ['x-amz-request-id', 'TX123', 'Content-Type', 'application/xml'], body),
    ).toEqual({
      requestId: 'TX123',
      errorCode: 'NoSuchKey',
      errorMessage: 'The specified key does not exist.',
    });
  });

  it("reads a JSON service's request id and error type", () => {
    const body = Buffer.from(
      '{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"no table"}',
    );
    expect(backendOutcome(400, ['x-amzn-RequestId', 'R1'], body)).toEqual({
      requestId: 'R1',
      errorCode: 'ResourceNotFoundException',
      errorMessage: 'no table',
    });
    expect(
      backendOutcome(400, ['X-Amzn-ErrorType', 'ThrottlingException:http://internal.amazon.com/'], undefined),
    ).toEqual({
      errorCode: 'ThrottlingException',
    });
  });

  it('reads a Query error body and its request id', () => {
    const body = Buffer.from(
      '<ErrorResponse><Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>gone</Message></Error><RequestId>Q1</RequestId></ErrorResponse>',
    );
    expect(backendOutcome(400, [], body)).toEqual({
      requestId: 'Q1',
      errorCode: 'AWS.SimpleQueueService.NonExistentQueue',
      errorMessage: 'gone',
    });
  });

  it('names a bodiless error by its status, and a success has no error', () => {
    expect(backendOutcome(404, ['x-amz-request-id', 'H1'], Buffer.alloc(0))).toEqual({
      requestId: 'H1',
      errorCode: 'HTTP404',
    });
    expect(backendOutcome(200, ['x-amz-request-id', 'OK1'], undefined)).toEqual({ requestId: 'OK1' });
  });
});
