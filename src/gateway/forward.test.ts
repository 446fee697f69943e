import { describe, expect, it } from 'vitest';
import { responseHeaders } from './forward.js';

describe('hop-by-hop headers', () => {
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
