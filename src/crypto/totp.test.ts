import { describe, expect, it } from 'vitest';
import { generateTotpSeed, matchConsecutiveTotpSteps, matchTotpStep, totpCode, totpStep } from './totp.js';

// RFC 6238 Appendix B, SHA-1 rows: the seed is the ASCII "12345678901234567890"; the RFC prints
// 8 digits, of which a 6-digit device shows the last six.
const SEED = Buffer.from('12345678901234567890', 'ascii');
const VECTORS: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP (RFC 6238, SHA-1, 30 s, 6 digits)', () => {
  it.each(VECTORS)('at %i s the code is the last 6 digits of %s', (seconds, eight) => {
    expect(totpCode(SEED, totpStep(seconds * 1000))).toBe(eight.slice(2));
  });

  it('accepts the codes of the previous, current and next step only', () => {
    const now = 1111111111_000;
    const step = totpStep(now);
    for (const d of [-1, 0, 1]) expect(matchTotpStep(SEED, totpCode(SEED, step + d), now)).toBe(step + d);
    for (const d of [-3, -2, 2, 3])
      expect(matchTotpStep(SEED, totpCode(SEED, step + d), now)).toBeUndefined();
  });

  it('refuses a code of a step already used (replay), and an earlier one', () => {
    const now = 1234567890_000;
    const step = totpStep(now);
    const code = totpCode(SEED, step);
    expect(matchTotpStep(SEED, code, now, { usedStep: step })).toBeUndefined();
    expect(matchTotpStep(SEED, totpCode(SEED, step - 1), now, { usedStep: step })).toBeUndefined();
    expect(matchTotpStep(SEED, totpCode(SEED, step + 1), now, { usedStep: step })).toBe(step + 1);
  });

  it('refuses malformed and other seeds’ codes', () => {
    const now = Date.now();
    const other = generateTotpSeed();
    expect(other).toHaveLength(40);
    const code = totpCode(other, totpStep(now));
    expect(matchTotpStep(other, code, now)).toBe(totpStep(now));
    for (const bad of ['', '12345', '1234567', 'abcdef', ` ${code}`]) {
      expect(matchTotpStep(other, bad, now)).toBeUndefined();
    }
  });

  it('shifts the window by a learnt drift, without widening it', () => {
    const now = 1111111111_000;
    const step = totpStep(now);
    for (const d of [4, 5, 6]) {
      expect(matchTotpStep(SEED, totpCode(SEED, step + d), now, { driftSteps: 5 })).toBe(step + d);
    }
    for (const d of [-1, 0, 1, 3, 7]) {
      expect(matchTotpStep(SEED, totpCode(SEED, step + d), now, { driftSteps: 5 })).toBeUndefined();
    }
    expect(matchTotpStep(SEED, totpCode(SEED, step - 4), now, { driftSteps: -4, usedStep: step - 4 })).toBe(
      undefined,
    );
  });

  it('matches two consecutive codes in the window, the step of the second; nothing else', () => {
    const now = 1234567890_000;
    const step = totpStep(now);
    const code = (d: number) => totpCode(SEED, step + d);
    for (const d of [-10, -3, 0, 7, 10]) {
      expect(matchConsecutiveTotpSteps(SEED, code(d - 1), code(d), now, { window: 10 })).toBe(step + d);
    }
    // Outside the window, swapped, a step apart, or one wrong code.
    for (const [c1, c2] of [
      [code(10), code(11)],
      [code(-12), code(-11)],
      [code(1), code(0)],
      [code(-2), code(0)],
      ['000000', code(0)],
      [code(-1), '000000'],
      [code(0), code(0)],
    ]) {
      expect(matchConsecutiveTotpSteps(SEED, c1!, c2!, now, { window: 10 })).toBeUndefined();
    }
    // The default window is one step; used steps never match.
    expect(matchConsecutiveTotpSteps(SEED, code(1), code(2), now)).toBeUndefined();
    expect(matchConsecutiveTotpSteps(SEED, code(-1), code(0), now, { usedStep: step })).toBeUndefined();
    expect(matchConsecutiveTotpSteps(SEED, code(0), code(1), now, { usedStep: step })).toBe(step + 1);
  });
});
