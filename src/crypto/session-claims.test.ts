import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { checkSessionClaims, decodeSessionClaims, encodeSessionClaims } from './session-claims.js';
import type { SessionClaims } from './session-claims.js';
import { largeClaims, typicalClaims } from './test-support/claims.js';

describe('encodeSessionClaims / decodeSessionClaims', () => {
  it('round-trips typical and full claim sets', () => {
    for (const claims of [typicalClaims(), largeClaims()]) {
      expect(decodeSessionClaims(encodeSessionClaims(claims))).toEqual(claims);
    }
  });

  it('writes short field names and leaves out empty optional fields', () => {
    const claims: SessionClaims = { ...typicalClaims(), policyArns: [], tags: [], roleChained: false };
    const json = encodeSessionClaims(claims);
    expect(json).not.toContain('roleArn');
    expect(JSON.parse(json)).not.toHaveProperty('t');
    expect(JSON.parse(json)).not.toHaveProperty('c');
    const { policyArns: _p, tags: _t, roleChained: _c, ...rest } = claims;
    expect(decodeSessionClaims(json)).toEqual(rest);
  });

  it('round-trips a GetSessionToken user session and refuses other session types', () => {
    const claims: SessionClaims = { ...typicalClaims(), sessionType: 'user' };
    expect(JSON.parse(encodeSessionClaims(claims))).toHaveProperty('y', 'user');
    expect(decodeSessionClaims(encodeSessionClaims(claims))).toEqual(claims);
    const forged = encodeSessionClaims(typicalClaims()).replace(/}$/, ',"y":"root"}');
    expect(decodeSessionClaims(forged)).toBeUndefined();
  });

  it('keeps the session policy text byte for byte', () => {
    const sessionPolicy = '{ "Version" : "2012-10-17",\n\t"Statement": [] , "x": "\\u00e9 é" }';
    const decoded = decodeSessionClaims(encodeSessionClaims({ ...typicalClaims(), sessionPolicy }));
    expect(decoded?.sessionPolicy).toBe(sessionPolicy);
  });

  it('rejects anything encodeSessionClaims would not write', () => {
    const wire = JSON.parse(encodeSessionClaims(largeClaims())) as Record<string, unknown>;
    const variants: unknown[] = [
      null,
      [],
      'text',
      { ...wire, z: 1 }, // unknown field from a newer format
      { ...wire, a: 123456789012 },
      { ...wire, a: '12345' },
      { ...wire, i: '1' },
      { ...wire, e: wire.i },
      { ...wire, c: true },
      { ...wire, t: [['k']] },
      { ...wire, t: [['k', 1]] },
      { ...wire, t: { k: 'v' } },
      { ...wire, m: 'arn' },
      { ...wire, k: ['x'] },
      { ...wire, k: { 'ec2:RoleDelivery': 2 } },
    ];
    for (const variant of variants) expect(decodeSessionClaims(JSON.stringify(variant))).toBeUndefined();
    expect(decodeSessionClaims('{not json')).toBeUndefined();
    const { r: _r, ...withoutRoleArn } = wire;
    expect(decodeSessionClaims(JSON.stringify(withoutRoleArn))).toBeUndefined();
  });
});

describe('checkSessionClaims', () => {
  it('accepts well-formed claims', () => {
    expect(() => checkSessionClaims(largeClaims())).not.toThrow();
  });

  it('names the field, never the value', () => {
    const secretish = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    try {
      checkSessionClaims({ ...typicalClaims(), accountId: secretish });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toBe('Session claim accountId must be 12 digits');
    }
  });
});
