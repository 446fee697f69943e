import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PrincipalBlock } from './ast.js';
import type { RequestPrincipal } from './context.js';
import {
  compileActionPattern,
  compileArnPattern,
  compileGlob,
  compileGlobText,
  compilePrincipal,
  parseArnValue,
} from './match.js';

const arnMatches = (
  pattern: string,
  arn: string,
  vars: Record<string, string> = {},
  variables = true,
): boolean =>
  compileArnPattern(pattern, variables)(parseArnValue(arn), { variable: (k) => vars[k.toLowerCase()] });

describe('glob', () => {
  it.each([
    ['abc', 'abc', true],
    ['abc', 'abcd', false],
    ['a*', 'a', true],
    ['a*', 'abc/def', true],
    ['*c', 'abc', true],
    ['a*c', 'ac', true],
    ['a*c', 'ab', false],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['a?c', 'abbc', false],
    ['*a*b*', 'xxaxxbxx', true],
    ['*a*b*', 'xxbxxaxx', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'acb', false],
    ['a*?c', 'abc', true],
    ['a*?c', 'ac', false],
    ['??', 'ab', true],
    ['??', 'a', false],
    ['*', '', true],
    ['', '', true],
    ['', 'a', false],
    ['a*a', 'a', false],
    ['a*a', 'aa', true],
  ])('%s vs %s → %s', (pattern, subject, expected) => {
    expect(compileGlobText(pattern)(subject)).toBe(expected);
  });

  it('is linear on patterns that make backtracking regexes explode', () => {
    // A backtracking regex for this pattern needs on the order of 5000^30 steps to fail.
    const pattern = '*a'.repeat(30) + '*c*b';
    const subject = 'a'.repeat(5000) + 'b';
    const start = performance.now();
    expect(compileGlobText(pattern)(subject)).toBe(false);
    expect(performance.now() - start).toBeLessThan(200);
  });

  it('literal parts never act as wildcards (resolved policy variables)', () => {
    const m = compileGlob([
      { text: 'home/', literal: false },
      { text: 'a*?', literal: true },
      { text: '/*', literal: false },
    ]);
    expect(m('home/a*?/x')).toBe(true);
    expect(m('home/abc/x')).toBe(false);
  });

  // Property tests (fast-check): the basic laws of IAM wildcards.
  const text = fc.string({ maxLength: 12 });
  const noWild = fc.string({ maxLength: 12 }).filter((s) => !/[*?]/.test(s));
  it('a pattern without wildcards matches exactly itself', () => {
    fc.assert(
      fc.property(noWild, text, (p, s) => {
        expect(compileGlobText(p)(s)).toBe(p === s);
      }),
      { numRuns: 300 },
    );
  });
  it('`*` matches any string, and prefix* matches every extension of the prefix', () => {
    fc.assert(
      fc.property(noWild, text, (prefix, rest) => {
        expect(compileGlobText('*')(rest)).toBe(true);
        expect(compileGlobText(`${prefix}*`)(prefix + rest)).toBe(true);
        expect(compileGlobText(`*${prefix}`)(rest + prefix)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
  it('`?` matches exactly one character', () => {
    fc.assert(
      fc.property(noWild, noWild, fc.string({ minLength: 0, maxLength: 3 }), (a, b, mid) => {
        const m = compileGlobText(`${a}?${b}`);
        expect(m(a + mid + b)).toBe(mid.length === 1);
        expect(m(a + 'x' + b)).toBe(true);
        expect(m(a + b)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
  it('agrees with an anchored regular expression', () => {
    const alphabet = fc.constantFrom('a', 'b', '*', '?', '/');
    const subjectAlphabet = fc.constantFrom('a', 'b', '/');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 8 }).map((a) => a.join('')),
        fc.array(subjectAlphabet, { maxLength: 10 }).map((a) => a.join('')),
        (p, s) => {
          const re = new RegExp(
            `^${p.replace(/[/]/g, '\\/').replace(/\*/g, '.*').replace(/\?/g, '.')}$`,
            's',
          );
          expect(compileGlobText(p)(s)).toBe(re.test(s));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('reference_policies_elements_action: action matching', () => {
  it.each([
    ['*', 's3:GetObject', true],
    ['s3:*', 's3:GetObject', true],
    ['s3:Get*', 'S3:getobject', true],
    ['IAM:listaccesskeys', 'iam:ListAccessKeys', true],
    ['s3:Get?bject', 's3:GetObject', true],
    ['s3:Get?bject', 's3:GetObbject', false],
    ['s3:*Object', 'sqs:SendMessage', false],
    ['ec2:*', 'ec2:RunInstances', true],
    ['s3:GetObject,s3:PutObject', 's3:GetObject', false],
    [' s3:GetObject', 's3:GetObject', false],
    ['s3:GetObject ', 's3:GetObject', false],
  ])('%s vs %s → %s', (pattern, action, expected) => {
    expect(compileActionPattern(pattern).test(action.toLowerCase())).toBe(expected);
  });

  it('is case-insensitive (property)', () => {
    const name = fc.stringMatching(/^[A-Za-z0-9]{1,10}:[A-Za-z0-9*?]{1,12}$/);
    fc.assert(
      fc.property(name, (p) => {
        const concrete = p.replace(/[*?]/g, 'X');
        const upper = compileActionPattern(p.toUpperCase());
        const lower = compileActionPattern(p.toLowerCase());
        expect(upper.test(concrete.toLowerCase())).toBe(true);
        expect(lower.test(concrete.toLowerCase())).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('indexes by service prefix and exact name', () => {
    expect(compileActionPattern('S3:GetObject')).toMatchObject({ service: 's3', exact: 's3:getobject' });
    expect(compileActionPattern('s3:Get*')).toMatchObject({ service: 's3', exact: null });
    expect(compileActionPattern('s*:Get')).toMatchObject({ service: null, exact: null });
    expect(compileActionPattern('*')).toMatchObject({ all: true });
  });
});

describe('reference_policies_elements_resource: ARN matching', () => {
  it.each([
    ['*', 'arn:aws:s3:::bucket/key', true],
    ['*', '*', true],
    ['arn:aws:s3:::bucket/*', 'arn:aws:s3:::bucket/a/b/c', true],
    ['arn:aws:s3:::bucket/*', 'arn:aws:s3:::bucket', false],
    ['arn:aws:s3:::bucket*', 'arn:aws:s3:::bucket/x', true],
    ['arn:aws:s3:::Bucket/*', 'arn:aws:s3:::bucket/x', false],
    ['arn:aws:ec2:*:111122223333:instance/*', 'arn:aws:ec2:us-east-1:111122223333:instance/i-1', true],
    ['arn:aws:ec2:*:111122223333:instance/*', 'arn:aws:ec2:us-east-1:999999999999:instance/i-1', false],
    // `*` in a head segment cannot cross ':' ...
    ['arn:aws:ec2:*:instance/*', 'arn:aws:ec2:us-east-1:111122223333:instance/i-1', false],
    // ... but in the resource part it can.
    [
      'arn:aws:logs:us-east-1:111122223333:log-group:*',
      'arn:aws:logs:us-east-1:111122223333:log-group:g:log-stream:s',
      true,
    ],
    ['arn:aws:iam::111122223333:role/*', 'arn:aws:iam::111122223333:role/path/name', true],
    ['arn:aws:iam::111122223333:role/?', 'arn:aws:iam::111122223333:role/ab', false],
    ['ARN:AWS:IAM::111122223333:role/x', 'arn:aws:iam::111122223333:role/x', true],
    ['arn:aws:iam::111122223333:role/x', '*', false],
    ['arn:aws:s3:::b', 'arn:aws:s3:::b', true],
  ])('%s vs %s → %s', (pattern, arn, expected) => {
    expect(arnMatches(pattern, arn)).toBe(expected);
  });

  it('reference_policies_variables: resolves ${} in the resource part; resolved text is literal', () => {
    const p = 'arn:aws:s3:::docs/${aws:username}/*';
    expect(arnMatches(p, 'arn:aws:s3:::docs/alice/a', { 'aws:username': 'alice' })).toBe(true);
    expect(arnMatches(p, 'arn:aws:s3:::docs/bob/a', { 'aws:username': 'alice' })).toBe(false);
    // A `*` inside the value is literal text.
    expect(arnMatches(p, 'arn:aws:s3:::docs/anyone/a', { 'aws:username': '*' })).toBe(false);
    expect(arnMatches(p, 'arn:aws:s3:::docs/*/a', { 'aws:username': '*' })).toBe(true);
  });

  it('reference_policies_variables: no value and no default → the element matches nothing; default used', () => {
    expect(arnMatches('arn:aws:s3:::docs/${aws:username}/*', 'arn:aws:s3:::docs//a')).toBe(false);
    const withDefault = "arn:aws:s3:::docs/${aws:PrincipalTag/team, 'unassigned'}/*";
    expect(arnMatches(withDefault, 'arn:aws:s3:::docs/unassigned/a')).toBe(true);
    expect(arnMatches(withDefault, 'arn:aws:s3:::docs/red/a', { 'aws:principaltag/team': 'red' })).toBe(true);
  });

  it('reference_policies_elements_version: under 2008-10-17 ${} is literal text', () => {
    const p = 'arn:aws:s3:::docs/${aws:username}/*';
    expect(arnMatches(p, 'arn:aws:s3:::docs/${aws:username}/x', { 'aws:username': 'alice' }, false)).toBe(
      true,
    );
    expect(arnMatches(p, 'arn:aws:s3:::docs/alice/x', { 'aws:username': 'alice' }, false)).toBe(false);
  });

  it('escapes ${*} ${?} ${$} are literal characters', () => {
    expect(arnMatches('arn:aws:s3:::b/${*}${?}${$}', 'arn:aws:s3:::b/*?$')).toBe(true);
    expect(arnMatches('arn:aws:s3:::b/${*}', 'arn:aws:s3:::b/x')).toBe(false);
  });

  it('a variable containing ":" does not split segments', () => {
    expect(
      arnMatches('arn:aws:iam::${aws:PrincipalAccount}:role/x', 'arn:aws:iam::111122223333:role/x', {
        'aws:principalaccount': '111122223333',
      }),
    ).toBe(true);
  });

  it('a literal ARN pattern matches itself (property)', () => {
    const seg = fc.stringMatching(/^[a-z0-9-]{0,8}$/);
    const res = fc.stringMatching(/^[A-Za-z0-9/:._-]{1,20}$/);
    fc.assert(
      fc.property(seg, seg, seg, res, (svc, region, account, resource) => {
        const arn = `arn:aws:${svc}:${region}:${account}:${resource}`;
        expect(arnMatches(arn, arn)).toBe(true);
        expect(arnMatches(`arn:aws:${svc}:*:${account}:*`, arn)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('reference_policies_elements_principal: principal matching', () => {
  const block = (entries: Record<string, string[]>, negated = false, wildcard = false): PrincipalBlock => ({
    negated,
    wildcard,
    loc: { path: 'Statement[0].Principal' },
    entries: Object.entries(entries).map(([type, values]) => ({
      type: type as 'AWS',
      values: values.map((value) => ({ value, loc: { path: '' } })),
      loc: { path: '' },
    })),
  });
  const session: RequestPrincipal = {
    type: 'AssumedRole',
    arn: 'arn:aws:sts::111122223333:assumed-role/app/s1',
    roleArn: 'arn:aws:iam::111122223333:role/team/app',
    userId: 'AROAEXAMPLEID:s1',
    account: '111122223333',
  };
  const user: RequestPrincipal = {
    type: 'User',
    arn: 'arn:aws:iam::111122223333:user/alice',
    userId: 'AIDAEXAMPLE',
    account: '111122223333',
  };

  it.each([
    ['account id', { AWS: ['111122223333'] }, session, 1],
    ['account root ARN', { AWS: ['arn:aws:iam::111122223333:root'] }, session, 1],
    ['other account', { AWS: ['999999999999'] }, session, 0],
    [
      'role ARN names its sessions (limited)',
      { AWS: ['arn:aws:iam::111122223333:role/team/app'] },
      session,
      2,
    ],
    ['role unique id', { AWS: ['AROAEXAMPLEID'] }, session, 2],
    ['session ARN', { AWS: ['arn:aws:sts::111122223333:assumed-role/app/s1'] }, session, 3],
    ['session unique id', { AWS: ['AROAEXAMPLEID:s1'] }, session, 3],
    ['other session', { AWS: ['arn:aws:sts::111122223333:assumed-role/app/s2'] }, session, 0],
    ['user ARN', { AWS: ['arn:aws:iam::111122223333:user/alice'] }, user, 3],
    ['user unique id', { AWS: ['AIDAEXAMPLE'] }, user, 3],
    ['AWS * for a user', { AWS: ['*'] }, user, 3],
    // Boundaries and session policies do not limit a wildcard grant (IAM User Guide, IAM role principals).
    ['AWS * for a session', { AWS: ['*'] }, session, 3],
    ['service', { Service: ['ec2.amazonaws.com'] }, { type: 'Service', service: 'ec2.amazonaws.com' }, 3],
    [
      'other service',
      { Service: ['ecs-tasks.amazonaws.com'] },
      { type: 'Service', service: 'ec2.amazonaws.com' },
      0,
    ],
    [
      'OIDC provider ARN',
      { Federated: ['arn:aws:iam::111122223333:oidc-provider/oidc.example.com/id/ABC'] },
      {
        type: 'WebIdentity',
        federatedProvider: 'arn:aws:iam::111122223333:oidc-provider/oidc.example.com/id/ABC',
      },
      3,
    ],
    [
      'OIDC provider host names the provider ARN',
      { Federated: ['oidc.example.com/id/ABC'] },
      {
        type: 'WebIdentity',
        federatedProvider: 'arn:aws:iam::111122223333:oidc-provider/oidc.example.com/id/ABC',
      },
      3,
    ],
    ['anonymous only by *', { AWS: ['111122223333'] }, { type: 'Anonymous' }, 0],
  ] as [string, Record<string, string[]>, RequestPrincipal, number][])(
    '%s',
    (_name, entries, principal, strength) => {
      expect(compilePrincipal(block(entries)).strength(principal)).toBe(strength);
    },
  );

  it('"Principal": "*" names anonymous callers too', () => {
    expect(compilePrincipal(block({}, false, true)).strength({ type: 'Anonymous' })).toBe(3);
  });

  it('reference_policies_elements_notprincipal: a role session is exempt only when account, role and session are all listed', () => {
    const all = block(
      {
        AWS: [
          'arn:aws:iam::111122223333:root',
          'arn:aws:iam::111122223333:role/team/app',
          'arn:aws:sts::111122223333:assumed-role/app/s1',
        ],
      },
      true,
    );
    expect(compilePrincipal(all).excludes(session)).toBe(true);
    const noAccount = block(
      { AWS: ['arn:aws:iam::111122223333:role/team/app', 'arn:aws:sts::111122223333:assumed-role/app/s1'] },
      true,
    );
    expect(compilePrincipal(noAccount).excludes(session)).toBe(false);
    const noSession = block({ AWS: ['111122223333', 'arn:aws:iam::111122223333:role/team/app'] }, true);
    expect(compilePrincipal(noSession).excludes(session)).toBe(false);
  });
});
