import { describe, expect, it } from 'vitest';
import { decodeBase64Strict, encodeBase32 } from './encoding.js';

describe('encodeBase32', () => {
  it('matches the RFC 4648 test vectors (without padding)', () => {
    const vectors: Array<[string, string]> = [
      ['', ''],
      ['f', 'MY'],
      ['fo', 'MZXQ'],
      ['foo', 'MZXW6'],
      ['foob', 'MZXW6YQ'],
      ['fooba', 'MZXW6YTB'],
      ['foobar', 'MZXW6YTBOI'],
    ];
    for (const [input, expected] of vectors) expect(encodeBase32(Buffer.from(input))).toBe(expected);
  });

  it('turns 10 bytes into 16 characters of A-Z2-7', () => {
    expect(encodeBase32(Buffer.alloc(10, 0xff))).toBe('7'.repeat(16));
    expect(encodeBase32(Buffer.alloc(10, 0))).toBe('A'.repeat(16));
  });
});

describe('decodeBase64Strict', () => {
  it('decodes canonical base64', () => {
    expect(decodeBase64Strict('Zm9vYmFy')?.toString()).toBe('foobar');
    expect(decodeBase64Strict('Zm9vYg==')?.toString()).toBe('foob');
    expect(decodeBase64Strict('')?.length).toBe(0);
  });

  it.each([
    ['a length that is not a multiple of 4', 'Zm9vYmF'],
    ['characters outside the alphabet', 'Zm9v*mFy'],
    ['URL-safe characters', 'Zm9-_mFy'],
    ['whitespace', 'Zm9v YmFy'],
    ['non-zero trailing bits', 'Zm9vYh=='],
    ['padding in the middle', 'Zm==YmFy'],
    ['too much padding', 'Zm9===='],
  ])('rejects %s', (_, text) => {
    expect(decodeBase64Strict(text)).toBeUndefined();
  });
});
