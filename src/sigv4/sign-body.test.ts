/**
 * `signBodyRequest`, the client-side form of the one signer used by credplane's own admin and
 * Query calls: fixed vectors (recorded from the admin client's former stand-alone signer, so the
 * wire output did not change when it was folded into `signRequest`) and a round trip through
 * credplane's verifier.
 */
import { describe, expect, it } from 'vitest';
import { signBodyRequest } from './sign.js';
import { verifyRequest } from './verify.js';

const AT = Date.UTC(2026, 10, 29, 10, 0, 0, 123);

describe('signBodyRequest', () => {
  it('signs a JSON admin call exactly as before', () => {
    const headers = signBodyRequest(
      {
        method: 'POST',
        url: new URL('http://127.0.0.1:7300/credplane/ecs/run-task'),
        body: '{"taskDefinition":"orders"}',
        contentType: 'application/json',
      },
      { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
      'us-east-1',
      'ecs',
      AT,
    );
    expect(headers).toEqual({
      'content-type': 'application/json',
      host: '127.0.0.1:7300',
      'x-amz-content-sha256': '69a2d9df7203225e719516634f394b96c9afcad666c4c28f5e9b0a3df9a820f1',
      'x-amz-date': '20261129T100000Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261129/us-east-1/ecs/aws4_request, ' +
        'SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, ' +
        'Signature=1a1f27c2b8e69277a8da6b3d240651dff2bafda9d06f0bc569a9d2c99d66adaf',
    });
  });

  it('signs a Query call with a session token exactly as before', () => {
    const headers = signBodyRequest(
      {
        method: 'POST',
        url: new URL('http://127.0.0.1:7300/'),
        body: 'Action=GetCallerIdentity&Version=2011-06-15',
        contentType: 'application/x-www-form-urlencoded; charset=utf-8',
      },
      { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token/with+chars=' },
      'eu-west-1',
      'sts',
      AT,
    );
    expect(headers['x-amz-security-token']).toBe('token/with+chars=');
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261129/eu-west-1/sts/aws4_request, ' +
        'SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, ' +
        'Signature=02caad4e0669d5a681c6226d4ebf3159257259602adf54d727a0b38fe21e1b0a',
    );
  });

  it('signs the URL query too, and the verifier accepts what it signs', () => {
    const url = new URL('http://127.0.0.1:7300/credplane/ecs/list-tasks?cluster=a%20b&max=2');
    const body = '{}';
    const headers = signBodyRequest(
      { method: 'POST', url, body, contentType: 'application/json' },
      { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      'us-east-1',
      'ecs',
      AT,
    );
    const verified = verifyRequest(
      { method: 'POST', url: `${url.pathname}${url.search}`, headers: Object.entries(headers), body },
      { lookup: () => ({ secretAccessKey: 'secret' }), service: 'ecs', region: 'us-east-1', now: () => AT },
    );
    expect(verified.accessKeyId).toBe('AKIDEXAMPLE');
  });
});
