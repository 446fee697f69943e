import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../iam/types.js';
import { HIDDEN, isSecretMember, redact } from './redact.js';

/** Secret members as the wire protocols spell them: Query (flattened), JSON, CloudTrail camelCase. */
const SECRET_KEYS = [
  'SecretAccessKey',
  'secretAccessKey',
  'Credentials.SessionToken',
  'sessionToken',
  'SessionToken',
  'X-Amz-Security-Token',
  'Password',
  'OldPassword',
  'NewPassword',
  'password',
  'SecretString',
  'SecretBinary',
  'secretString',
  'Plaintext',
  'plaintext',
  'WebIdentityToken',
  'webIdentityToken',
  'SAMLAssertion',
  'MessageBody',
  'SendMessageBatchRequestEntry.1.MessageBody',
  'ClientSecret',
  'PrivateKey',
  'private_key',
  'KeyMaterial',
  'token',
  'TokenCode',
  'AuthenticationCode1',
  'AuthenticationCode2',
  'VirtualMFADevice.Base32StringSeed',
  'QRCodePNG',
  'AuthorizationToken',
  'secret_access_key',
  'Payload',
  'AccessToken',
  'refresh_token',
  'IdToken',
  'AwsSecretKey',
];

const MARKER = 'SeCrEtMaRkEr';

/** JSON whose secret members hold the marker somewhere inside, and whose other members never do. */
function withSecrets(): fc.Arbitrary<JsonValue> {
  const plainKey = fc
    .stringMatching(/^[A-Za-z][A-Za-z0-9._-]{0,14}$/)
    .filter((k) => !isSecretMember(k) && !isSecretMember(k, 'PutParameter'));
  const plainLeaf: fc.Arbitrary<JsonValue> = fc.oneof(
    fc.string().filter((s) => !s.includes(MARKER)),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
  );
  const secretValue: fc.Arbitrary<JsonValue> = fc.oneof(
    fc.string().map((s) => `${s}${MARKER}${s}`),
    fc.array(
      fc.string().map((s) => MARKER + s),
      { minLength: 1, maxLength: 3 },
    ),
    fc.dictionary(plainKey, fc.constant(MARKER), { minKeys: 1, maxKeys: 3 }),
  );
  const { tree } = fc.letrec<{ tree: JsonValue; node: JsonValue }>((tie) => ({
    tree: fc.oneof({ depthSize: 'small' }, plainLeaf, tie('node')),
    node: fc.oneof(
      fc
        .tuple(
          fc.dictionary(plainKey, tie('tree'), { maxKeys: 4 }),
          fc.array(fc.tuple(fc.constantFrom(...SECRET_KEYS), secretValue), { maxLength: 3 }),
        )
        .map(([plain, secrets]) => {
          const out: { [key: string]: JsonValue } = { ...plain };
          for (const [key, value] of secrets) out[key] = value;
          return out;
        }),
      fc.array(tie('tree'), { maxLength: 4 }),
    ),
  }));
  return tree;
}

describe('isSecretMember', () => {
  it.each(SECRET_KEYS)('hides %s', (key) => {
    expect(isSecretMember(key)).toBe(true);
  });

  it.each([
    'RoleArn',
    'roleSessionName',
    'SecretId',
    'NextToken',
    'AccessKeyId',
    'accessKeyId',
    'Tags.member.1.Value',
    'Name',
    'DurationSeconds',
    'expiration',
  ])('keeps %s', (key) => {
    expect(isSecretMember(key)).toBe(false);
  });

  it('hides names that are secret only in some operations', () => {
    expect(isSecretMember('Value', 'PutParameter')).toBe(true);
    expect(isSecretMember('value', 'PutParameter')).toBe(true);
    expect(isSecretMember('Value', 'TagRole')).toBe(false);
    expect(isSecretMember('Message', 'Publish')).toBe(true);
    expect(isSecretMember('Message', 'CreateRole')).toBe(false);
    expect(isSecretMember('Item', 'PutItem')).toBe(true);
  });
});

describe('redact', () => {
  it('keeps the credentials object but hides its secret and token', () => {
    expect(
      redact({
        credentials: {
          accessKeyId: 'ASIAEXAMPLE',
          secretAccessKey: 'wJalr',
          sessionToken: 'IQoJ',
          expiration: '2026-11-29T10:00:00Z',
        },
        assumedRoleUser: { arn: 'arn:aws:sts::1:assumed-role/r/s' },
      }),
    ).toEqual({
      credentials: {
        accessKeyId: 'ASIAEXAMPLE',
        secretAccessKey: HIDDEN,
        sessionToken: HIDDEN,
        expiration: '2026-11-29T10:00:00Z',
      },
      assumedRoleUser: { arn: 'arn:aws:sts::1:assumed-role/r/s' },
    });
  });

  it('hides PutParameter values and the tags of other calls stay', () => {
    expect(
      redact({ name: '/db/password-hint', value: 'hunter2', type: 'SecureString' }, 'PutParameter'),
    ).toEqual({ name: '/db/password-hint', value: HIDDEN, type: 'SecureString' });
    expect(redact({ tags: [{ key: 'team', value: 'payments' }] }, 'TagRole')).toEqual({
      tags: [{ key: 'team', value: 'payments' }],
    });
  });

  it('never lets a secret member through, at any depth (property)', () => {
    fc.assert(
      fc.property(withSecrets(), fc.constantFrom(undefined, 'PutParameter', 'CreateRole'), (input, event) => {
        const out = JSON.stringify(redact(input, event));
        expect(out).not.toContain(MARKER);
      }),
      { numRuns: 400 },
    );
  });

  it('leaves everything else as it was, and is idempotent (property)', () => {
    fc.assert(
      fc.property(withSecrets(), (input) => {
        const once = redact(input);
        expect(redact(once)).toEqual(once);
        // Same shape: every member present before is present after.
        const keys = (v: JsonValue): string[] =>
          v === null || typeof v !== 'object'
            ? []
            : Array.isArray(v)
              ? v.flatMap(keys)
              : Object.keys(v).flatMap((k) => [k, ...(isSecretMember(k) ? [] : keys(v[k]!))]);
        expect(keys(once)).toEqual(keys(input));
      }),
      { numRuns: 200 },
    );
  });

  it('returns inputs without secret members unchanged (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const input = value as JsonValue;
        const hasSecret = (v: JsonValue): boolean =>
          v !== null &&
          typeof v === 'object' &&
          (Array.isArray(v)
            ? v.some(hasSecret)
            : Object.entries(v).some(([k, m]) => isSecretMember(k) || hasSecret(m)));
        fc.pre(!hasSecret(input));
        expect(redact(input)).toEqual(input);
      }),
      { numRuns: 200 },
    );
  });

  it('classifies names the same once its cache of names is full (a flood of new names)', () => {
    // Names come from requests: an attacker can send thousands of new ones; the classification
    // cache stops growing, and a secret named after the flood is hidden all the same.
    for (let i = 0; i < 5000; i++) redact({ [`Flood${i}`]: 'x' });
    expect(redact({ NewSessionTokenAfterFlood: 't', Harmless: 'h' })).toEqual({
      NewSessionTokenAfterFlood: HIDDEN,
      Harmless: 'h',
    });
    expect(isSecretMember('Value', 'PutParameter')).toBe(true);
    expect(isSecretMember('Value', 'constructor')).toBe(false);
  });

  it('keeps a member named __proto__ as an own member, not the prototype', () => {
    const input = JSON.parse('{"__proto__":{"polluted":"yes","Password":"p"},"a":"b"}') as JsonValue;
    const out = redact(input) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe(
      '{"__proto__":{"polluted":"yes","Password":"HIDDEN_DUE_TO_SECURITY_REASONS"},"a":"b"}',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
