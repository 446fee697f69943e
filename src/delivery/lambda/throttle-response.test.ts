import { describe, expect, it } from 'vitest';
import { errorResponse } from '../container/protocol.js';
import { TooManyRequestsError } from './function-host.js';

describe("Lambda's throttle on the wire", () => {
  it('is a 429 with Reason and Type beside Code and Message, as the SDKs read TooManyRequestsException', () => {
    const response = errorResponse(
      new TooManyRequestsError('ReservedFunctionConcurrentInvocationLimitExceeded'),
    );
    expect(response.status).toBe(429);
    expect(JSON.parse(String(response.body))).toEqual({
      Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      Type: 'User',
      Code: 'TooManyRequestsException',
      Message: 'Rate Exceeded.',
    });
  });
});
