/** Requests signed by botocore (the AWS CLI's and boto3's signer) verify. Runs python3 once, offline. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { verifyRequest } from './verify.js';
import { singleKeyLookup } from './test-support/harness.js';
import type { SignedRequest } from './types.js';

const SCRIPT = fileURLToPath(new URL('./test-support/botocore_sign.py', import.meta.url));
const AKID = 'AKIABOTOCOREEXAMPLE1';
const SECRET = 'Ym90b2NvcmUtc2VjcmV0LWZvci10ZXN0cy0wMDAwMA';
const TOKEN = 'IQoJb3JpZ2luX2VjEBotocore//////////token+/==';
const NOW = Date.UTC(2024, 5, 15, 12, 0, 30);

const specs = [
  {
    name: 'STS POST form (SigV4Auth)',
    signer: 'SigV4Auth',
    service: 'sts',
    method: 'POST',
    url: 'https://sts.amazonaws.com/',
    body: 'Action=GetCallerIdentity&Version=2011-06-15',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
  },
  {
    name: 'IAM GET with awkward query',
    signer: 'SigV4Auth',
    service: 'iam',
    method: 'GET',
    url: 'https://iam.amazonaws.com/?Action=ListRoles&PathPrefix=%2Fa%20b%2F&Version=2010-05-08',
  },
  {
    name: 'JSON POST with session token',
    signer: 'SigV4Auth',
    service: 'logs',
    method: 'POST',
    url: 'https://logs.us-east-1.amazonaws.com/',
    body: '{"limit": 5}',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': 'Logs_20140328.DescribeLogGroups',
    },
    sessionToken: TOKEN,
  },
  {
    name: 'REST path with dot segments and encoding',
    signer: 'SigV4Auth',
    service: 'lambda',
    method: 'GET',
    url: 'https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/my%20fn/configuration',
  },
  {
    name: 'S3 PUT (S3SigV4Auth)',
    signer: 'S3SigV4Auth',
    service: 's3',
    method: 'PUT',
    url: 'https://bucket.s3.amazonaws.com/dir/a%20b%24c//..',
    body: 'hello from botocore',
    headers: { 'Content-Type': 'text/plain' },
  },
  {
    name: 'presigned STS GET (SigV4QueryAuth) with token',
    signer: 'SigV4QueryAuth',
    service: 'sts',
    method: 'GET',
    url: 'https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15',
    sessionToken: TOKEN,
    expires: 60,
  },
  {
    name: 'presigned S3 GET (S3SigV4QueryAuth)',
    signer: 'S3SigV4QueryAuth',
    service: 's3',
    method: 'GET',
    url: 'https://bucket.s3.amazonaws.com/k%C3%BCy.txt',
    expires: 900,
  },
];

function signWithBotocore(): SignedRequest[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-botocore-'));
  try {
    fs.writeFileSync(path.join(dir, 'config'), '');
    fs.writeFileSync(path.join(dir, 'credentials'), '');
    const input = specs.map((s) => ({
      region: 'us-east-1',
      accessKeyId: AKID,
      secretAccessKey: SECRET,
      ...s,
    }));
    const result = spawnSync('python3', [SCRIPT], {
      input: JSON.stringify(input),
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: path.join(dir, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'credentials'),
      },
    });
    if (result.status !== 0) throw new Error(`botocore signer failed: ${result.stderr}`);
    return JSON.parse(result.stdout) as SignedRequest[];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('botocore-signed requests', () => {
  const signed = signWithBotocore();
  specs.forEach((spec, i) => {
    it(`${spec.name} verifies`, () => {
      const request = signed[i]!;
      const token = 'sessionToken' in spec ? spec.sessionToken : undefined;
      const options = {
        lookup: singleKeyLookup(AKID, SECRET, token),
        now: () => NOW,
        region: 'us-east-1',
        service: spec.service,
      };
      const caller = verifyRequest({ ...request, body: request.body ?? undefined }, options);
      expect(caller).toMatchObject({
        accessKeyId: AKID,
        service: spec.service,
        presigned: spec.signer.includes('Query'),
      });
      expect(caller.sessionToken).toBe(token);
      if (request.body) {
        expect(() => verifyRequest({ ...request, body: `${request.body} ` }, options)).toThrow(
          expect.objectContaining({
            code: spec.service === 's3' ? 'XAmzContentSHA256Mismatch' : 'SignatureDoesNotMatch',
          }),
        );
      }
    });
  });
});
