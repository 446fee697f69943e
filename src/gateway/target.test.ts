import { describe, expect, it } from 'vitest';
import { MalformedTargetError, parseTarget } from './target.js';

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
