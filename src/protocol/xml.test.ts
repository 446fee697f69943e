import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { AwsError } from '../errors.js';
import { escapeXml, queryError, queryResult, toXml } from './xml.js';

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const parser = new XMLParser({ ignoreAttributes: false });

describe('Query protocol XML (AWS STS API Reference: AssumeRole, GetCallerIdentity, Common Errors)', () => {
  it('writes <Op>Response/<Op>Result/ResponseMetadata/RequestId and the request id header', () => {
    const res = queryResult(
      'GetCallerIdentity',
      NS,
      {
        Arn: 'arn:aws:sts::111122223333:assumed-role/deployer/ci',
        UserId: 'AROAEXAMPLE:ci',
        Account: '111122223333',
      },
      'req-1',
    );
    expect(res.status).toBe(200);
    expect(res.headers['x-amzn-requestid']).toBe('req-1');
    expect(res.headers['content-type']).toBe('text/xml');
    const doc = parser.parse(res.body);
    expect(doc.GetCallerIdentityResponse['@_xmlns']).toBe(NS);
    expect(doc.GetCallerIdentityResponse.GetCallerIdentityResult.Account).toBe(111122223333);
    expect(doc.GetCallerIdentityResponse.ResponseMetadata.RequestId).toBe('req-1');
  });

  it('omits the Result element for operations without output', () => {
    const res = queryResult('DeleteRole', 'https://iam.amazonaws.com/doc/2010-05-08/', undefined, 'r');
    expect(res.body).not.toContain('DeleteRoleResult');
  });

  it('writes lists as <member> children and skips undefined members', () => {
    expect(toXml({ Tags: [{ Key: 'a', Value: 'b' }], Missing: undefined })).toBe(
      '<Tags><member><Key>a</Key><Value>b</Value></member></Tags>',
    );
  });

  it('escapes markup in values', () => {
    expect(escapeXml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
    expect(toXml({ Message: '</Message><Code>Injected' })).not.toContain('<Code>');
  });

  it('writes ErrorResponse with Type/Code/Message and RequestId as a direct child', () => {
    const res = queryError(
      new AwsError('AccessDenied', 'User: x is not <authorized>', { status: 403 }),
      NS,
      'req-2',
    );
    expect(res.status).toBe(403);
    const doc = parser.parse(res.body);
    expect(doc.ErrorResponse.Error).toEqual({
      Type: 'Sender',
      Code: 'AccessDenied',
      Message: 'User: x is not <authorized>',
    });
    expect(doc.ErrorResponse.RequestId).toBe('req-2');
  });

  it('marks server faults as Receiver', () => {
    const res = queryError(new AwsError('ServiceFailure', 'boom', { status: 500 }), NS, 'r');
    expect(parser.parse(res.body).ErrorResponse.Error.Type).toBe('Receiver');
  });
});
