import { describe, expect, it } from 'vitest';
import type { PolicyType } from './ast.js';
import { validatePolicy } from './validate.js';
import type { PolicyFinding } from './validate.js';

const V = '2012-10-17';

function policy(...statements: Record<string, unknown>[]): Record<string, unknown> {
  return { Version: V, Statement: statements };
}

const allowS3 = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' };
const publicRead = { ...allowS3, Principal: '*' };
const trust = {
  Effect: 'Allow',
  Action: 'sts:AssumeRole',
  Principal: { Service: 'ec2.amazonaws.com' },
};

function codes(findings: PolicyFinding[]): string[] {
  return findings.map((f) => f.code);
}

function check(input: string | object, policyType: PolicyType, extra: object = {}): string[] {
  return codes(validatePolicy(input, { policyType, ...extra }));
}

describe('validatePolicy: clean documents per policy type', () => {
  it.each<[PolicyType, Record<string, unknown>]>([
    ['identity', policy(allowS3)],
    ['boundary', policy(allowS3)],
    ['session', policy(allowS3)],
    [
      'scp',
      policy({
        Effect: 'Deny',
        Action: 's3:*',
        Resource: '*',
        Condition: { Bool: { 'aws:SecureTransport': false } },
      }),
    ],
    ['resource', policy({ ...publicRead, Principal: { AWS: 'arn:aws:iam::123456789012:role/reader' } })],
    ['trust', policy(trust)],
    [
      'rcp',
      policy({
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: '*',
        Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-abc' } },
      }),
    ],
  ])('%s: no findings', (policyType, document) => {
    expect(validatePolicy(document, { policyType })).toEqual([]);
  });
});

describe('validatePolicy: parse failures become one ERROR finding', () => {
  it('keeps the issue code, message and location of the parse error', () => {
    const findings = validatePolicy(
      '{\n  "Statement": {"Effect": "Allow", "Action": "*", "Condition": {"StringEqual": {}}}\n}',
      {
        policyType: 'identity',
      },
    );
    expect(findings).toEqual([
      {
        severity: 'ERROR',
        code: 'UNKNOWN_CONDITION_OPERATOR',
        message: 'Unknown condition operator "StringEqual" (operator names are case-sensitive).',
        loc: {
          path: 'Statement.Condition.StringEqual',
          start: { line: 2, column: 65, offset: 66 },
          end: { line: 2, column: 78, offset: 79 },
        },
      },
    ]);
  });

  it.each([
    ['not JSON', 'JSON_SYNTAX_ERROR'],
    [
      '{"Statement":{"Effect":"Allow","Action":"*","Condition":{"NullIfExists":{"a":"true"}}}}',
      'NULL_WITH_IF_EXISTS',
    ],
    ['{"Statement":{"Effect":"Allow","Sid":"a","Sid":"b","Action":"*"}}', 'DUPLICATE_KEY'],
  ])('%s -> %s', (text, code) => {
    expect(check(text, 'identity')).toEqual([code]);
  });
});

describe('validatePolicy: principals per policy type', () => {
  it.each<PolicyType>(['identity', 'boundary', 'session', 'scp'])(
    '%s forbids Principal and NotPrincipal',
    (type) => {
      const findings = validatePolicy(policy({ ...allowS3, Effect: 'Deny', Principal: '*' }), {
        policyType: type,
      });
      expect(findings).toMatchObject([
        { severity: 'ERROR', code: 'PRINCIPAL_NOT_ALLOWED', loc: { path: 'Statement[0].Principal' } },
      ]);
      expect(
        check(policy({ ...allowS3, Effect: 'Deny', NotPrincipal: { AWS: '123456789012' } }), type),
      ).toEqual(['PRINCIPAL_NOT_ALLOWED']);
    },
  );

  it.each<PolicyType>(['resource', 'trust', 'rcp'])('%s requires a principal', (type) => {
    const statement =
      type === 'trust'
        ? { Effect: 'Allow', Action: 'sts:AssumeRole' }
        : { ...allowS3, Effect: 'Deny', Action: 's3:*' };
    const findings = validatePolicy(policy(statement), { policyType: type });
    expect(findings).toMatchObject([
      { severity: 'ERROR', code: 'MISSING_PRINCIPAL', loc: { path: 'Statement[0]' } },
    ]);
  });

  it('trust policies forbid Resource/NotResource and NotPrincipal', () => {
    expect(check(policy({ ...trust, Resource: '*' }), 'trust')).toEqual(['RESOURCE_NOT_ALLOWED']);
    expect(check(policy({ ...trust, NotResource: 'arn:aws:s3:::x' }), 'trust')).toEqual([
      'RESOURCE_NOT_ALLOWED',
    ]);
    expect(
      check(
        policy({ ...trust, Principal: undefined, Effect: 'Deny', NotPrincipal: { AWS: '123456789012' } }),
        'trust',
      ),
    ).toEqual(['NOT_PRINCIPAL_NOT_ALLOWED']);
  });

  it('Allow with NotPrincipal is a security warning in resource policies', () => {
    const findings = validatePolicy(
      policy({ ...allowS3, NotPrincipal: { AWS: 'arn:aws:iam::123456789012:root' } }),
      {
        policyType: 'resource',
      },
    );
    expect(findings).toMatchObject([
      {
        severity: 'SECURITY_WARNING',
        code: 'ALLOW_WITH_NOT_PRINCIPAL',
        loc: { path: 'Statement[0].NotPrincipal' },
      },
    ]);
    expect(
      check(policy({ ...allowS3, Effect: 'Deny', NotPrincipal: { AWS: '123456789012' } }), 'resource'),
    ).toEqual([]);
  });

  it.each([
    [{ AWS: 'arn:aws:iam::123456789012:role/*' }, 'UNSUPPORTED_WILDCARD_IN_PRINCIPAL'],
    [{ AWS: '1234567890*' }, 'UNSUPPORTED_WILDCARD_IN_PRINCIPAL'],
    [{ Service: '*.amazonaws.com' }, 'UNSUPPORTED_WILDCARD_IN_PRINCIPAL'],
    [{ AWS: 'arn:aws:iam::12345:root' }, 'INVALID_PRINCIPAL'],
    [{ AWS: 'arn:aws:s3:::bucket' }, 'INVALID_PRINCIPAL'],
    [{ AWS: 'alice' }, 'INVALID_PRINCIPAL'],
    [{ AWS: 'arn:aws:sts::123456789012:assumed-role/r' }, 'INVALID_PRINCIPAL'],
    [{ Service: 'ec2 amazonaws com' }, 'INVALID_PRINCIPAL'],
    [{ CanonicalUser: 'xyz' }, 'INVALID_PRINCIPAL'],
  ])('principal %j -> %s', (principal, code) => {
    const findings = validatePolicy(policy({ ...allowS3, Principal: principal }), { policyType: 'resource' });
    expect(findings).toMatchObject([{ severity: 'ERROR', code }]);
    expect(findings[0]?.loc.path).toMatch(/^Statement\[0\]\.Principal\.\w+$/);
  });

  it.each([
    { AWS: ['123456789012', 'arn:aws:iam::123456789012:root', 'AROAEXAMPLEEXAMPLE123'] },
    { AWS: ['arn:aws:iam::123456789012:user/path/alice', 'arn:aws:sts::123456789012:assumed-role/r/s'] },
    { AWS: 'arn:aws-cn:sts::123456789012:federated-user/bob' },
    {
      Federated: [
        'cognito-identity.amazonaws.com',
        'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
      ],
    },
    { Service: ['ec2.amazonaws.com', 'states.us-east-1.amazonaws.com'] },
    { CanonicalUser: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be' },
    { AWS: '*' },
  ])('accepts principal %j', (principal) => {
    expect(check(policy({ ...allowS3, Principal: principal }), 'resource')).toEqual([]);
  });

  it('empty principal object and lists are suggestions', () => {
    expect(validatePolicy(policy({ ...allowS3, Principal: {} }), { policyType: 'resource' })).toMatchObject([
      { severity: 'SUGGESTION', code: 'EMPTY_OBJECT_PRINCIPAL' },
    ]);
    expect(check(policy({ ...allowS3, Principal: { AWS: [] } }), 'resource')).toEqual([
      'EMPTY_ARRAY_PRINCIPAL',
    ]);
  });
});

describe('validatePolicy: resources', () => {
  it('identity-type policies need Resource or NotResource', () => {
    expect(check(policy({ Effect: 'Allow', Action: 's3:*' }), 'identity')).toEqual(['MISSING_RESOURCE']);
  });

  it.each([
    ['s3:::bucket', 'INVALID_ARN'],
    ['arn:aws:s3:bucket', 'INVALID_ARN'],
    ['ARN:aws:s3:::bucket', 'INVALID_ARN_PREFIX'],
    ['arn::s3:::bucket', 'INVALID_ARN'],
    ['arn:aws:s3*:::bucket', 'INVALID_ARN_SERVICE'],
    ['arn:aws::::bucket', 'INVALID_ARN_SERVICE'],
    ['arn:aws:ec2:us east:123456789012:instance/i-1', 'INVALID_ARN_REGION'],
    ['arn:aws:iam::12345:role/x', 'INVALID_ARN_ACCOUNT'],
    ['arn:aws:iam::abcdefghijkl:role/x', 'INVALID_ARN_ACCOUNT'],
    ['arn:aws:iam::123456789012:', 'INVALID_ARN_RESOURCE'],
    ['arn:aws:iam::${aws:PrincipalAccount}:role/x', 'INVALID_ARN'],
  ])('%s -> %s', (resource, code) => {
    const findings = validatePolicy(policy({ ...allowS3, Resource: ['*', resource] }), {
      policyType: 'identity',
    });
    expect(findings).toMatchObject([{ severity: 'ERROR', code, loc: { path: 'Statement[0].Resource[1]' } }]);
  });

  it.each([
    '*',
    'arn:aws:s3:::bucket/a:b:c',
    'arn:aws:iam::aws:policy/ReadOnlyAccess',
    'arn:*:ec2:*:*:instance/*',
    'arn:aws:ec2:us-east-1:1234567890??:instance/*',
    'arn:aws:s3:::home/${aws:username}/*',
  ])('accepts %s', (resource) => {
    expect(check(policy({ ...allowS3, NotResource: resource, Resource: undefined }), 'identity')).toEqual([]);
  });

  it('empty Resource and Action lists are suggestions', () => {
    const findings = validatePolicy(policy({ Effect: 'Allow', Action: [], Resource: [] }), {
      policyType: 'identity',
    });
    expect(findings.map((f) => [f.severity, f.code, f.loc.path])).toEqual([
      ['SUGGESTION', 'EMPTY_ARRAY_ACTION', 'Statement[0].Action'],
      ['SUGGESTION', 'EMPTY_ARRAY_RESOURCE', 'Statement[0].Resource'],
    ]);
  });
});

describe('validatePolicy: actions', () => {
  it.each([
    ['s3GetObject', 'INVALID_ACTION'],
    ['s3:Get Object', 'INVALID_ACTION'],
    ['s3:Get,Put', 'INVALID_ACTION'],
    ['', 'INVALID_ACTION'],
    ['s*:GetObject', 'WILDCARD_IN_SERVICE_NAME'],
  ])('%j -> %s', (action, code) => {
    expect(check(policy({ ...allowS3, Action: action }), 'identity')).toEqual([code]);
  });
});

describe('validatePolicy: Sids, Version, Id', () => {
  it('duplicate Sids are errors pointing at the second one', () => {
    const findings = validatePolicy(
      policy({ ...allowS3, Sid: 'A' }, { ...allowS3, Sid: 'B' }, { ...allowS3, Sid: 'A' }),
      {
        policyType: 'identity',
      },
    );
    expect(findings).toMatchObject([
      { severity: 'ERROR', code: 'DUPLICATE_SID', loc: { path: 'Statement[2].Sid' } },
    ]);
  });

  it('identity-type Sids are alphanumeric; other types may use more', () => {
    const doc = policy({ ...allowS3, Sid: 'read-objects' });
    expect(check(doc, 'identity')).toEqual(['INVALID_SID']);
    expect(check(doc, 'session')).toEqual(['INVALID_SID']);
    expect(check(policy({ ...publicRead, Sid: 'read-objects' }), 'resource')).toEqual([]);
    expect(validatePolicy(policy({ ...allowS3, Sid: '' }), { policyType: 'identity' })).toMatchObject([
      { severity: 'SUGGESTION', code: 'EMPTY_SID' },
    ]);
  });

  it('a missing Version is a warning', () => {
    expect(validatePolicy({ Statement: allowS3 }, { policyType: 'identity' })).toMatchObject([
      { severity: 'WARNING', code: 'MISSING_VERSION', loc: { path: '' } },
    ]);
  });

  it('Id is a warning in identity-type policies only', () => {
    expect(check({ ...policy(allowS3), Id: 'x' }, 'identity')).toEqual(['ID_NOT_SUPPORTED']);
    expect(check({ ...policy(publicRead), Id: 'x' }, 'resource')).toEqual([]);
  });
});

describe('validatePolicy: policy variables', () => {
  it('variables need Version 2012-10-17, in resources and in string conditions', () => {
    const statement = {
      ...allowS3,
      Resource: 'arn:aws:s3:::home/${aws:username}/*',
      Condition: {
        StringEquals: { 'aws:PrincipalTag/team': '${aws:username}' },
        NumericEquals: { 'a:b': '${x}' },
      },
    };
    const findings = validatePolicy(
      { Version: '2008-10-17', Statement: statement },
      { policyType: 'identity' },
    );
    expect(findings.map((f) => [f.code, f.loc.path])).toEqual([
      ['VARIABLE_UNSUPPORTED_IN_VERSION', 'Statement.Resource'],
      ['VARIABLE_UNSUPPORTED_IN_VERSION', 'Statement.Condition.StringEquals.aws:PrincipalTag/team'],
    ]);
    expect(check({ Statement: statement }, 'identity')).toEqual([
      'MISSING_VERSION',
      'VARIABLE_UNSUPPORTED_IN_VERSION',
      'VARIABLE_UNSUPPORTED_IN_VERSION',
    ]);
    expect(check({ Version: V, Statement: statement }, 'identity')).toEqual([]);
  });

  it('malformed variables are errors', () => {
    const statement = {
      ...allowS3,
      Resource: ['arn:aws:s3:::a/${aws:username', 'arn:aws:s3:::b/${}'],
      Condition: { StringLike: { 's3:prefix': '${aws:PrincipalTag/team, unassigned}' } },
    };
    expect(check(policy(statement), 'identity')).toEqual([
      'MISSING_BRACE_IN_VARIABLE',
      'EMPTY_VARIABLE',
      'MISSING_QUOTE_IN_VARIABLE',
    ]);
  });
});

describe('validatePolicy: conditions', () => {
  it('keys differing only in case under one operator are an error', () => {
    const findings = validatePolicy(
      policy({ ...allowS3, Condition: { StringEquals: { 'aws:username': 'a', 'AWS:UserName': 'b' } } }),
      { policyType: 'identity' },
    );
    expect(findings).toMatchObject([
      {
        severity: 'ERROR',
        code: 'DUPLICATE_KEYS_WITH_DIFFERENT_CASE',
        loc: { path: 'Statement[0].Condition.StringEquals.AWS:UserName' },
      },
    ]);
  });

  it('empty condition objects and lists are suggestions', () => {
    expect(check(policy({ ...allowS3, Condition: {} }), 'identity')).toEqual(['EMPTY_OBJECT_CONDITION']);
    expect(check(policy({ ...allowS3, Condition: { StringEquals: {} } }), 'identity')).toEqual([
      'EMPTY_OBJECT_CONDITION',
    ]);
    expect(
      check(policy({ ...allowS3, Condition: { StringEquals: { 'aws:username': [] } } }), 'identity'),
    ).toEqual(['EMPTY_ARRAY_CONDITION']);
  });
});

describe('validatePolicy: SCP and RCP restrictions', () => {
  it('SCP Allow with Condition or NotAction, and NotResource, are warnings (relaxed by AWS; older grammars reject)', () => {
    const findings = validatePolicy(
      policy({
        Effect: 'Allow',
        NotAction: 'iam:*',
        NotResource: 'arn:aws:s3:::x',
        Condition: { Bool: { 'aws:SecureTransport': true } },
      }),
      { policyType: 'scp' },
    );
    expect(findings.map((f) => [f.severity, f.code])).toEqual([
      ['WARNING', 'SCP_ALLOW_WITH_CONDITION'],
      ['WARNING', 'SCP_ALLOW_WITH_NOT_ACTION'],
      ['WARNING', 'SCP_NOT_RESOURCE'],
    ]);
    expect(
      check(
        policy({
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { Bool: { 'aws:SecureTransport': false } },
        }),
        'scp',
      ),
    ).toEqual([]);
  });

  it('RCPs: Deny only, Principal "*", no NotPrincipal/NotAction, no Action "*"', () => {
    expect(check(policy({ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }), 'rcp')).toEqual([
      'RCP_ALLOW_NOT_SUPPORTED',
    ]);
    expect(
      check(
        policy({ Effect: 'Deny', Principal: { AWS: '123456789012' }, Action: 's3:*', Resource: '*' }),
        'rcp',
      ),
    ).toEqual(['RCP_PRINCIPAL_MUST_BE_WILDCARD']);
    expect(
      check(policy({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: '*' }), 'rcp'),
    ).toEqual([]);
    expect(
      check(
        policy({ Effect: 'Deny', NotPrincipal: { AWS: '123456789012' }, Action: 's3:*', Resource: '*' }),
        'rcp',
      ),
    ).toEqual(['RCP_NOT_PRINCIPAL_NOT_SUPPORTED']);
    expect(
      check(policy({ Effect: 'Deny', Principal: '*', NotAction: 's3:*', Resource: '*' }), 'rcp'),
    ).toEqual(['RCP_NOT_ACTION_NOT_SUPPORTED']);
    expect(
      check(policy({ Effect: 'Deny', Principal: '*', Action: ['s3:*', '*'], Resource: '*' }), 'rcp'),
    ).toEqual(['RCP_ACTION_WILDCARD_NOT_SUPPORTED']);
  });
});

describe('validatePolicy: size quotas (whitespace not counted)', () => {
  const sized = (chars: number) => {
    const base = JSON.stringify(policy({ ...allowS3, Sid: '' }));
    return policy({ ...allowS3, Sid: 'S'.repeat(chars - base.length) });
  };

  it.each<[PolicyType, number, object?]>([
    ['identity', 6_144],
    ['identity', 10_240, { attachment: 'role-inline' }],
    ['identity', 2_048, { attachment: 'user-inline' }],
    ['identity', 5_120, { attachment: 'group-inline' }],
    ['boundary', 6_144],
    ['session', 2_048],
    ['scp', 5_120],
  ])('%s quota %i', (type, quota, extra = {}) => {
    expect(JSON.stringify(sized(quota)).length).toBe(quota);
    expect(check(sized(quota), type, extra)).not.toContain('POLICY_SIZE_EXCEEDS_QUOTA');
    expect(check(sized(quota + 1), type, extra)).toContain('POLICY_SIZE_EXCEEDS_QUOTA');
  });

  it('trust quota 2,048 and whitespace is not counted', () => {
    const doc = policy({ ...trust, Condition: { StringEquals: { 'aws:SourceAccount': 'x'.repeat(1_800) } } });
    const text = JSON.stringify(doc, null, 8);
    expect(text.length).toBeGreaterThan(2_048);
    expect(check(text, 'trust')).toEqual([]);
    const big = policy({ ...trust, Condition: { StringEquals: { 'aws:SourceAccount': 'x'.repeat(2_000) } } });
    expect(validatePolicy(big, { policyType: 'trust' })).toMatchObject([
      { severity: 'ERROR', code: 'POLICY_SIZE_EXCEEDS_QUOTA', loc: { path: '' } },
    ]);
  });

  it('resource policies are only checked against an explicit quota', () => {
    const doc = policy({ ...publicRead, Sid: 'S'.repeat(30_000) });
    expect(check(doc, 'resource')).toEqual([]);
    expect(check(doc, 'resource', { sizeQuota: 20_480 })).toEqual(['POLICY_SIZE_EXCEEDS_QUOTA']);
  });
});
