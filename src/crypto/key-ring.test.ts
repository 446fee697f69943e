import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import {
  createKeyRing,
  findRingKey,
  idToNumber,
  nextKeyRingChange,
  rotateKeyRing,
  sealingKey,
} from './key-ring.js';
import type { KeyRing } from './key-ring.js';

const HOUR = 3600;
const t0 = new Date('2026-03-01T00:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const policy = { rotationIntervalSeconds: 24 * HOUR };

describe('createKeyRing', () => {
  it('holds one key that seals from now', () => {
    const ring = createKeyRing(t0);
    expect(ring.keys).toHaveLength(1);
    const [key] = ring.keys;
    expect(key?.id).toMatch(/^[0-9a-f]{8}$/);
    expect(key?.activeFrom).toBe(t0.getTime() / 1000);
    expect(sealingKey(ring, t0).id).toBe(key?.id);
  });

  it('never shows key material through JSON or inspect', () => {
    const ring = createKeyRing(t0);
    const secrets = sealingKey(ring, t0);
    const shown = JSON.stringify(ring) + inspect(ring, { depth: 10, showHidden: true });
    for (const bytes of [secrets.material, secrets.tokenKey, secrets.secretKey]) {
      expect(shown).not.toContain(bytes.toString('base64'));
      expect(shown).not.toContain(bytes.toString('hex'));
    }
    expect(Object.isFrozen(ring)).toBe(true);
  });

  it('derives separate subkeys per purpose', () => {
    const key = sealingKey(createKeyRing(t0), t0);
    const all = [key.material, key.tokenKey, key.secretKey, key.storedSecretKey].map((b) =>
      b.toString('hex'),
    );
    expect(new Set(all).size).toBe(4);
  });
});

describe('rotateKeyRing', () => {
  it('returns the same ring while nothing is due', () => {
    const ring = createKeyRing(t0);
    expect(rotateKeyRing(ring, at(24 * HOUR - 1), policy)).toBe(ring);
  });

  it('adds a key once the interval has passed, and the new key seals', () => {
    const ring = createKeyRing(t0);
    const rotated = rotateKeyRing(ring, at(24 * HOUR), policy);
    expect(rotated).not.toBe(ring);
    expect(rotated.keys).toHaveLength(2);
    expect(rotated.keys[0]).toEqual(ring.keys[0]);
    expect(sealingKey(rotated, at(24 * HOUR)).id).toBe(rotated.keys[1]?.id);
    // The old key's secrets survive rotation unchanged.
    const oldId = idToNumber(ring.keys[0]!.id);
    expect(findRingKey(rotated, oldId)?.tokenKey).toEqual(findRingKey(ring, oldId)?.tokenKey);
  });

  it('keeps an old key for max session after its successor activated, then retires it', () => {
    const first = createKeyRing(t0);
    const second = rotateKeyRing(first, at(30 * HOUR), policy); // successor active from 30 h
    const oldId = first.keys[0]!.id;
    const kept = rotateKeyRing(second, at(30 * HOUR + 43_200 - 1), policy);
    expect(kept.keys.map((k) => k.id)).toContain(oldId);
    const retired = rotateKeyRing(second, at(30 * HOUR + 43_200), policy);
    expect(retired.keys.map((k) => k.id)).not.toContain(oldId);
    expect(findRingKey(retired, idToNumber(oldId))).toBeUndefined();
  });

  it('honours a shorter maxSessionSeconds', () => {
    const p = { rotationIntervalSeconds: HOUR, maxSessionSeconds: 900 };
    const ring = rotateKeyRing(createKeyRing(t0), at(HOUR), p);
    expect(rotateKeyRing(ring, at(HOUR + 899), p).keys).toHaveLength(2);
    expect(rotateKeyRing(ring, at(HOUR + 900), p).keys).toHaveLength(1);
  });

  it('pre-publishes a key that opens at once but seals only from its activation', () => {
    const p = { ...policy, prepublishSeconds: HOUR };
    const ring = createKeyRing(t0);
    expect(rotateKeyRing(ring, at(23 * HOUR - 1), p)).toBe(ring);
    const staged = rotateKeyRing(ring, at(23 * HOUR), p);
    expect(staged.keys).toHaveLength(2);
    const pending = staged.keys[1]!;
    expect(pending.activeFrom).toBe(t0.getTime() / 1000 + 24 * HOUR);
    expect(findRingKey(staged, idToNumber(pending.id))).toBeDefined();
    expect(sealingKey(staged, at(24 * HOUR - 1)).id).toBe(ring.keys[0]?.id);
    expect(sealingKey(staged, at(24 * HOUR)).id).toBe(pending.id);
    // Nothing else is due until the pending key's own rotation.
    expect(rotateKeyRing(staged, at(24 * HOUR), p)).toBe(staged);
  });

  it('keeps the ring bounded across many rotations', () => {
    let ring: KeyRing = createKeyRing(t0);
    for (let h = 1; h <= 24 * 30; h++)
      ring = rotateKeyRing(ring, at(h * HOUR), { rotationIntervalSeconds: 6 * HOUR });
    // 12 h max session / 6 h interval: the sealing key plus the two whose tokens may still live.
    expect(ring.keys.length).toBeLessThanOrEqual(3);
    expect(new Set(ring.keys.map((k) => k.id)).size).toBe(ring.keys.length);
  });

  it.each([
    { rotationIntervalSeconds: 0 },
    { rotationIntervalSeconds: 1.5 },
    { rotationIntervalSeconds: 10, maxSessionSeconds: -1 },
    { rotationIntervalSeconds: 10, prepublishSeconds: 10 },
  ])('rejects the policy %j', (bad) => {
    expect(() => rotateKeyRing(createKeyRing(t0), t0, bad)).toThrow(ValidationError);
  });
});

describe('nextKeyRingChange', () => {
  it('is the moment rotateKeyRing next changes the ring', () => {
    const ring = createKeyRing(t0);
    const next = nextKeyRingChange(ring, policy);
    expect(next).toEqual(at(24 * HOUR));
    expect(rotateKeyRing(ring, new Date(next.getTime() - 1000), policy)).toBe(ring);
    const rotated = rotateKeyRing(ring, next, policy);
    expect(rotated).not.toBe(ring);
    expect(nextKeyRingChange(rotated, policy)).toEqual(at(24 * HOUR + 43_200));
  });
});
