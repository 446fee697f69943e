import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConditionEntry } from '../ast.js';
import { parseConditionOperator } from '../condition-operator.js';
import { createRequestContext } from '../context.js';
import type { ContextInput } from '../context.js';
import { compileCondition, parseCidr, parseDateValue, parseIpAddress } from './index.js';

function entry(operator: string, key: string, values: string[]): ConditionEntry {
  const parsed = parseConditionOperator(operator);
  if (!parsed.ok) throw new Error(parsed.message);
  const loc = { path: '' };
  return {
    operator: parsed.operator,
    operatorLoc: loc,
    key: { value: key, loc },
    values: values.map((value) => ({ value, loc })),
    loc,
  };
}

/** Evaluates `{ operator: { key: values } }` against a context (undefined value = key absent). */
function holds(
  operator: string,
  key: string,
  values: string[],
  context: Record<string, ContextInput>,
  variables = true,
): boolean {
  return compileCondition(entry(operator, key, values), { variables })(createRequestContext(context));
}

type Row = [
  name: string,
  operator: string,
  values: string[],
  context: ContextInput | undefined,
  expected: boolean,
];

function table(key: string, rows: Row[]): void {
  it.each(rows)('%s', (_name, operator, values, value, expected) => {
    expect(holds(operator, key, values, value === undefined ? {} : { [key]: value })).toBe(expected);
  });
}

describe('reference_policies_elements_condition_operators: String', () => {
  table('aws:username', [
    ['StringEquals exact', 'StringEquals', ['alice'], 'alice', true],
    ['StringEquals is case-sensitive', 'StringEquals', ['alice'], 'Alice', false],
    ['StringEquals: several values OR', 'StringEquals', ['bob', 'alice'], 'alice', true],
    ['StringEquals: key absent → false', 'StringEquals', ['alice'], undefined, false],
    ['StringNotEquals: several values NOR', 'StringNotEquals', ['bob', 'alice'], 'alice', false],
    ['StringNotEquals: none equal → true', 'StringNotEquals', ['bob', 'carol'], 'alice', true],
    ['StringNotEquals: key absent → true', 'StringNotEquals', ['alice'], undefined, true],
    ['StringEqualsIgnoreCase', 'StringEqualsIgnoreCase', ['ALICE'], 'alice', true],
    ['StringNotEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', ['ALICE'], 'alice', false],
    ['StringLike *', 'StringLike', ['al*'], 'alice', true],
    ['StringLike ?', 'StringLike', ['al?ce'], 'alice', true],
    ['StringLike is case-sensitive', 'StringLike', ['AL*'], 'alice', false],
    ['StringNotLike', 'StringNotLike', ['al*'], 'alice', false],
    ['StringNotLike absent → true', 'StringNotLike', ['al*'], undefined, true],
    ['StringEqualsIfExists absent → true', 'StringEqualsIfExists', ['alice'], undefined, true],
    ['StringEqualsIfExists present, different → false', 'StringEqualsIfExists', ['alice'], 'bob', false],
    ['StringEquals against a number value (coerced text)', 'StringEquals', ['10'], 10, true],
  ]);

  it('key names are case-insensitive, including the tag part', () => {
    expect(holds('StringEquals', 'AWS:PrincipalTag/Team', ['red'], { 'aws:principaltag/team': 'red' })).toBe(
      true,
    );
    expect(holds('StringEquals', 'aws:principaltag/team', ['red'], { 'aws:PrincipalTag/TEAM': 'red' })).toBe(
      true,
    );
  });

  it('reference_policies_variables: a variable in a condition value resolves from the request', () => {
    const ctx = { 'aws:username': 'alice', 's3:prefix': 'home/alice/' };
    expect(holds('StringLike', 's3:prefix', ['home/${aws:username}/*'], ctx)).toBe(true);
    expect(
      holds('StringLike', 's3:prefix', ['home/${aws:username}/*'], { ...ctx, 'aws:username': 'bob' }),
    ).toBe(false);
    expect(holds('StringEquals', 'aws:username', ['${aws:username}'], ctx)).toBe(true);
    // A resolved `*` is literal.
    expect(
      holds('StringLike', 's3:prefix', ['home/${aws:username}/*'], {
        's3:prefix': 'home/x/',
        'aws:username': '*',
      }),
    ).toBe(false);
  });

  it('reference_policies_variables: no value → positive operators do not match, negated ones do', () => {
    expect(holds('StringEquals', 'aws:username', ['${aws:PrincipalTag/x}'], { 'aws:username': 'a' })).toBe(
      false,
    );
    expect(holds('StringNotEquals', 'aws:username', ['${aws:PrincipalTag/x}'], { 'aws:username': 'a' })).toBe(
      true,
    );
    expect(
      holds('StringEquals', 'aws:username', ["${aws:PrincipalTag/x, 'a'}"], { 'aws:username': 'a' }),
    ).toBe(true);
  });

  it('reference_policies_elements_version: no variables under 2008-10-17', () => {
    expect(
      holds('StringEquals', 'k', ['${aws:username}'], { k: '${aws:username}', 'aws:username': 'x' }, false),
    ).toBe(true);
    expect(holds('StringEquals', 'k', ['${aws:username}'], { k: 'x', 'aws:username': 'x' }, false)).toBe(
      false,
    );
  });
});

describe('reference_policies_elements_condition_operators: Numeric', () => {
  table('s3:max-keys', [
    ['NumericEquals', 'NumericEquals', ['10'], '10', true],
    ['NumericEquals compares numbers, not text', 'NumericEquals', ['10'], '10.0', true],
    ['NumericNotEquals', 'NumericNotEquals', ['10'], '11', true],
    ['NumericLessThan', 'NumericLessThan', ['10'], 9, true],
    ['NumericLessThan equal → false', 'NumericLessThan', ['10'], 10, false],
    ['NumericLessThanEquals', 'NumericLessThanEquals', ['10'], 10, true],
    ['NumericGreaterThan', 'NumericGreaterThan', ['10'], '10.5', true],
    ['NumericGreaterThanEquals', 'NumericGreaterThanEquals', ['10'], '9.99', false],
    ['NumericLessThan absent → false', 'NumericLessThan', ['10'], undefined, false],
    ['NumericNotEquals absent → true', 'NumericNotEquals', ['10'], undefined, true],
    ['non-numeric context never compares', 'NumericLessThan', ['10'], 'abc', false],
    ['hex is not a number', 'NumericEquals', ['16'], '0x10', false],
  ]);
});

describe('reference_policies_elements_condition_operators: Date (aws:EpochTime is epoch seconds)', () => {
  table('aws:CurrentTime', [
    ['DateEquals ISO date = epoch seconds', 'DateEquals', ['2024-01-01'], '1704067200', true],
    ['DateEquals is not milliseconds', 'DateEquals', ['2024-01-01'], '1704067200000', false],
    ['DateGreaterThan', 'DateGreaterThan', ['2024-01-01T00:00:00Z'], new Date('2024-06-01T00:00:00Z'), true],
    ['DateLessThan', 'DateLessThan', ['2024-01-01T00:00:00Z'], '2023-12-31T23:59:59Z', true],
    [
      'DateLessThanEquals equal',
      'DateLessThanEquals',
      ['2024-01-01T00:00:00Z'],
      '2024-01-01T00:00:00Z',
      true,
    ],
    [
      'DateGreaterThanEquals offsets',
      'DateGreaterThanEquals',
      ['2024-01-01T02:00:00+02:00'],
      '2024-01-01T00:00:00Z',
      true,
    ],
    ['DateNotEquals', 'DateNotEquals', ['2024-01-01'], '2024-01-02', true],
    ['DateLessThan absent → false', 'DateLessThan', ['2024-01-01'], undefined, false],
    ['epoch seconds policy value', 'DateGreaterThan', ['1704067200'], '2024-01-01T00:00:01Z', true],
    ['number context value is epoch seconds', 'DateEquals', ['2024-01-01T00:00:00Z'], 1704067200, true],
    ['unparseable → no match', 'DateEquals', ['not-a-date'], '2024-01-01', false],
  ]);

  it('parses a date-time without offset as UTC, and rejects impossible dates', () => {
    expect(parseDateValue('2024-01-01T00:00:00')).toBe(Date.UTC(2024, 0, 1));
    expect(parseDateValue('2024-02-30')).toBeNaN();
    expect(parseDateValue('2024-01-01T10:00:00.5Z')).toBe(Date.UTC(2024, 0, 1, 10, 0, 0, 500));
  });
});

describe('reference_policies_elements_condition_operators: Bool (absent aws:MultiFactorAuthPresent)', () => {
  table('aws:MultiFactorAuthPresent', [
    ['Bool true', 'Bool', ['true'], 'true', true],
    ['Bool boolean value', 'Bool', ['true'], true, true],
    ['Bool case-insensitive', 'Bool', ['TRUE'], 'true', true],
    ['Bool false vs true', 'Bool', ['false'], true, false],
    // Long-term keys carry no aws:MultiFactorAuthPresent: a `Bool false` Deny does not catch them.
    ['Bool false with key absent (long-term keys) → false', 'Bool', ['false'], undefined, false],
    ['BoolIfExists false with key absent → true', 'BoolIfExists', ['false'], undefined, true],
  ]);
});

describe('reference_policies_elements_condition_operators: Binary', () => {
  table('k', [
    ['BinaryEquals base64 bytes', 'BinaryEquals', ['QmluYXJ5'], new Uint8Array(Buffer.from('Binary')), true],
    ['BinaryEquals base64 text context', 'BinaryEquals', ['QmluYXJ5'], 'QmluYXJ5', true],
    ['BinaryEquals different', 'BinaryEquals', ['QmluYXJ5'], 'QmluYXJ6', false],
    ['BinaryEquals absent → false', 'BinaryEquals', ['QmluYXJ5'], undefined, false],
  ]);
});

describe('reference_policies_elements_condition_operators: IP address', () => {
  table('aws:SourceIp', [
    ['IpAddress IPv4 CIDR', 'IpAddress', ['203.0.113.0/24'], '203.0.113.7', true],
    ['IpAddress outside', 'IpAddress', ['203.0.113.0/24'], '203.0.114.7', false],
    ['IpAddress bare address = /32', 'IpAddress', ['203.0.113.7'], '203.0.113.7', true],
    ['IpAddress bare address other host', 'IpAddress', ['203.0.113.7'], '203.0.113.8', false],
    ['IpAddress IPv6', 'IpAddress', ['2001:DB8:1234:5678::/64'], '2001:db8:1234:5678:0:0:0:1', true],
    ['IpAddress IPv6 outside', 'IpAddress', ['2001:DB8:1234:5678::/64'], '2001:db8:1234:5679::1', false],
    ['IPv4 block never matches IPv6 address', 'IpAddress', ['0.0.0.0/0'], '2001:db8::1', false],
    ['IPv4-mapped IPv6 address is IPv4', 'IpAddress', ['10.0.0.0/8'], '::ffff:10.1.2.3', true],
    ['NotIpAddress inside → false', 'NotIpAddress', ['10.0.0.0/8'], '10.1.2.3', false],
    ['NotIpAddress outside → true', 'NotIpAddress', ['10.0.0.0/8', '192.168.0.0/16'], '172.16.0.1', true],
    ['NotIpAddress absent → true', 'NotIpAddress', ['10.0.0.0/8'], undefined, true],
    ['IpAddress absent → false', 'IpAddress', ['0.0.0.0/0'], undefined, false],
    ['not an address', 'IpAddress', ['0.0.0.0/0'], 'example.com', false],
  ]);

  it('parses addresses and blocks strictly', () => {
    expect(parseIpAddress('256.0.0.1')).toBeNull();
    expect(parseIpAddress('1.2.3')).toBeNull();
    expect(parseIpAddress('1::2::3')).toBeNull();
    expect(parseIpAddress('::')?.words.length).toBe(8);
    expect(parseCidr('10.0.0.0/33')).toBeNull();
    expect(parseCidr('2001:db8::/129')).toBeNull();
    expect(parseCidr('10.0.0.0/x')).toBeNull();
  });
});

describe('reference_policies_elements_condition_operators: ARN', () => {
  table('aws:SourceArn', [
    [
      'ArnEquals exact',
      'ArnEquals',
      ['arn:aws:sns:us-east-1:111122223333:topic'],
      'arn:aws:sns:us-east-1:111122223333:topic',
      true,
    ],
    [
      'ArnEquals takes wildcards (≡ ArnLike)',
      'ArnEquals',
      ['arn:aws:sns:*:111122223333:*'],
      'arn:aws:sns:us-east-1:111122223333:topic',
      true,
    ],
    [
      'ArnLike per segment',
      'ArnLike',
      ['arn:aws:svc:*:111122223333:finance/*'],
      'arn:aws:svc:us-east-2:999999999999:store/abc:111122223333:finance/x',
      false,
    ],
    [
      'ArnNotLike',
      'ArnNotLike',
      ['arn:aws:iam::*:role/imds-admin'],
      'arn:aws:iam::111122223333:role/other',
      true,
    ],
    ['ArnNotEquals absent → true', 'ArnNotEquals', ['arn:aws:iam::*:role/x'], undefined, true],
    ['ArnLike absent → false', 'ArnLike', ['arn:aws:iam::*:role/x'], undefined, false],
    ['ArnLike on a non-ARN value → false', 'ArnLike', ['*'], 'not-an-arn', false],
  ]);

  it('StringLike lets `*` eat colons where ArnLike does not (Condition operators, ARN example)', () => {
    const value = 'arn:aws:svc:us-east-2:999999999999:store/abc:111122223333:finance/x';
    expect(
      holds('StringLike', 'aws:SourceArn', ['arn:aws:svc:*:111122223333:finance/*'], {
        'aws:SourceArn': value,
      }),
    ).toBe(true);
    expect(
      holds('ArnLike', 'aws:SourceArn', ['arn:aws:svc:*:111122223333:finance/*'], { 'aws:SourceArn': value }),
    ).toBe(false);
  });
});

describe('reference_policies_elements_condition_operators: Null', () => {
  table('aws:TokenIssueTime', [
    ['Null true, key absent', 'Null', ['true'], undefined, true],
    ['Null true, key present', 'Null', ['true'], '2024-01-01T00:00:00Z', false],
    ['Null false, key present', 'Null', ['false'], '2024-01-01T00:00:00Z', true],
    ['Null false, key absent', 'Null', ['false'], undefined, false],
    ['Null true, empty set counts as absent', 'Null', ['true'], [], true],
  ]);
});

describe('reference_policies_multi-value-conditions: the documented table, row by row', () => {
  const key = 'aws:TagKeys';
  const cols: [string, ContextInput | undefined][] = [
    ['key absent', undefined],
    ['key = []', []],
    ['["a"] vs ["a","b"]', ['a']],
    ['["a","c"] vs ["a","b"]', ['a', 'c']],
  ];
  const rows: [string, (boolean | null)[]][] = [
    ['StringEquals', [false, null, null, null]],
    ['ForAllValues:StringEquals', [true, true, true, false]],
    ['ForAnyValue:StringEquals', [false, false, true, true]],
    ['ForAllValues:StringNotEquals', [true, true, false, false]],
    ['ForAnyValue:StringNotEquals', [false, false, false, true]],
  ];
  for (const [operator, expected] of rows) {
    cols.forEach(([col, value], i) => {
      const want = expected[i];
      if (want === null || want === undefined) return;
      it(`reference_policies_multi-value-conditions: ${operator}, ${col} → ${want}`, () => {
        expect(holds(operator, key, ['a', 'b'], value === undefined ? {} : { [key]: value })).toBe(want);
      });
    });
  }

  it('reference_policies_multi-value-conditions: ForAnyValue…IfExists on an absent key → true', () => {
    expect(holds('ForAnyValue:StringEqualsIfExists', key, ['a'], {})).toBe(true);
  });

  it('conditions/forAllValuesMisused: a set operator on a single-valued key treats it as a one-element set', () => {
    expect(
      holds('ForAllValues:StringEquals', 'aws:RequestTag/team', ['red'], { 'aws:RequestTag/team': 'red' }),
    ).toBe(true);
    expect(
      holds('ForAnyValue:StringEquals', 'aws:RequestTag/team', ['red'], { 'aws:RequestTag/team': 'blue' }),
    ).toBe(false);
  });

  it('UNVERIFIED decision: a plain operator on a multivalued key does not match (positive and negated)', () => {
    expect(holds('StringEquals', key, ['a'], { [key]: ['a'] })).toBe(false);
    expect(holds('StringNotEquals', key, ['b'], { [key]: ['a'] })).toBe(false);
    expect(holds('StringLike', key, ['*'], { [key]: ['a', 'b'] })).toBe(false);
    expect(holds('StringEqualsIfExists', key, ['a'], { [key]: ['a'] })).toBe(false);
  });

  // Property tests over small sets.
  const letters = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { maxLength: 5 });
  const policy = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { minLength: 1, maxLength: 5 });

  it('ForAllValues:StringEquals holds exactly when the request set is a subset of the policy values', () => {
    fc.assert(
      fc.property(letters, policy, (req, pol) => {
        const subset = req.every((v) => pol.includes(v));
        expect(holds('ForAllValues:StringEquals', key, pol, { [key]: req })).toBe(subset);
      }),
      { numRuns: 200 },
    );
  });

  it('ForAnyValue:StringEquals holds exactly when the sets intersect', () => {
    fc.assert(
      fc.property(letters, policy, (req, pol) => {
        const intersects = req.some((v) => pol.includes(v));
        expect(holds('ForAnyValue:StringEquals', key, pol, { [key]: req })).toBe(intersects);
      }),
      { numRuns: 200 },
    );
  });

  it('De Morgan: ForAllValues:StringNotEquals = not ForAnyValue:StringEquals (non-empty sets); ForAnyValue:StringNotEquals = not ForAllValues:StringEquals', () => {
    fc.assert(
      fc.property(
        letters.filter((l) => l.length > 0),
        policy,
        (req, pol) => {
          const ctx = { [key]: req };
          expect(holds('ForAllValues:StringNotEquals', key, pol, ctx)).toBe(
            !holds('ForAnyValue:StringEquals', key, pol, ctx),
          );
          expect(holds('ForAnyValue:StringNotEquals', key, pol, ctx)).toBe(
            !holds('ForAllValues:StringEquals', key, pol, ctx),
          );
          expect(holds('ForAllValues:StringNotLike', key, pol, ctx)).toBe(
            !holds('ForAnyValue:StringLike', key, pol, ctx),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('negated single-valued operators are the complement of the positive ones when the key is present', () => {
    const pairs: [string, string, fc.Arbitrary<string>, fc.Arbitrary<string>][] = [
      ['StringEquals', 'StringNotEquals', fc.constantFrom('a', 'b', 'A'), fc.constantFrom('a', 'b', 'A')],
      ['StringLike', 'StringNotLike', fc.constantFrom('a*', '?', 'b'), fc.constantFrom('a', 'ab', 'b')],
      ['NumericEquals', 'NumericNotEquals', fc.constantFrom('1', '2', '1.0'), fc.constantFrom('1', '2', '3')],
      [
        'DateEquals',
        'DateNotEquals',
        fc.constantFrom('2024-01-01', '1704067200'),
        fc.constantFrom('2024-01-01T00:00:00Z', '2024-01-02'),
      ],
      [
        'IpAddress',
        'NotIpAddress',
        fc.constantFrom('10.0.0.0/8', '10.1.0.0/16'),
        fc.constantFrom('10.1.1.1', '10.2.1.1', '11.0.0.1'),
      ],
      [
        'ArnLike',
        'ArnNotLike',
        fc.constantFrom('arn:aws:s3:::a*', 'arn:aws:s3:::b'),
        fc.constantFrom('arn:aws:s3:::ab', 'arn:aws:s3:::b'),
      ],
    ];
    for (const [pos, neg, pv, cv] of pairs) {
      fc.assert(
        fc.property(fc.array(pv, { minLength: 1, maxLength: 3 }), cv, (values, v) => {
          const ctx = { k: v };
          expect(holds(neg, 'k', values, ctx)).toBe(!holds(pos, 'k', values, ctx));
        }),
        { numRuns: 60 },
      );
    }
  });
});

describe('ec2 instance-metadata-transition-to-version-2: ec2:RoleDelivery', () => {
  table('ec2:RoleDelivery', [
    [
      'NumericLessThan 2.0, IMDSv1 credentials "1.0" → true (deny applies)',
      'NumericLessThan',
      ['2.0'],
      '1.0',
      true,
    ],
    ['NumericLessThan 2.0, IMDSv2 credentials "2.0" → false', 'NumericLessThan', ['2.0'], '2.0', false],
    ['NumericLessThan 2.0, key absent (user keys) → false', 'NumericLessThan', ['2.0'], undefined, false],
    ['NumericLessThan 2.0, numeric context 2 → false', 'NumericLessThan', ['2.0'], 2, false],
  ]);
});
