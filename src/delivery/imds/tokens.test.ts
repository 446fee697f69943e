import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ImdsTokens, parseTokenTtl } from './tokens.js';

const binding = { instanceId: 'i-0123456789abcdef0', generation: 'g1' };
const T0 = 1_800_000_000_000;

describe('parseTokenTtl', () => {
  it('accepts 1..21600 and nothing else', () => {
    expect(parseTokenTtl('1')).toBe(1);
    expect(parseTokenTtl('300')).toBe(300);
    expect(parseTokenTtl('21600')).toBe(21600);
    for (const bad of [undefined, '', '0', '-1', '21601', '1.5', ' 5', '5 ', 'abc', '0x10', '1e3', ['5']]) {
      expect(parseTokenTtl(bad as string | undefined)).toBeUndefined();
    }
  });
});

describe('ImdsTokens', () => {
  const tokens = new ImdsTokens();

  it('verifies its own token until the TTL has elapsed', () => {
    const token = tokens.issue(binding, 10, T0);
    expect(token).toMatch(/^[\x21-\x7e]+$/);
    expect(tokens.verify(token, binding, T0)).toBe(true);
    expect(tokens.verify(token, binding, T0 + 9_999)).toBe(true);
    expect(tokens.verify(token, binding, T0 + 10_000)).toBe(false);
  });

  it('binds tokens to their instance and its launch', () => {
    const token = tokens.issue(binding, 60, T0);
    expect(tokens.verify(token, { ...binding, instanceId: 'i-0123456789abcdef1' }, T0)).toBe(false);
    expect(tokens.verify(token, { ...binding, generation: 'g2' }, T0)).toBe(false);
  });

  it('rejects tokens of another service key (a restart) and every tampering', () => {
    const token = tokens.issue(binding, 60, T0);
    expect(new ImdsTokens().verify(token, binding, T0)).toBe(false);
    const [v, expiry, nonce, mac] = token.split('.');
    // Extending the expiry breaks the MAC.
    expect(tokens.verify([v, String(Number(expiry) + 1e9), nonce, mac].join('.'), binding, T0)).toBe(false);
    fc.assert(
      fc.property(fc.nat({ max: token.length - 1 }), fc.string({ minLength: 1, maxLength: 1 }), (i, c) => {
        const forged = token.slice(0, i) + c + token.slice(i + 1);
        return forged === token || !tokens.verify(forged, binding, T0);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects arbitrary strings without throwing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => tokens.verify(s, binding, T0) === false),
      { numRuns: 300 },
    );
  });

  it('issues a different token each time', () => {
    expect(tokens.issue(binding, 60, T0)).not.toBe(tokens.issue(binding, 60, T0));
  });
});
