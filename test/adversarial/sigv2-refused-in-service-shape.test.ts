/**
 * Signature Version 2 against the gateway: boto3 presigns S3 URLs with SigV2 when asked
 * (`Config(signature_version='s3')`, long its default in us-east-1) and signs headers as
 * `Authorization: AWS AKID:signature`. credplane verifies only SigV4, so such a request must get
 * S3's own answer for an unsupported mechanism (`InvalidRequest`, 400, in S3's XML) — never an
 * STS-shaped error from the control plane, which is where a request without a SigV4 scope went.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, freePort, isolatedEnv, startCredplane, tempDir, type Credplane } from '../e2e/support.js';

let dir: string;
let plane: Credplane;

beforeAll(async () => {
  dir = tempDir('sigv2');
  // Nothing listens on the backend port: a refused request never reaches a backend anyway.
  const backend = `http://127.0.0.1:${await freePort()}`;
  plane = await startCredplane({ args: ['--backend', `*=${backend}`] });
});

afterAll(async () => {
  await plane?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const SCRIPT = `
import json, os, sys, urllib.request, urllib.error
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint = sys.argv[1]
s3 = boto3.client('s3', region_name='us-east-1', endpoint_url=endpoint,
                  config=Config(signature_version='s3', s3={'addressing_style': 'path'}),
                  aws_access_key_id=os.environ['KEY_ID'], aws_secret_access_key=os.environ['SECRET'])
out = {}
url = s3.generate_presigned_url('get_object', Params={'Bucket': 'data', 'Key': 'public/a.txt'}, ExpiresIn=300)
out['presignedUrl'] = url
try:
    with urllib.request.urlopen(url) as r:
        out['presigned'] = {'status': r.status, 'body': r.read().decode()}
except urllib.error.HTTPError as e:
    out['presigned'] = {'status': e.code, 'body': e.read().decode()}
try:
    s3.list_objects_v2(Bucket='data')
    out['header'] = {'status': 200}
except ClientError as e:
    out['header'] = {'status': e.response['ResponseMetadata']['HTTPStatusCode'],
                     'code': e.response['Error']['Code'], 'message': e.response['Error']['Message']}
print(json.dumps(out))
`;

function runBoto3(): Promise<Record<string, Record<string, unknown> | string>> {
  const script = path.join(dir, 'sigv2.py');
  fs.writeFileSync(script, SCRIPT);
  return new Promise((resolve, reject) => {
    execFile(
      'python3',
      [script, plane.url],
      {
        env: isolatedEnv(dir, { KEY_ID: ADMIN.accessKeyId, SECRET: ADMIN.secretAccessKey }),
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as Record<string, Record<string, unknown> | string>);
      },
    );
  });
}

describe('SigV2 requests get S3’s own error, not STS’s', () => {
  it('a boto3 SigV2 presigned URL and a SigV2-signed call are InvalidRequest in S3’s XML', async () => {
    const out = await runBoto3();
    // The URL really is SigV2 (botocore's `s3` signer), or the test proves nothing.
    expect(out.presignedUrl).toMatch(/[?&]AWSAccessKeyId=/);
    expect(out.presignedUrl).not.toMatch(/X-Amz-Algorithm/);
    const presigned = out.presigned as { status: number; body: string };
    expect(presigned.status).toBe(400);
    expect(presigned.body).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\s*<Error><Code>InvalidRequest<\/Code><Message>The authorization mechanism you have provided is not supported\. Please use AWS4-HMAC-SHA256\.<\/Message>/,
    );
    expect(presigned.body).not.toContain('ErrorResponse');
    expect(out.header).toEqual({
      status: 400,
      code: 'InvalidRequest',
      message: 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
    });
  });

  it('Query SigV2 (URL or form body) to STS, IAM and EC2 is IncompleteSignature in each one’s shape', async () => {
    const sigv2 = {
      AWSAccessKeyId: ADMIN.accessKeyId,
      SignatureVersion: '2',
      SignatureMethod: 'HmacSHA256',
      Timestamp: new Date().toISOString(),
      Signature: 'c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlMTI=',
    };
    const form = (params: Record<string, string>) => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...params, ...sigv2 }).toString(),
    });
    const iam = await fetch(
      `${plane.url}/?${new URLSearchParams({ Action: 'ListRoles', Version: '2010-05-08', ...sigv2 })}`,
    );
    const sts = await fetch(plane.url, form({ Action: 'GetCallerIdentity', Version: '2011-06-15' }));
    const ec2 = await fetch(plane.url, form({ Action: 'DescribeInstances', Version: '2016-11-15' }));
    const message =
      'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.';
    const iamText = await iam.text();
    expect(iam.status).toBe(400);
    expect(iamText).toContain('<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">');
    expect(iamText).toContain(`<Code>IncompleteSignature</Code><Message>${message}</Message>`);
    const stsText = await sts.text();
    expect(sts.status).toBe(400);
    expect(stsText).toContain('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">');
    expect(stsText).toContain(`<Code>IncompleteSignature</Code><Message>${message}</Message>`);
    const ec2Text = await ec2.text();
    expect(ec2.status).toBe(400);
    expect(ec2Text).toContain(
      `<Response><Errors><Error><Code>IncompleteSignature</Code><Message>${message}</Message>`,
    );
  });
});
