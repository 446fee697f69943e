import { describe, expect, it } from 'vitest';
import {
  isLongTermAccessKeyId,
  isTemporaryAccessKeyId,
  LONG_TERM_ACCESS_KEY_ID_PATTERN,
  newLongTermAccessKeyId,
  newTemporaryAccessKeyId,
  newUniqueId,
  TEMPORARY_ACCESS_KEY_ID_PATTERN,
  UNIQUE_ID_PATTERN,
} from './ids.js';
import type { UniqueIdPrefix } from './ids.js';

describe('unique ids (IAM identifiers)', () => {
  const prefixes: UniqueIdPrefix[] = [
    'AROA',
    'AIDA',
    'AGPA',
    'AIPA',
    'ANPA',
    'ANVA',
    'APKA',
    'ASCA',
    'ABIA',
    'ACCA',
  ];

  it.each(prefixes)('%s + 17 upper-case alphanumerics, 21 characters', (prefix) => {
    const id = newUniqueId(prefix);
    expect(id).toMatch(new RegExp(`^${prefix}[A-Z0-9]{17}$`));
    expect(id).toHaveLength(21);
    expect(id).toMatch(UNIQUE_ID_PATTERN);
  });

  it('draws from the whole alphabet and does not repeat', () => {
    const ids = Array.from({ length: 2000 }, () => newUniqueId('AROA'));
    expect(new Set(ids).size).toBe(ids.length);
    const seen = new Set(ids.join('').replaceAll('AROA', ''));
    expect(seen.size).toBe(36);
  });
});

describe('access key ids', () => {
  it('temporary: ASIA + 16 base32 characters', () => {
    const id = newTemporaryAccessKeyId();
    expect(id).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(id).toMatch(TEMPORARY_ACCESS_KEY_ID_PATTERN);
    expect(isTemporaryAccessKeyId(id)).toBe(true);
    expect(isLongTermAccessKeyId(id)).toBe(false);
  });

  it('long-term: AKIA + 16 base32 characters', () => {
    const id = newLongTermAccessKeyId();
    expect(id).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(id).toMatch(LONG_TERM_ACCESS_KEY_ID_PATTERN);
    expect(isLongTermAccessKeyId(id)).toBe(true);
    expect(isTemporaryAccessKeyId(id)).toBe(false);
  });

  it('uses all 32 base32 symbols and never 0, 1, 8, 9 or lower case', () => {
    const body = Array.from({ length: 500 }, () => newTemporaryAccessKeyId().slice(4)).join('');
    expect(new Set(body).size).toBe(32);
    expect(body).not.toMatch(/[0189a-z]/);
  });

  it.each([
    'ASIA',
    'ASIAAAAAAAAAAAAAAAA1',
    'asiaAAAAAAAAAAAAAAAA',
    'ASIAAAAAAAAAAAAAAAAAA',
    'AKIAAAAAAAAAAAAAAAA8',
  ])('rejects %s', (value) => {
    expect(isTemporaryAccessKeyId(value) || isLongTermAccessKeyId(value)).toBe(false);
  });
});
