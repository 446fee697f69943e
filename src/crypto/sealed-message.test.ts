import { describe, expect, it } from 'vitest';
import { createKeyRing, rotateKeyRing } from './key-ring.js';
import { openMessage, sealMessage } from './sealed-message.js';

const T0 = new Date('2026-01-01T00:00:00Z');

describe('sealMessage / openMessage', () => {
  const ring = createKeyRing(T0);

  it('round-trips text for its purpose only', () => {
    const text = JSON.stringify({ allowed: false, action: 'iam:CreateRole', é: 'ü'.repeat(1000) });
    const blob = sealMessage(text, 'authorization-message', ring, T0);
    expect(blob).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(blob.length).toBeLessThan(text.length);
    expect(openMessage(blob, 'authorization-message', ring)).toBe(text);
    expect(openMessage(blob, 'other-purpose', ring)).toBeUndefined();
  });

  it('rejects every single-character change', () => {
    const blob = sealMessage('{"allowed":false}', 'p', ring, T0);
    for (let i = 0; i < blob.length; i++) {
      const c = blob[i] === 'A' ? 'B' : 'A';
      const mutated = blob.slice(0, i) + c + blob.slice(i + 1);
      // The last base64url character may carry unused bits; only count real byte changes.
      if (Buffer.from(mutated, 'base64url').equals(Buffer.from(blob, 'base64url'))) continue;
      expect(openMessage(mutated, 'p', ring)).toBeUndefined();
    }
  });

  it('rejects garbage, other rings and oversized input without throwing', () => {
    expect(openMessage('', 'p', ring)).toBeUndefined();
    expect(openMessage('not base64url!', 'p', ring)).toBeUndefined();
    expect(openMessage('A'.repeat(70_000), 'p', ring)).toBeUndefined();
    const other = createKeyRing(T0);
    expect(openMessage(sealMessage('x', 'p', other, T0), 'p', ring)).toBeUndefined();
  });

  it('opens messages sealed with an older key while the ring keeps it', () => {
    const blob = sealMessage('old', 'p', ring, T0);
    const later = new Date(T0.getTime() + 25 * 3600 * 1000);
    const rotated = rotateKeyRing(ring, later, { rotationIntervalSeconds: 24 * 3600 });
    expect(rotated).not.toBe(ring);
    expect(openMessage(blob, 'p', rotated)).toBe('old');
  });
});
