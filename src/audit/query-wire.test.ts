import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import type { JsonValue } from '../iam/types.js';
import { queryResult, type XmlNode, type XmlValue } from '../protocol/xml.js';
import { queryRequestParameters, queryResultElements } from './query-wire.js';

describe('queryRequestParameters', () => {
  it('nests flattened members in camelCase, lists as arrays, and drops Action and Version', () => {
    const params = new URLSearchParams(
      'Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fweb' +
        '&RoleSessionName=ci&Tags.member.1.Key=team&Tags.member.1.Value=payments' +
        '&Tags.member.2.Key=env&Tags.member.2.Value=dev&TransitiveTagKeys.member.1=team',
    );
    expect(queryRequestParameters(params)).toEqual({
      roleArn: 'arn:aws:iam::111122223333:role/web',
      roleSessionName: 'ci',
      tags: [
        { key: 'team', value: 'payments' },
        { key: 'env', value: 'dev' },
      ],
      transitiveTagKeys: ['team'],
    });
  });

  it('keeps a member whose path collides as it was sent', () => {
    expect(
      queryRequestParameters([
        ['A', '1'],
        ['A.B', '2'],
      ]),
    ).toEqual({ a: '1', 'A.B': '2' });
  });

  it('keeps the event as small as the request whatever list index a client sends', () => {
    // 40 bytes, accepted unsigned on AssumeRoleWithWebIdentity: an array of 2³² slots before.
    const started = Date.now();
    const out = queryRequestParameters([
      ['PolicyArns.member.4294967295.arn', 'arn:aws:iam::aws:policy/x'],
      ['Tags.member.10000000.Key', 'k'],
      ...Array.from({ length: 50 }, (_, i): [string, string] => [`L${i}.member.999`, 'v']),
    ]);
    const json = JSON.stringify(out);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(json.length).toBeLessThan(20_000);
    // Nothing the client sent is lost: a member past the bound is kept as it was sent.
    expect(out['PolicyArns.member.4294967295.arn']).toBe('arn:aws:iam::aws:policy/x');
    expect(out['Tags.member.10000000.Key']).toBe('k');
    expect((out.l0 as string[])[998]).toBe('v');
    for (let i = 1; i < 50; i++) expect(out[`L${i}.member.999`]).toBe('v');
  });

  it('still nests a list sent in lexical order (member.10 before member.2)', () => {
    const pairs: [string, string][] = Array.from({ length: 12 }, (_, i) => i + 1)
      .map(String)
      .sort()
      .map((n) => [`TransitiveTagKeys.member.${n}`, `k${n}`]);
    expect(queryRequestParameters(pairs)).toEqual({
      transitiveTagKeys: Array.from({ length: 12 }, (_, i) => `k${i + 1}`),
    });
  });

  it('never writes through __proto__', () => {
    const out = queryRequestParameters([
      ['__proto__.polluted', 'yes'],
      ['constructor.prototype.polluted', 'yes'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
  });
});

describe('queryResultElements', () => {
  it('turns the result members into camelCase members, lists into arrays', () => {
    expect(
      queryResultElements({
        Credentials: {
          AccessKeyId: 'ASIA1',
          SecretAccessKey: 's',
          SessionToken: 't',
          Expiration: '2026-11-29T10:00:00Z',
        },
        AssumedRoleUser: { AssumedRoleId: 'AROA1:ci', Arn: 'arn:aws:sts::1:assumed-role/web/ci' },
        PackedPolicySize: undefined,
      }),
    ).toEqual({
      credentials: {
        accessKeyId: 'ASIA1',
        secretAccessKey: 's',
        sessionToken: 't',
        expiration: '2026-11-29T10:00:00Z',
      },
      assumedRoleUser: { assumedRoleId: 'AROA1:ci', arn: 'arn:aws:sts::1:assumed-role/web/ci' },
    });
    expect(queryResultElements({ Tags: [{ Key: 'a', Value: 1 }], IsTruncated: false, Marker: null })).toEqual(
      {
        tags: [{ key: 'a', value: '1' }],
        isTruncated: 'false',
      },
    );
  });

  it('records empty elements as the empty string, and nothing for an empty result', () => {
    expect(queryResultElements({ Role: { RoleLastUsed: {}, Tags: [] } })).toEqual({
      role: { roleLastUsed: '', tags: '' },
    });
    expect(queryResultElements({})).toBeUndefined();
    expect(queryResultElements({ Nothing: undefined })).toBeUndefined();
  });

  // The access log used to read these members back out of the rendered XML; reading the
  // structured result must give exactly what that gave, for any result the handlers can build.
  const parser = new XMLParser({
    ignoreAttributes: true,
    parseTagValue: false,
    trimValues: false,
    isArray: (name) => name === 'member' || name === 'item',
  });
  function camel(value: unknown): JsonValue {
    if (Array.isArray(value)) return value.map(camel);
    if (value === null || value === undefined) return null;
    if (typeof value !== 'object') return String(value);
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1 && (entries[0]![0] === 'member' || entries[0]![0] === 'item')) {
      return camel(entries[0]![1]);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k[0]!.toLowerCase() + k.slice(1), camel(v)]));
  }
  function readBack(result: XmlNode): JsonValue | undefined {
    const doc = parser.parse(queryResult('Op', 'ns', result, 'r').body) as {
      OpResponse: Record<string, unknown>;
    };
    const elements = doc.OpResponse.OpResult;
    if (elements === undefined || elements === null || typeof elements !== 'object') return undefined;
    const out = camel(elements);
    return out !== null && typeof out === 'object' && !Array.isArray(out) ? out : undefined;
  }

  const name = fc.constantFrom(
    'Arn',
    'RoleName',
    'Tags',
    'Key',
    'Value',
    'IsTruncated',
    'member',
    'item',
    'Role',
  );
  const scalar = fc.oneof(
    fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', '&', '<', '>', '"', "'", '/', ':', 'é') }),
    fc.integer(),
    fc.boolean(),
    fc.constant(undefined),
    fc.constant(null),
  );
  const { node } = fc.letrec<{ node: XmlNode; value: XmlValue }>((tie) => ({
    node: fc.dictionary(name, tie('value'), { maxKeys: 4 }),
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalar,
      tie('node'),
      fc.array(tie('value'), { maxLength: 3 }),
    ),
  }));

  it('gives what reading the rendered <OpResult> back gave', () => {
    fc.assert(
      fc.property(node, (result) => {
        expect(queryResultElements(result)).toEqual(readBack(result));
      }),
      { numRuns: 500 },
    );
  });
});
