import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from './constant-time.js';

describe('constantTimeEqual', () => {
  it('compares strings and bytes, of equal or unequal length', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual(Buffer.from('k'), Buffer.from('k'))).toBe(true);
    expect(constantTimeEqual(Buffer.from('k'), Buffer.from('K'))).toBe(false);
  });
});
