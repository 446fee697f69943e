import { describe, expect, it } from 'vitest';
import { SealedDataError } from './errors.js';
import { newLongTermAccessKeyId } from './ids.js';
import { createKeyRing, rotateKeyRing } from './key-ring.js';
import { generateMasterKey } from './master-key.js';
import { generateLongTermAccessKey, openSecret, sealSecret } from './long-term-keys.js';

const t0 = new Date('2026-03-01T00:00:00Z');

describe('generateLongTermAccessKey', () => {
  it('gives an AKIA id and a 40-character base64 secret', () => {
    const key = generateLongTermAccessKey();
    expect(key.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(key.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(generateLongTermAccessKey().secretAccessKey).not.toBe(key.secretAccessKey);
  });
});

describe('sealSecret / openSecret', () => {
  it('round-trips under the master key', () => {
    const masterKey = generateMasterKey();
    const { accessKeyId, secretAccessKey } = generateLongTermAccessKey();
    const sealed = sealSecret(secretAccessKey, accessKeyId, masterKey);
    expect(sealed.includes(Buffer.from(secretAccessKey))).toBe(false);
    expect(openSecret(sealed, accessKeyId, masterKey)).toBe(secretAccessKey);
    expect(openSecret(sealed.toString('base64'), accessKeyId, masterKey)).toBe(secretAccessKey);
  });

  it('round-trips under a key ring while the sealing key is kept', () => {
    const ring = createKeyRing(t0);
    const { accessKeyId, secretAccessKey } = generateLongTermAccessKey();
    const sealed = sealSecret(secretAccessKey, accessKeyId, ring, t0);
    expect(openSecret(sealed, accessKeyId, ring)).toBe(secretAccessKey);
    const policy = { rotationIntervalSeconds: 3600 };
    const rotated = rotateKeyRing(ring, new Date(t0.getTime() + 3_600_000), policy);
    expect(openSecret(sealed, accessKeyId, rotated)).toBe(secretAccessKey);
    const retired = rotateKeyRing(rotated, new Date(t0.getTime() + 3_600_000 + 43_200_000), policy);
    expect(() => openSecret(sealed, accessKeyId, retired)).toThrow(/retired ring key/);
  });

  it('binds the sealed secret to its access key id', () => {
    const masterKey = generateMasterKey();
    const { accessKeyId, secretAccessKey } = generateLongTermAccessKey();
    const sealed = sealSecret(secretAccessKey, accessKeyId, masterKey);
    expect(() => openSecret(sealed, newLongTermAccessKeyId(), masterKey)).toThrow(SealedDataError);
  });

  it('refuses a wrong master key, a ring for a master-key blob and vice versa', () => {
    const masterKey = generateMasterKey();
    const ring = createKeyRing(t0);
    const { accessKeyId, secretAccessKey } = generateLongTermAccessKey();
    const underMaster = sealSecret(secretAccessKey, accessKeyId, masterKey);
    const underRing = sealSecret(secretAccessKey, accessKeyId, ring, t0);
    expect(() => openSecret(underMaster, accessKeyId, generateMasterKey())).toThrow(SealedDataError);
    expect(() => openSecret(underMaster, accessKeyId, ring)).toThrow(SealedDataError);
    expect(() => openSecret(underRing, accessKeyId, masterKey)).toThrow(SealedDataError);
  });

  it('refuses every single-byte change and malformed input', () => {
    const masterKey = generateMasterKey();
    const { accessKeyId, secretAccessKey } = generateLongTermAccessKey();
    const bytes = sealSecret(secretAccessKey, accessKeyId, masterKey);
    for (let i = 0; i < bytes.length; i++) {
      const mutated = Buffer.from(bytes);
      mutated[i] = mutated[i]! ^ 0x04;
      expect(() => openSecret(mutated, accessKeyId, masterKey)).toThrow(SealedDataError);
    }
    for (const bad of ['', '@@@@', 'AQ==', 'A'.repeat(10_000), new Uint8Array(0), new Uint8Array(5000)]) {
      expect(() => openSecret(bad, accessKeyId, masterKey)).toThrow(SealedDataError);
    }
  });

  it('refuses to seal an empty or oversized secret', () => {
    const masterKey = generateMasterKey();
    const id = newLongTermAccessKeyId();
    expect(() => sealSecret('', id, masterKey)).toThrow(SealedDataError);
    expect(() => sealSecret('x'.repeat(1025), id, masterKey)).toThrow(SealedDataError);
  });
});
