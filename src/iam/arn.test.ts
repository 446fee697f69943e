import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AwsError } from '../errors.js';
import {
  assumedRoleArn,
  formatArn,
  instanceProfileArn,
  isAccountId,
  isAwsManagedPolicyArn,
  oidcProviderArn,
  oidcProviderUrl,
  parseArn,
  parseAssumedRoleArn,
  parseIamArn,
  parseInstanceProfileArn,
  parseOidcProviderArn,
  parsePolicyArn,
  parseRoleArn,
  parseUserArn,
  policyArn,
  roleArn,
  rootArn,
  splitArn,
  userArn,
} from './arn.js';

const ACCT = '111122223333';

describe('parseArn / formatArn', () => {
  it('splits the six parts and keeps colons and slashes in the resource', () => {
    expect(parseArn('arn:aws:lambda:eu-west-1:111122223333:function:f:PROD')).toEqual({
      partition: 'aws',
      service: 'lambda',
      region: 'eu-west-1',
      accountId: '111122223333',
      resource: 'function:f:PROD',
    });
    expect(parseArn('arn:aws-us-gov:s3:::bucket/key/a').resource).toBe('bucket/key/a');
  });

  it.each([
    '',
    'arn:aws:iam::111122223333',
    'aws:iam::111122223333:role/x',
    'arn:gcp:iam::111122223333:role/x',
    'arn:aws:IAM::111122223333:role/x',
    'arn:aws:iam::111122223333:',
    `arn:aws:s3:::${'x'.repeat(2100)}`,
  ])('rejects %j with ValidationError', (text) => {
    expect(() => parseArn(text)).toThrow(AwsError);
    try {
      parseArn(text);
    } catch (error) {
      expect((error as AwsError).code).toBe('ValidationError');
      expect((error as AwsError).message.length).toBeLessThan(400);
    }
  });

  it('round-trips any well-formed ARN', () => {
    const part = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
    fc.assert(
      fc.property(
        fc.constantFrom('aws', 'aws-cn', 'aws-us-gov', 'aws-iso-b'),
        part,
        fc.option(part, { nil: '' }),
        fc.option(fc.stringMatching(/^\d{12}$/), { nil: '' }),
        fc.stringMatching(/^[\w:/+=,.@-]{1,40}$/),
        (partition, service, region, accountId, resource) => {
          const arn = { partition, service, region, accountId, resource };
          expect(parseArn(formatArn(arn))).toEqual(arn);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('role ARNs', () => {
  it('formats the path between `role/` and the name', () => {
    expect(roleArn({ partition: 'aws', accountId: ACCT, path: '/', roleName: 'deployer' })).toBe(
      'arn:aws:iam::111122223333:role/deployer',
    );
    expect(roleArn({ partition: 'aws-cn', accountId: ACCT, path: '/service-role/ci/', roleName: 'd' })).toBe(
      'arn:aws-cn:iam::111122223333:role/service-role/ci/d',
    );
  });

  it('parses path and name back', () => {
    expect(parseRoleArn('arn:aws:iam::111122223333:role/service-role/ci/deployer')).toEqual({
      partition: 'aws',
      accountId: ACCT,
      path: '/service-role/ci/',
      roleName: 'deployer',
    });
  });

  it('round-trips any valid path and name', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant('/'), fc.stringMatching(/^\/[\u0021-\u007e]{1,30}\/$/)),
        fc.stringMatching(/^[\w+=,.@-]{1,64}$/),
        (path, roleName) => {
          const parts = { partition: 'aws', accountId: ACCT, path, roleName };
          expect(parseRoleArn(roleArn(parts))).toEqual(parts);
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each([
    'arn:aws:iam::111122223333:role/',
    'arn:aws:iam::111122223333:role/a b',
    'arn:aws:iam::1111:role/x',
    'arn:aws:iam:us-east-1:111122223333:role/x',
    'arn:aws:sts::111122223333:role/x',
    'arn:aws:iam::111122223333:user/x',
    'arn:aws:iam::aws:role/x',
  ])('rejects %j', (text) => {
    expect(() => parseRoleArn(text)).toThrow(/is not valid/);
  });
});

describe('assumed-role ARNs', () => {
  it('formats and parses role and session name (no role path)', () => {
    const text = assumedRoleArn({
      partition: 'aws',
      accountId: ACCT,
      roleName: 'deployer',
      roleSessionName: 'ci@run-1',
    });
    expect(text).toBe('arn:aws:sts::111122223333:assumed-role/deployer/ci@run-1');
    expect(parseAssumedRoleArn(text)).toEqual({
      partition: 'aws',
      accountId: ACCT,
      roleName: 'deployer',
      roleSessionName: 'ci@run-1',
    });
  });

  it.each([
    'arn:aws:sts::111122223333:assumed-role/deployer',
    'arn:aws:sts::111122223333:assumed-role/path/deployer/s',
    'arn:aws:iam::111122223333:assumed-role/deployer/s',
  ])('rejects %j', (text) => {
    expect(() => parseAssumedRoleArn(text)).toThrow(AwsError);
  });
});

describe('users, root, instance profiles', () => {
  it('formats and parses them', () => {
    expect(rootArn('aws', ACCT)).toBe('arn:aws:iam::111122223333:root');
    const u = userArn({ partition: 'aws', accountId: ACCT, path: '/admins/', userName: 'alice' });
    expect(u).toBe('arn:aws:iam::111122223333:user/admins/alice');
    expect(parseUserArn(u).userName).toBe('alice');
    const ip = instanceProfileArn({
      partition: 'aws',
      accountId: ACCT,
      path: '/',
      instanceProfileName: 'web',
    });
    expect(ip).toBe('arn:aws:iam::111122223333:instance-profile/web');
    expect(parseInstanceProfileArn(ip)).toEqual({
      partition: 'aws',
      accountId: ACCT,
      path: '/',
      instanceProfileName: 'web',
    });
  });
});

describe('managed policy ARNs', () => {
  it('covers customer and AWS managed policies', () => {
    const customer = policyArn({ partition: 'aws', accountId: ACCT, path: '/team/', policyName: 'ReadLogs' });
    expect(customer).toBe('arn:aws:iam::111122223333:policy/team/ReadLogs');
    const managed = 'arn:aws:iam::aws:policy/job-function/ViewOnlyAccess';
    expect(parsePolicyArn(managed)).toEqual({
      partition: 'aws',
      accountId: 'aws',
      path: '/job-function/',
      policyName: 'ViewOnlyAccess',
    });
    expect(isAwsManagedPolicyArn(managed)).toBe(true);
    expect(isAwsManagedPolicyArn(customer)).toBe(false);
    expect(isAwsManagedPolicyArn('garbage')).toBe(false);
  });
});

describe('OIDC provider ARNs', () => {
  it('drop the https scheme and a trailing slash', () => {
    expect(oidcProviderUrl('https://oidc.eks.eu-west-1.amazonaws.com/id/ABC/')).toBe(
      'oidc.eks.eu-west-1.amazonaws.com/id/ABC',
    );
    const text = oidcProviderArn({
      partition: 'aws',
      accountId: ACCT,
      url: 'https://token.example.com/cluster',
    });
    expect(text).toBe('arn:aws:iam::111122223333:oidc-provider/token.example.com/cluster');
    expect(parseOidcProviderArn(text)).toEqual({
      partition: 'aws',
      accountId: ACCT,
      url: 'token.example.com/cluster',
    });
    expect(() => parseOidcProviderArn('arn:aws:iam::111122223333:oidc-provider/')).toThrow(AwsError);
  });
});

describe('parseIamArn', () => {
  it.each([
    ['arn:aws:iam::111122223333:role/a/b', 'role'],
    ['arn:aws:sts::111122223333:assumed-role/b/s', 'assumed-role'],
    ['arn:aws:iam::111122223333:user/u', 'user'],
    ['arn:aws:iam::111122223333:root', 'root'],
    ['arn:aws:iam::111122223333:instance-profile/p', 'instance-profile'],
    ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'policy'],
    ['arn:aws:iam::111122223333:oidc-provider/x.example.com', 'oidc-provider'],
  ])('recognises %s as %s', (text, kind) => {
    expect(parseIamArn(text).kind).toBe(kind);
  });

  it('rejects other services and resource types', () => {
    expect(() => parseIamArn('arn:aws:s3:::bucket')).toThrow(AwsError);
    expect(() => parseIamArn('arn:aws:iam::111122223333:group/g')).toThrow(AwsError);
    expect(() => parseIamArn('arn:aws:iam::aws:root')).toThrow(AwsError);
  });

  it('never throws anything but AwsError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        try {
          parseIamArn(`arn:${s}`);
        } catch (error) {
          expect(error).toBeInstanceOf(AwsError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('isAccountId', () => {
  it('accepts exactly 12 digits', () => {
    expect(isAccountId(ACCT)).toBe(true);
    expect(isAccountId('11112222333')).toBe(false);
    expect(isAccountId('aws')).toBe(false);
  });
});

describe('splitArn (the structural split every ARN reader shares)', () => {
  it('splits six fields, the resource keeping its own colons', () => {
    expect(splitArn('arn:aws:sns:us-east-1:111122223333:orders:5f1c')).toEqual({
      partition: 'aws',
      service: 'sns',
      region: 'us-east-1',
      accountId: '111122223333',
      resource: 'orders:5f1c',
    });
  });

  it('checks nothing but the shape: empty fields are kept for the caller to judge', () => {
    expect(splitArn('arn::lambda:::')).toEqual({
      partition: '',
      service: 'lambda',
      region: '',
      accountId: '',
      resource: '',
    });
    expect(() => parseArn('arn::lambda:::')).toThrow(/Unknown partition/);
  });

  it('is undefined for what is not shaped like an ARN', () => {
    expect(splitArn('arn:aws:s3::bucket')).toBeUndefined();
    expect(splitArn('urn:aws:s3:::bucket')).toBeUndefined();
    expect(splitArn('ARN:aws:s3:::bucket')).toBeUndefined();
    expect(splitArn('')).toBeUndefined();
  });
});
