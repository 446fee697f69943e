import { describe, expect, it } from 'vitest';
import { queryErrorOf, queryRequestParameters, queryResponseElements } from './query-wire.js';

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

  it('never writes through __proto__', () => {
    const out = queryRequestParameters([
      ['__proto__.polluted', 'yes'],
      ['constructor.prototype.polluted', 'yes'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
  });
});

describe('queryResponseElements', () => {
  it('turns the <Op>Result into camelCase members, lists into arrays', () => {
    const xml =
      '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>' +
      '<Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>s</SecretAccessKey>' +
      '<SessionToken>t</SessionToken><Expiration>2026-11-29T10:00:00Z</Expiration></Credentials>' +
      '<AssumedRoleUser><AssumedRoleId>AROA1:ci</AssumedRoleId><Arn>arn:aws:sts::1:assumed-role/web/ci</Arn></AssumedRoleUser>' +
      '</AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>';
    expect(queryResponseElements(xml, 'AssumeRole')).toEqual({
      credentials: {
        accessKeyId: 'ASIA1',
        secretAccessKey: 's',
        sessionToken: 't',
        expiration: '2026-11-29T10:00:00Z',
      },
      assumedRoleUser: { assumedRoleId: 'AROA1:ci', arn: 'arn:aws:sts::1:assumed-role/web/ci' },
    });
    const list =
      '<ListRoleTagsResponse><ListRoleTagsResult><Tags><member><Key>a</Key><Value>1</Value></member></Tags>' +
      '<IsTruncated>false</IsTruncated></ListRoleTagsResult></ListRoleTagsResponse>';
    expect(queryResponseElements(list, 'ListRoleTags')).toEqual({
      tags: [{ key: 'a', value: '1' }],
      isTruncated: 'false',
    });
  });

  it('is undefined without a result element', () => {
    expect(
      queryResponseElements('<DeleteRoleResponse><ResponseMetadata/></DeleteRoleResponse>', 'DeleteRole'),
    ).toBe(undefined);
    expect(queryResponseElements('not xml <', 'X')).toBeUndefined();
  });
});

describe('queryErrorOf', () => {
  it('reads Query and EC2 error documents', () => {
    expect(
      queryErrorOf(
        '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: a &amp; b</Message></Error></ErrorResponse>',
      ),
    ).toEqual({ code: 'AccessDenied', message: 'User: a & b' });
    expect(
      queryErrorOf(
        '<?xml version="1.0"?>\n<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message></Error></Errors></Response>',
      ),
    ).toEqual({ code: 'UnauthorizedOperation', message: 'no' });
    expect(
      queryErrorOf('<GetCallerIdentityResponse><Code>x</Code></GetCallerIdentityResponse>'),
    ).toBeUndefined();
  });
});
