/** Requests signed by the AWS SDK's signer (@smithy/signature-v4) verify, in every shape SDKs send. */
import { describe, expect, it } from 'vitest';
import { verifyRequest } from './verify.js';
import { singleKeyLookup } from './test-support/harness.js';
import { smithyPresign, smithySign, type SmithySignerConfig } from './test-support/smithy.js';
import type { VerifyOptions } from './types.js';

const AKID = 'ASIAEXAMPLEEXAMPLE02';
const SECRET = 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlYw';
const TOKEN = 'IQoJb3JpZ2luX2VjEOr//////////wEaCXVzLWVhc3QtMSJH+abc/def==';
const AT = new Date(Date.UTC(2024, 5, 15, 23, 59, 30));

const options = (service: string, token?: string): VerifyOptions => ({
  lookup: singleKeyLookup(AKID, SECRET, token),
  now: () => AT.getTime() + 5_000,
  region: 'eu-west-1',
  service,
});

for (const nodeCrypto of [false, true]) {
  const cfg = (service: string, extra: Partial<SmithySignerConfig> = {}): SmithySignerConfig => ({
    accessKeyId: AKID,
    secretAccessKey: SECRET,
    region: 'eu-west-1',
    service,
    nodeCrypto,
    ...extra,
  });

  describe(`@smithy/signature-v4 with ${nodeCrypto ? 'node:crypto' : '@aws-crypto/sha256-js'}`, () => {
    // smithy drops null-valued keys from the canonical query while its handlers send `Flag`; SDK
    // serializers never produce null values, so that quirk is not exercised.
    it('GET with an awkward query (spaces, unicode, repeated keys, reserved characters)', async () => {
      const request = await smithySign(
        cfg('iam'),
        {
          method: 'GET',
          path: '/',
          host: 'iam.amazonaws.com',
          query: { Action: 'ListRoles', PathPrefix: '/a b/ü~*', Marker: ['z', 'a'] },
        },
        AT,
      );
      expect(request.url).toContain('PathPrefix=%2Fa%20b%2F%C3%BC~%2A');
      expect(verifyRequest(request, options('iam')).service).toBe('iam');
    });

    it('query-protocol POST with a form body', async () => {
      const body =
        'Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo&RoleSessionName=s1&Version=2011-06-15';
      const request = await smithySign(
        cfg('sts'),
        {
          method: 'POST',
          path: '/',
          body,
          headers: {
            'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
            'content-length': String(body.length),
          },
        },
        AT,
      );
      const caller = verifyRequest(request, options('sts'));
      expect(caller.signedHeaders).toEqual(expect.arrayContaining(['content-type', 'host', 'x-amz-date']));
      expect(() => verifyRequest({ ...request, body: body.replace('s1', 's2') }, options('sts'))).toThrow(
        expect.objectContaining({ code: 'SignatureDoesNotMatch' }),
      );
    });

    it('JSON-protocol POST with a JSON body and x-amz-target', async () => {
      const body = JSON.stringify({ RoleName: 'demo', Tags: [{ Key: 'k', Value: 'v  w' }] });
      const request = await smithySign(
        cfg('logs'),
        {
          method: 'POST',
          path: '/',
          body,
          host: 'logs.eu-west-1.amazonaws.com',
          headers: {
            'content-type': 'application/x-amz-json-1.1',
            'x-amz-target': 'Logs_20140328.DescribeLogGroups',
            'x-amz-user-agent': '  aws-sdk-js/3   x ',
          },
        },
        AT,
      );
      expect(verifyRequest(request, options('logs')).service).toBe('logs');
    });

    it('REST path with encoded characters (double-encoded canonical path)', async () => {
      const request = await smithySign(
        cfg('lambda'),
        {
          method: 'GET',
          path: '/2015-03-31/functions/my%20fn%3A1/configuration',
          host: 'lambda.eu-west-1.amazonaws.com',
        },
        AT,
      );
      expect(verifyRequest(request, options('lambda')).service).toBe('lambda');
    });

    it('session token (signed header)', async () => {
      const request = await smithySign(
        cfg('sts', { sessionToken: TOKEN }),
        {
          method: 'POST',
          path: '/',
          body: 'Action=GetCallerIdentity&Version=2011-06-15',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        },
        AT,
      );
      const caller = verifyRequest(request, options('sts', TOKEN));
      expect(caller.sessionToken).toBe(TOKEN);
      expect(caller.signedHeaders).toContain('x-amz-security-token');
    });

    it('presigned GET with a session token (EKS-style GetCallerIdentity URL)', async () => {
      const request = await smithyPresign(
        cfg('sts', { sessionToken: TOKEN }),
        {
          method: 'GET',
          path: '/',
          query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
          headers: { 'x-k8s-aws-id': 'my-cluster' },
        },
        AT,
        60,
      );
      const caller = verifyRequest(request, options('sts', TOKEN));
      expect(caller).toMatchObject({ presigned: true, sessionToken: TOKEN });
      expect(caller.signedHeaders).toEqual(['host', 'x-k8s-aws-id']);
      expect(() =>
        verifyRequest(request, { ...options('sts', TOKEN), now: () => AT.getTime() + 61_000 }),
      ).toThrow(expect.objectContaining({ code: 'RequestExpired' }));
    });

    it('S3 PUT (uriEscapePath false, applyChecksum) with a key that needs encoding', async () => {
      const body = 'hello, s3';
      const request = await smithySign(
        cfg('s3', { s3: true }),
        {
          method: 'PUT',
          path: '/bucket/dir/a%20b%24c%2Bd/..x',
          host: 's3.eu-west-1.amazonaws.com',
          body,
          headers: { 'content-type': 'text/plain' },
        },
        AT,
      );
      const caller = verifyRequest(request, options('s3'));
      expect(caller.payloadHash).toMatch(/^[0-9a-f]{64}$/);
      expect(() => verifyRequest({ ...request, body: 'tampered' }, options('s3'))).toThrow(
        expect.objectContaining({ code: 'XAmzContentSHA256Mismatch' }),
      );
    });

    it('S3 presigned GET (UNSIGNED-PAYLOAD)', async () => {
      const request = await smithyPresign(
        cfg('s3', { s3: true }),
        { method: 'GET', path: '/bucket/k%C3%BCy', host: 's3.eu-west-1.amazonaws.com' },
        AT,
        3600,
      );
      const caller = verifyRequest(request, options('s3'));
      expect(caller).toMatchObject({ presigned: true, payloadHash: 'UNSIGNED-PAYLOAD' });
    });

    it('S3 with UNSIGNED-PAYLOAD and streaming literals', async () => {
      for (const literal of [
        'UNSIGNED-PAYLOAD',
        'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      ]) {
        const request = await smithySign(
          cfg('s3', { s3: true }),
          {
            method: 'PUT',
            path: '/bucket/obj',
            host: 's3.eu-west-1.amazonaws.com',
            headers: { 'x-amz-content-sha256': literal },
          },
          AT,
        );
        expect(verifyRequest({ ...request, body: 'anything' }, options('s3')).payloadHash).toBe(literal);
      }
    });
  });
}
