import { describe, expect, it } from 'vitest';
import { AwsError } from '../errors.js';
import type { PolicyDocument, Statement } from './ast.js';
import { MalformedPolicyDocumentError } from './errors.js';
import { parsePolicy } from './parse.js';

function only(doc: PolicyDocument): Statement {
  expect(doc.statements).toHaveLength(1);
  return doc.statements[0] as Statement;
}

function parseError(input: string | object): MalformedPolicyDocumentError {
  try {
    parsePolicy(input);
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedPolicyDocumentError);
    return error as MalformedPolicyDocumentError;
  }
  throw new Error('expected parsePolicy to throw');
}

const stmt = (extra: Record<string, unknown>) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:GetObject', ...extra }],
  });

describe('parsePolicy: positions and paths', () => {
  const text = [
    '{',
    '  "Version": "2012-10-17",',
    '  "Statement": [',
    '    {"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},',
    '    {',
    '      "Effect": "Deny",',
    '      "Action": ["s3:PutObject", "s3:DeleteObject"],',
    '      "Resource": "arn:aws:s3:::bucket/*",',
    '      "Condition": {"StringEquals": {"aws:username": ["alice", "bob"]}}',
    '    }',
    '  ]',
    '}',
  ].join('\n');
  const doc = parsePolicy(text);

  it('locates the version and the document', () => {
    expect(doc.version?.value).toBe('2012-10-17');
    expect(doc.version?.loc).toEqual({
      path: 'Version',
      start: { line: 2, column: 14, offset: 15 },
      end: { line: 2, column: 26, offset: 27 },
    });
    expect(doc.loc.path).toBe('');
    expect(doc.loc.start).toEqual({ line: 1, column: 1, offset: 0 });
    expect(doc.loc.end?.line).toBe(12);
  });

  it('locates statements and their elements inside arrays', () => {
    const second = doc.statements[1] as Statement;
    expect(second.index).toBe(1);
    expect(second.loc.path).toBe('Statement[1]');
    expect(second.loc.start).toMatchObject({ line: 5, column: 5 });
    expect(second.effect.loc).toMatchObject({ path: 'Statement[1].Effect', start: { line: 6, column: 17 } });
    expect(second.action?.loc.path).toBe('Statement[1].Action');
    expect(second.action?.values[1]?.loc).toMatchObject({
      path: 'Statement[1].Action[1]',
      start: { line: 7, column: 34 },
    });
    expect(second.resource?.values[0]?.loc).toMatchObject({
      path: 'Statement[1].Resource',
      start: { line: 8, column: 19 },
    });
    expect((doc.statements[0] as Statement).sid?.loc.path).toBe('Statement[0].Sid');
  });

  it('locates condition operators, keys and values', () => {
    const entry = (doc.statements[1] as Statement).conditions[0];
    expect(entry?.operatorLoc).toMatchObject({
      path: 'Statement[1].Condition.StringEquals',
      start: { line: 9, column: 21 },
    });
    expect(entry?.key).toMatchObject({
      value: 'aws:username',
      loc: { path: 'Statement[1].Condition.StringEquals.aws:username', start: { line: 9, column: 38 } },
    });
    expect(entry?.values.map((v) => v.loc.path)).toEqual([
      'Statement[1].Condition.StringEquals.aws:username[0]',
      'Statement[1].Condition.StringEquals.aws:username[1]',
    ]);
    expect(entry?.values[1]?.loc.start).toMatchObject({ line: 9, column: 64 });
  });

  it('counts size without insignificant whitespace', () => {
    expect(doc.size).toBe(JSON.stringify(JSON.parse(text)).length);
  });

  it('columns count from after a BOM and CRLF is one line break', () => {
    const d = parsePolicy('\uFEFF{"Statement":\r\n {"Effect":"Allow","Action":"*"}}');
    expect(d.loc.start).toEqual({ line: 1, column: 1, offset: 1 });
    expect(d.statements[0]?.loc.start).toEqual({ line: 2, column: 2, offset: 17 });
    expect(d.size).toBe('{"Statement":{"Effect":"Allow","Action":"*"}}'.length);
  });
});

describe('parsePolicy: accepted shapes', () => {
  it('a single statement object is normalised to a list; its path stays `Statement`', () => {
    const doc = parsePolicy(
      '{"Statement": {"Effect": "Deny", "NotAction": "iam:*", "NotResource": ["a", "b"]}}',
    );
    const s = only(doc);
    expect(s.loc.path).toBe('Statement');
    expect(s.effect.value).toBe('Deny');
    expect(s.action).toMatchObject({ negated: true, values: [{ value: 'iam:*' }] });
    expect(s.resource?.negated).toBe(true);
    expect(s.resource?.values.map((v) => v.value)).toEqual(['a', 'b']);
    expect(doc.version).toBeUndefined();
  });

  it('accepts both versions and an Id', () => {
    expect(parsePolicy(stmt({})).version?.value).toBe('2012-10-17');
    const legacy = parsePolicy(
      '{"Version":"2008-10-17","Id":"x","Statement":[{"Effect":"Allow","Action":"*"}]}',
    );
    expect(legacy.version?.value).toBe('2008-10-17');
    expect(legacy.id?.value).toBe('x');
  });

  it('accepts every principal form', () => {
    const star = only(parsePolicy(stmt({ Principal: '*' }))).principal;
    expect(star).toMatchObject({ negated: false, wildcard: true, entries: [] });

    const aws = only(parsePolicy(stmt({ Principal: { AWS: '*' } }))).principal;
    expect(aws).toMatchObject({ wildcard: true, entries: [{ type: 'AWS', values: [{ value: '*' }] }] });

    const many = only(
      parsePolicy(
        stmt({
          Principal: {
            AWS: ['123456789012', 'arn:aws:iam::123456789012:role/r'],
            Service: 'ec2.amazonaws.com',
            Federated: 'cognito-identity.amazonaws.com',
            CanonicalUser: 'abc',
          },
        }),
      ),
    ).principal;
    expect(many?.wildcard).toBe(false);
    expect(many?.entries.map((e) => [e.type, e.values.map((v) => v.value)])).toEqual([
      ['AWS', ['123456789012', 'arn:aws:iam::123456789012:role/r']],
      ['Service', ['ec2.amazonaws.com']],
      ['Federated', ['cognito-identity.amazonaws.com']],
      ['CanonicalUser', ['abc']],
    ]);
    expect(many?.entries[0]?.values[1]?.loc.path).toBe('Statement[0].Principal.AWS[1]');

    const not = only(parsePolicy(stmt({ NotPrincipal: { AWS: ['arn:aws:iam::1:root'] } }))).principal;
    expect(not).toMatchObject({ negated: true, wildcard: false });
  });

  it('coerces condition numbers and booleans to strings, in mixed lists too', () => {
    const s = only(
      parsePolicy(
        '{"Statement":{"Effect":"Allow","Action":"*","Condition":{' +
          '"NumericLessThan":{"s3:max-keys":10.50},"Bool":{"aws:SecureTransport":false},' +
          '"StringEquals":{"k":["a",2,true,-1e3]}}}}',
      ),
    );
    expect(s.conditions.map((c) => [c.operator.base, c.key.value, c.values.map((v) => v.value)])).toEqual([
      ['NumericLessThan', 's3:max-keys', ['10.50']],
      ['Bool', 'aws:SecureTransport', ['false']],
      ['StringEquals', 'k', ['a', '2', 'true', '-1e3']],
    ]);
  });

  it('keeps one condition entry per (operator, key) in document order', () => {
    const s = only(
      parsePolicy(
        stmt({
          Condition: { StringLike: { a: 'x', b: ['y'] }, 'ForAllValues:StringEqualsIfExists': { c: [] } },
        }),
      ),
    );
    expect(s.conditions.map((c) => [c.operator.text, c.key.value, c.values.length])).toEqual([
      ['StringLike', 'a', 1],
      ['StringLike', 'b', 1],
      ['ForAllValues:StringEqualsIfExists', 'c', 0],
    ]);
    expect(s.conditions[2]?.operator).toEqual({
      text: 'ForAllValues:StringEqualsIfExists',
      set: 'ForAllValues',
      base: 'StringEquals',
      ifExists: true,
    });
  });

  it('accepts empty lists (validation suggests removing them)', () => {
    const s = only(parsePolicy(stmt({ Action: [], Resource: [] })));
    expect(s.action?.values).toEqual([]);
    expect(s.resource?.values).toEqual([]);
  });

  it('element order inside a statement does not matter', () => {
    const a = parsePolicy({ Statement: [{ Resource: '*', Action: 'x:y', Effect: 'Allow' }] });
    expect(only(a).effect.value).toBe('Allow');
  });

  it('decodes every JSON escape, lone surrogates included', () => {
    const s = only(
      parsePolicy('{"Statement":{"Effect":"Allow","Action":"a\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\ud800z"}}'),
    );
    expect(s.action?.values[0]?.value).toBe('a"\\/\b\f\n\r\tA\ud800z');
  });

  it('builds the same AST from an object, with paths but without positions', () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: undefined,
          Effect: 'Allow',
          Action: ['s3:GetObject'],
          Resource: '*',
          Condition: { NumericEquals: { 'a:b': [1, 2.5] } },
        },
      ],
    };
    const fromObject = parsePolicy(policy);
    const s = only(fromObject);
    expect(s.sid).toBeUndefined();
    expect(s.action?.values[0]?.loc).toEqual({ path: 'Statement[0].Action[0]' });
    expect(s.conditions[0]?.values.map((v) => v.value)).toEqual(['1', '2.5']);
    expect(fromObject.size).toBe(JSON.stringify(policy).length);

    const stripLoc = (d: PolicyDocument) =>
      JSON.parse(
        JSON.stringify(d, (k, v: unknown) => (k === 'start' || k === 'end' ? undefined : v)),
      ) as unknown;
    expect(stripLoc(parsePolicy(JSON.stringify(policy)))).toEqual(stripLoc(fromObject));
  });
});

describe('parsePolicy: errors carry a precise message and location', () => {
  const cases: Array<[string, string | object, string, string, string]> = [
    // [title, input, issueCode, message fragment, path]
    ['invalid JSON', '{"Statement": [', 'JSON_SYNTAX_ERROR', 'Unexpected end', 'Statement[0]'],
    [
      'trailing text',
      '{"Statement":{"Effect":"Allow","Action":"*"}} x',
      'JSON_SYNTAX_ERROR',
      'after the end',
      '',
    ],
    ['empty text', '   ', 'JSON_SYNTAX_ERROR', 'empty', ''],
    ['comments are not JSON', '{/* */}', 'JSON_SYNTAX_ERROR', "'/'", ''],
    [
      'trailing comma',
      '{"Statement":[{"Effect":"Allow","Action":"*"},]}',
      'JSON_SYNTAX_ERROR',
      "']'",
      'Statement[1]',
    ],
    ['raw control character', '{"Id":"a\tb"}', 'JSON_SYNTAX_ERROR', 'U+0009', 'Id'],
    ['bad escape', '{"Id":"\\x"}', 'JSON_SYNTAX_ERROR', 'Invalid escape', 'Id'],
    ['bad unicode escape', '{"Id":"\\u12G4"}', 'JSON_SYNTAX_ERROR', '\\u escape', 'Id'],
    ['leading zero', '{"Id":01}', 'JSON_SYNTAX_ERROR', 'Invalid number', 'Id'],
    ['root not an object', '[]', 'INVALID_ELEMENT_TYPE', 'Policy document must be a JSON object', ''],
    [
      'unknown top-level element',
      '{"Statement":[],"Foo":1}',
      'UNKNOWN_ELEMENT',
      'Unknown policy element "Foo"',
      'Foo',
    ],
    ['case-sensitive element names', '{"statement":[]}', 'UNKNOWN_ELEMENT', '"statement"', 'statement'],
    ['missing Statement', '{"Version":"2012-10-17"}', 'MISSING_STATEMENT', 'must contain a Statement', ''],
    ['empty Statement list', '{"Statement":[]}', 'EMPTY_STATEMENT', 'at least one statement', 'Statement'],
    [
      'statement not an object',
      '{"Statement":["x"]}',
      'INVALID_ELEMENT_TYPE',
      'Statement must be a JSON object',
      'Statement[0]',
    ],
    [
      'invalid Version',
      '{"Version":"2012-10-18","Statement":{}}',
      'INVALID_VERSION',
      '"2012-10-18"',
      'Version',
    ],
    [
      'Version not a string',
      '{"Version":2012,"Statement":{}}',
      'INVALID_ELEMENT_TYPE',
      'Version must be a string',
      'Version',
    ],
    [
      'unknown statement element',
      stmt({ Resources: '*' }),
      'UNKNOWN_ELEMENT',
      'Unknown statement element "Resources"',
      'Statement[0].Resources',
    ],
    [
      'missing Effect',
      '{"Statement":{"Action":"*"}}',
      'MISSING_EFFECT',
      'must contain an Effect',
      'Statement',
    ],
    [
      'Effect is case-sensitive',
      '{"Statement":{"Effect":"allow","Action":"*"}}',
      'INVALID_EFFECT',
      '"allow"',
      'Statement.Effect',
    ],
    [
      'missing actions',
      '{"Statement":{"Effect":"Allow","Resource":"*"}}',
      'MISSING_ACTION',
      'must contain actions',
      'Statement',
    ],
    [
      'Action and NotAction',
      stmt({ NotAction: 'x:y' }),
      'ACTION_AND_NOT_ACTION',
      'both Action and NotAction',
      'Statement[0].NotAction',
    ],
    [
      'Resource and NotResource',
      stmt({ Resource: '*', NotResource: 'a' }),
      'RESOURCE_AND_NOT_RESOURCE',
      'both Resource and NotResource',
      'Statement[0].NotResource',
    ],
    [
      'Principal and NotPrincipal',
      stmt({ Principal: '*', NotPrincipal: '*' }),
      'PRINCIPAL_AND_NOT_PRINCIPAL',
      'both Principal and NotPrincipal',
      'Statement[0].NotPrincipal',
    ],
    [
      'Action of wrong type',
      stmt({ Action: 5 }),
      'INVALID_ELEMENT_TYPE',
      'Action must be a string or a list of strings; found a number',
      'Statement[0].Action',
    ],
    [
      'Action list with a non-string',
      stmt({ Action: ['a:b', {}] }),
      'INVALID_ELEMENT_TYPE',
      'found an object in the list',
      'Statement[0].Action[1]',
    ],
    [
      'Sid of wrong type',
      stmt({ Sid: 1 }),
      'INVALID_ELEMENT_TYPE',
      'Sid must be a string',
      'Statement[0].Sid',
    ],
    [
      'principal string other than *',
      stmt({ Principal: '123456789012' }),
      'INVALID_PRINCIPAL',
      'must be "*"',
      'Statement[0].Principal',
    ],
    [
      'principal of wrong type',
      stmt({ Principal: ['*'] }),
      'INVALID_ELEMENT_TYPE',
      'Principal must be "*" or an object',
      'Statement[0].Principal',
    ],
    [
      'unknown principal type',
      stmt({ Principal: { aws: '*' } }),
      'UNKNOWN_PRINCIPAL_TYPE',
      '"aws"',
      'Statement[0].Principal.aws',
    ],
    [
      'principal value of wrong type',
      stmt({ Principal: { AWS: 123456789012 } }),
      'INVALID_ELEMENT_TYPE',
      'Principal.AWS must be a string',
      'Statement[0].Principal.AWS',
    ],
    [
      'Condition not an object',
      stmt({ Condition: [] }),
      'INVALID_ELEMENT_TYPE',
      'Condition must be a JSON object',
      'Statement[0].Condition',
    ],
    [
      'unknown condition operator',
      stmt({ Condition: { StringEqual: { a: 'b' } } }),
      'UNKNOWN_CONDITION_OPERATOR',
      'Unknown condition operator "StringEqual"',
      'Statement[0].Condition.StringEqual',
    ],
    [
      'operator names are case-sensitive',
      stmt({ Condition: { stringequals: { a: 'b' } } }),
      'UNKNOWN_CONDITION_OPERATOR',
      '"stringequals"',
      'Statement[0].Condition.stringequals',
    ],
    [
      'Null with IfExists',
      stmt({ Condition: { NullIfExists: { a: 'true' } } }),
      'NULL_WITH_IF_EXISTS',
      'Null operator cannot take the IfExists',
      'Statement[0].Condition.NullIfExists',
    ],
    [
      'bad set prefix',
      stmt({ Condition: { 'ForAll:StringEquals': { a: 'b' } } }),
      'INVALID_SET_OPERATOR',
      'invalid prefix "ForAll:"',
      'Statement[0].Condition.ForAll:StringEquals',
    ],
    [
      'set prefix is case-sensitive',
      stmt({ Condition: { 'forallvalues:StringEquals': { a: 'b' } } }),
      'INVALID_SET_OPERATOR',
      'forallvalues',
      'Statement[0].Condition.forallvalues:StringEquals',
    ],
    [
      'IfExists alone is no operator',
      stmt({ Condition: { IfExists: { a: 'b' } } }),
      'UNKNOWN_CONDITION_OPERATOR',
      '"IfExists"',
      'Statement[0].Condition.IfExists',
    ],
    [
      'operator value not an object',
      stmt({ Condition: { StringEquals: 'a' } }),
      'INVALID_ELEMENT_TYPE',
      'Condition operator StringEquals must be a JSON object',
      'Statement[0].Condition.StringEquals',
    ],
    [
      'null condition value',
      stmt({ Condition: { StringEquals: { a: null } } }),
      'INVALID_ELEMENT_TYPE',
      'found null',
      'Statement[0].Condition.StringEquals.a',
    ],
    [
      'nested condition list',
      stmt({ Condition: { StringEquals: { a: ['x', ['y']] } } }),
      'INVALID_ELEMENT_TYPE',
      'found a list',
      'Statement[0].Condition.StringEquals.a[1]',
    ],
    [
      'duplicate key inside a statement',
      '{"Statement":{"Effect":"Allow","Effect":"Deny","Action":"*"}}',
      'DUPLICATE_KEY',
      'Duplicate element "Effect"',
      'Statement.Effect',
    ],
    [
      'duplicate condition operator',
      '{"Statement":{"Effect":"Deny","Action":"*","Condition":{"Bool":{"a":"true"},"Bool":{"b":"true"}}}}',
      'DUPLICATE_KEY',
      '"Bool"',
      'Statement.Condition.Bool',
    ],
  ];

  it.each(cases)('%s', (_title, input, issueCode, fragment, path) => {
    const error = parseError(input);
    expect(error).toBeInstanceOf(AwsError);
    expect(error.code).toBe('MalformedPolicyDocument');
    expect(error.status).toBe(400);
    expect(error.issueCode).toBe(issueCode);
    expect(error.message).toContain(fragment);
    expect(error.loc.path).toBe(path);
    if (typeof input === 'string') expect(error.loc.start).toBeDefined();
  });

  it('formats the location AWS-style: message (path, line, column)', () => {
    const text =
      '{\n  "Statement": [\n    {"Effect": "Allow", "Action": "*"},\n    {"Effect": "Deny"}\n  ]\n}';
    const error = parseError(text);
    expect(error.message).toBe(
      'Policy statement must contain actions (Action or NotAction). (Statement[1], line 4, column 5)',
    );
    expect(error.detail).toBe('Policy statement must contain actions (Action or NotAction).');
  });

  it('object input reports the path only', () => {
    const error = parseError({
      Statement: [
        { Effect: 'Allow', Action: '*' },
        { Effect: 'Maybe', Action: '*' },
      ],
    });
    expect(error.message).toMatch(/\(Statement\[1\]\.Effect\)$/);
    expect(error.loc).toEqual({ path: 'Statement[1].Effect' });
  });

  it('rejects non-JSON values in object input', () => {
    expect(parseError({ Statement: { Effect: 'Allow', Action: () => 1 } }).loc.path).toBe('Statement.Action');
    expect(parseError({ Statement: { Effect: 'Allow', Action: 'x', Sid: NaN } }).issueCode).toBe(
      'JSON_SYNTAX_ERROR',
    );
    expect(parseError({ Statement: { Effect: 'Allow', Action: [new Date()] } }).loc.path).toBe(
      'Statement.Action[0]',
    );
  });

  it('rejects cyclic and exponentially shared object graphs without walking them', () => {
    const cyclic: Record<string, unknown> = { Effect: 'Allow', Action: '*' };
    cyclic.Condition = cyclic;
    expect(parseError({ Statement: cyclic }).issueCode).toBe('NESTING_TOO_DEEP');

    let shared: unknown = ['x'.repeat(100)];
    for (let i = 0; i < 20; i++) shared = [shared, shared];
    expect(parseError({ Statement: { Effect: 'Allow', Action: shared } }).issueCode).toBe(
      'DOCUMENT_TOO_LARGE',
    );
  });

  it('bounds depth and length', () => {
    expect(parseError('['.repeat(100_000)).issueCode).toBe('NESTING_TOO_DEEP');
    expect(parseError(' '.repeat(1024 * 1024 + 1)).issueCode).toBe('DOCUMENT_TOO_LARGE');
    expect(() => parsePolicy(stmt({}), { maxLength: 10 })).toThrow(/at most 10 are accepted/);
  });
});
