import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from './hash.js';

describe('constantTimeEqual', () => {
  it('equal strings only, short and long', () => {
    expect(constantTimeEqual('abc123', 'abc123')).toBe(true);
    expect(constantTimeEqual('abc123', 'abc124')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    const long = 'f'.repeat(300);
    expect(constantTimeEqual(long, long)).toBe(true);
    expect(constantTimeEqual(long, `${long.slice(1)}e`)).toBe(false);
  });

  it('a character above U+00FF never stands for another one (U+0161 shares its low byte with a)', () => {
    expect(constantTimeEqual('abc', '\u0161bc')).toBe(false);
    expect(constantTimeEqual('a'.repeat(200), `\u0161${'a'.repeat(199)}`)).toBe(false);
    expect(constantTimeEqual('\u0161bc', '\u0161bc')).toBe(true);
  });
});
