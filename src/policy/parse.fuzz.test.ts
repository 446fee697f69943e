/**
 * Hostile input: whatever arrives, `parsePolicy` ends in `MalformedPolicyDocumentError` or a
 * document, and `validatePolicy` returns findings — never another error, a stack overflow or a hang.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedPolicyDocumentError } from './errors.js';
import { parsePolicy } from './parse.js';
import { validatePolicy } from './validate.js';
import type { PolicyType } from './ast.js';

const POLICY_TYPES: PolicyType[] = ['identity', 'resource', 'trust', 'boundary', 'session', 'scp', 'rcp'];

const VALID = JSON.stringify(
  {
    Version: '2012-10-17',
    Id: 'example',
    Statement: [
      {
        Sid: 'Read',
        Effect: 'Allow',
        Principal: { AWS: ['arn:aws:iam::123456789012:root'], Service: 'ec2.amazonaws.com' },
        Action: ['s3:GetObject', 's3:List*'],
        Resource: "arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'none'}/*",
        Condition: {
          'ForAnyValue:StringLikeIfExists': { 'aws:TagKeys': ['a*', 1, true] },
          NumericLessThan: { 's3:max-keys': 10 },
        },
      },
      {
        Effect: 'Deny',
        NotAction: 'iam:*',
        NotResource: ['*'],
        Condition: { Null: { 'aws:MultiFactorAuthPresent': 'true' } },
      },
    ],
  },
  null,
  2,
);

/** parsePolicy may only fail with the typed error; validatePolicy may not fail at all. */
function assertRobust(input: string | object, policyTypes: PolicyType[] = POLICY_TYPES): void {
  try {
    parsePolicy(input);
  } catch (error) {
    if (!(error instanceof MalformedPolicyDocumentError)) throw error;
    expect(error.code).toBe('MalformedPolicyDocument');
    expect(error.status).toBe(400);
  }
  for (const policyType of policyTypes) {
    const findings = validatePolicy(input, { policyType });
    expect(Array.isArray(findings)).toBe(true);
  }
}

const oddChar = fc.constantFrom(
  '\ud800',
  '\udfff',
  '\uFEFF',
  '\u0000',
  '\u2028',
  '"',
  '\\',
  '{',
  '}',
  '[',
  ']',
  ':',
  ',',
  '$',
  "'",
  'x',
  '9',
  ' ',
);

describe('parsePolicy / validatePolicy under hostile input', () => {
  it('the seed policy is valid', () => {
    expect(parsePolicy(VALID).statements).toHaveLength(2);
  });

  it('random JSON-ish strings', () => {
    const token = fc.oneof(
      oddChar,
      fc.constantFrom(
        '"Statement"',
        '"Effect"',
        '"Allow"',
        '"Action"',
        '"Condition"',
        '"Principal"',
        '"*"',
        '"Version"',
        'true',
        '-1e9',
        'null',
      ),
      fc.string({ maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), (tokens) => assertRobust(tokens.join(''))),
      { numRuns: 300 },
    );
  });

  it('random mutations of a valid policy: flips, insertions, deletions, truncations', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), ch: oddChar }),
      fc.record({
        kind: fc.constant('insert' as const),
        at: fc.nat(),
        text: fc.string({ maxLength: 6, unit: 'binary' }),
      }),
      fc.record({
        kind: fc.constant('delete' as const),
        at: fc.nat(),
        length: fc.integer({ min: 1, max: 20 }),
      }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        let text = VALID;
        for (const m of mutations) {
          const at = m.at % (text.length + 1);
          if (m.kind === 'flip') text = text.slice(0, at) + m.ch + text.slice(at + 1);
          else if (m.kind === 'insert') text = text.slice(0, at) + m.text + text.slice(at);
          else if (m.kind === 'delete') text = text.slice(0, at) + text.slice(at + m.length);
          else text = text.slice(0, at);
        }
        assertRobust(text);
      }),
      { numRuns: 400 },
    );
  });

  it('random values as already-parsed objects', () => {
    fc.assert(
      fc.property(
        fc.anything({
          maxDepth: 5,
          withBigInt: true,
          withDate: true,
          withMap: true,
          withNullPrototype: true,
        }),
        (value) => {
          if (typeof value === 'object' && value !== null) assertRobust(value);
        },
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        fc.record({
          Version: fc.constantFrom('2012-10-17', '2008-10-17', 'x'),
          Statement: fc.array(
            fc.record(
              {
                Effect: fc.constantFrom('Allow', 'Deny', 'allow'),
                Action: fc.oneof(fc.string(), fc.array(fc.string())),
                Resource: fc.oneof(fc.constant('*'), fc.string(), fc.array(fc.string())),
                Principal: fc.oneof(
                  fc.constant('*'),
                  fc.record({ AWS: fc.string() }),
                  fc.dictionary(fc.string(), fc.string()),
                ),
                Condition: fc.dictionary(
                  fc.string(),
                  fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean())),
                ),
                Sid: fc.string(),
              },
              { requiredKeys: [] },
            ),
            { maxLength: 3 },
          ),
        }),
        (doc) => assertRobust(doc),
      ),
      { numRuns: 300 },
    );
  });

  it('deep nesting (100k levels) fails fast with NESTING_TOO_DEEP', () => {
    for (const text of [
      '['.repeat(100_000),
      '{"a":'.repeat(100_000),
      `{"Statement":{"Effect":"Allow","Action":"*","Condition":${'{"a":'.repeat(100_000)}`,
      `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    ]) {
      expect(() => parsePolicy(text)).toThrow(expect.objectContaining({ issueCode: 'NESTING_TOO_DEEP' }));
      assertRobust(text);
    }
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => parsePolicy({ Statement: deep })).toThrow(MalformedPolicyDocumentError);
    assertRobust({ Statement: deep });
  });

  it('1 MiB inputs: accepted up to the bound, rejected beyond it', () => {
    const prefix =
      '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Sid":"';
    const suffix = '"}}';
    const fill = 1024 * 1024 - prefix.length - suffix.length;
    const atBound = prefix + 'a'.repeat(fill) + suffix;
    expect(parsePolicy(atBound).statements[0]?.sid?.value.length).toBe(fill);
    expect(validatePolicy(atBound, { policyType: 'identity' }).map((f) => f.code)).toContain(
      'POLICY_SIZE_EXCEEDS_QUOTA',
    );
    const beyond = prefix + 'a'.repeat(fill + 1) + suffix;
    expect(() => parsePolicy(beyond)).toThrow(expect.objectContaining({ issueCode: 'DOCUMENT_TOO_LARGE' }));
    // Megabyte-sized hostile shapes are slow to build node by node; one policy type is enough.
    assertRobust('"' + '\\'.repeat(1024 * 1024 - 2) + '"', ['identity']);
    assertRobust('['.repeat(16) + '1,'.repeat(500_000), ['identity']);
  });

  it('lone surrogates anywhere, raw or escaped', () => {
    const text = VALID.replace('s3:GetObject', 's3:Get\ud800Object').replace('"Read"', '"R\\udc00ead"');
    const doc = parsePolicy(text);
    expect(doc.statements[0]?.action?.values[0]?.value).toBe('s3:Get\ud800Object');
    expect(doc.statements[0]?.sid?.value).toBe('R\udc00ead');
    assertRobust(text);
  });
});

describe('linear-time structure', () => {
  it('a large valid document (5,000 statements, ~700 KB) parses completely', () => {
    const statements = Array.from({ length: 5_000 }, (_, i) => ({
      Sid: `S${i}`,
      Effect: i % 2 === 0 ? 'Allow' : 'Deny',
      Action: [`s3:GetObject${i}`, 'ec2:Describe*'],
      Resource: `arn:aws:s3:::bucket-${i}/*`,
      Condition: { StringEquals: { 'aws:username': [`u${i}`, 'x'] } },
    }));
    const text = JSON.stringify({ Version: '2012-10-17', Statement: statements });
    expect(text.length).toBeGreaterThan(600_000);
    const doc = parsePolicy(text);
    expect(doc.statements).toHaveLength(5_000);
    expect(doc.statements[4_999]?.conditions[0]?.values[0]?.loc.path).toBe(
      'Statement[4999].Condition.StringEquals.aws:username[0]',
    );
    expect(doc.size).toBe(text.length);
    expect(validatePolicy(text, { policyType: 'identity' }).map((f) => f.code)).toEqual([
      'POLICY_SIZE_EXCEEDS_QUOTA',
    ]);
  });

  it('a string of 200,000 escapes decodes in one pass (runs are sliced and joined, not appended)', () => {
    const value = 'a\\n'.repeat(100_000) + '\\u0041\\"'.repeat(50_000);
    const doc = parsePolicy(`{"Statement":{"Effect":"Allow","Action":"${value}"}}`);
    expect(doc.statements[0]?.action?.values[0]?.value).toBe('a\n'.repeat(100_000) + 'A"'.repeat(50_000));
  });
});
