import { describe, expect, it } from 'vitest';
import { SealedDataError } from './errors.js';
import { createKeyRing, findRingKey, idToNumber, rotateKeyRing } from './key-ring.js';
import { exportKeyRing, importKeyRing } from './key-ring-export.js';
import { generateMasterKey } from './master-key.js';

const t0 = new Date('2026-03-01T00:00:00Z');

function twoKeyRing() {
  return rotateKeyRing(createKeyRing(t0), new Date(t0.getTime() + 3_600_000), {
    rotationIntervalSeconds: 3600,
  });
}

describe('exportKeyRing / importKeyRing', () => {
  it('round-trips ids, times and key material', () => {
    const masterKey = generateMasterKey();
    const ring = twoKeyRing();
    const back = importKeyRing(exportKeyRing(ring, masterKey), masterKey);
    expect(back.keys).toEqual(ring.keys);
    for (const key of ring.keys) {
      const id = idToNumber(key.id);
      expect(findRingKey(back, id)?.material).toEqual(findRingKey(ring, id)?.material);
    }
  });

  it('also imports the base64 text of the blob', () => {
    const masterKey = generateMasterKey();
    const ring = twoKeyRing();
    const text = exportKeyRing(ring, masterKey).toString('base64');
    expect(importKeyRing(text, masterKey).keys).toEqual(ring.keys);
    expect(() => importKeyRing(`${text} `, masterKey)).toThrow(SealedDataError);
  });

  it('does not contain the key material in any spelling', () => {
    const masterKey = generateMasterKey();
    const ring = twoKeyRing();
    const blob = exportKeyRing(ring, masterKey);
    for (const key of ring.keys) {
      const material = findRingKey(ring, idToNumber(key.id))!.material;
      expect(blob.includes(material)).toBe(false);
      expect(blob.includes(Buffer.from(material.toString('base64')))).toBe(false);
    }
  });

  it('seals with a fresh nonce each time', () => {
    const masterKey = generateMasterKey();
    const ring = twoKeyRing();
    expect(exportKeyRing(ring, masterKey)).not.toEqual(exportKeyRing(ring, masterKey));
  });

  it('refuses a wrong master key', () => {
    const blob = exportKeyRing(twoKeyRing(), generateMasterKey());
    expect(() => importKeyRing(blob, generateMasterKey())).toThrow(SealedDataError);
    expect(() => importKeyRing(blob, generateMasterKey())).toThrow(/wrong master key/);
  });

  it('refuses every single-byte change of the blob', () => {
    const masterKey = generateMasterKey();
    const bytes = exportKeyRing(createKeyRing(t0), masterKey);
    for (let i = 0; i < bytes.length; i++) {
      const mutated = Buffer.from(bytes);
      mutated[i] = mutated[i]! ^ 0x01;
      expect(() => importKeyRing(mutated, masterKey)).toThrow(SealedDataError);
    }
  });

  it.each([
    ['empty', ''],
    ['not base64', '!!!!'],
    ['truncated', 'AQID'],
    ['huge', 'A'.repeat((1 << 20) * 2)],
    ['empty bytes', new Uint8Array(0)],
    ['huge bytes', new Uint8Array((1 << 20) + 1)],
    ['not bytes nor text', 42 as unknown as string],
  ])('refuses a %s blob with SealedDataError', (_, blob) => {
    expect(() => importKeyRing(blob, generateMasterKey())).toThrow(SealedDataError);
  });

  it('refuses master keys that are not 32 bytes', () => {
    const ring = createKeyRing(t0);
    expect(() => exportKeyRing(ring, new Uint8Array(31))).toThrow(/exactly 32 bytes \(got 31 bytes\)/);
    expect(() => importKeyRing('AAAA', new Uint8Array(33))).toThrow(SealedDataError);
  });
});
