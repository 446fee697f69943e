import { describe, expect, it } from 'vitest';
import { forwardHeaders } from './server.js';
import { responseHeaders } from './forward.js';

describe('hop-by-hop headers', () => {
  it('drops connection-scoped and caller-signature headers from the forwarded request', () => {
    const headers = forwardHeaders([
      'Host',
      'gw:1',
      'Connection',
      'keep-alive, X-Private',
      'X-Private',
      'p',
      'Transfer-Encoding',
      'chunked',
      'Expect',
      '100-continue',
      'Authorization',
      'AWS4-HMAC-SHA256 ...',
      'X-Amz-Security-Token',
      'token',
      'X-Amz-Date',
      '20261129T000000Z',
      'X-Amz-Meta-A',
      '1',
      'x-amz-meta-a',
      '2',
      'Content-Type',
      'text/plain',
    ]);
    expect(headers).toEqual({ 'x-amz-meta-a': '1,2', 'content-type': 'text/plain' });
  });

  it('drops hop-by-hop headers from the backend response, keeps repeated ones', () => {
    expect(
      responseHeaders([
        'Connection',
        'close',
        'Keep-Alive',
        'timeout=5',
        'Set-Cookie',
        'a',
        'Set-Cookie',
        'b',
        'ETag',
        '"e"',
      ]),
    ).toEqual({ 'set-cookie': ['a', 'b'], etag: '"e"' });
  });
});
