import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketTaggingCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { AwsError } from '../../errors.js';
import type { GatewayRequest, MappedRequest, UnmappedRequest } from '../types.js';
import { createS3Mapper, parseCopySource, s3Mapper } from './s3.js';
import { handRequest } from './test-support/capture.js';
import { captureS3, presignS3 } from './test-support/s3-sdk.js';

const SIGNED_AT = new Date('2026-01-01T00:00:00Z');
const mapper = createS3Mapper({ now: () => SIGNED_AT.getTime() + 65_000 });

/** Maps as the proxy does: the body only when the mapper asks for it. */
function run(request: GatewayRequest, m = mapper): MappedRequest | UnmappedRequest {
  return m.map({ ...request, body: m.needsBody(request) ? request.body : undefined });
}

function mapped(request: GatewayRequest, m = mapper): MappedRequest {
  const result = run(request, m);
  if ('unmapped' in result) throw new Error(`unmapped ${result.operation ?? ''}`);
  return result;
}

function summary(result: MappedRequest): [string, string][] {
  return result.checks.map((c) => [c.action, c.resource]);
}

function awsError(fn: () => unknown): AwsError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AwsError) return error;
    throw error;
  }
  throw new Error('no error thrown');
}

const ACCOUNT = '111122223333';

describe('s3Mapper: operations and resources from real SDK requests', () => {
  it('declares the S3 REST-XML protocol', () => {
    expect(s3Mapper).toMatchObject({ service: 's3', signingName: 's3', protocol: 'rest-xml' });
  });

  it('ListBuckets is s3:ListAllMyBuckets on *', async () => {
    const result = mapped(await captureS3(new ListBucketsCommand({})));
    expect(result.operation).toBe('ListBuckets');
    expect(summary(result)).toEqual([['s3:ListAllMyBuckets', '*']]);
    expect(result.resources).toEqual([]);
  });

  it('GetObject decodes the key exactly as IAM sees it (path style)', async () => {
    const request = await captureS3(new GetObjectCommand({ Bucket: 'my.bucket', Key: 'a b/c+d%e/ü' }));
    expect(request.path).toBe('/my.bucket/a%20b/c%2Bd%25e/%C3%BC');
    const result = mapped(request);
    expect(summary(result)).toEqual([['s3:GetObject', 'arn:aws:s3:::my.bucket/a b/c+d%e/ü']]);
    expect(result.requestParameters).toMatchObject({
      bucketName: 'my.bucket',
      key: 'a b/c+d%e/ü',
      'x-id': 'GetObject',
    });
    expect(result.resources).toEqual([
      { type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::my.bucket/a b/c+d%e/ü' },
      { accountId: ACCOUNT, type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::my.bucket' },
    ]);
  });

  it('reads the bucket from the Host for virtual-hosted requests (host-name endpoint)', async () => {
    const request = await captureS3(new GetObjectCommand({ Bucket: 'photos', Key: '2024/a b.jpg' }), {
      endpoint: 'http://localhost:4566',
    });
    expect(request.host).toBe('photos.localhost:4566');
    expect(request.path).toBe('/2024/a%20b.jpg');
    expect(summary(mapped(request))).toEqual([['s3:GetObject', 'arn:aws:s3:::photos/2024/a b.jpg']]);
  });

  it('takes the gateway host names as an option', async () => {
    const request = await captureS3(new HeadBucketCommand({ Bucket: 'photos' }), {
      endpoint: 'http://gateway.test:4566',
    });
    expect(request.host).toBe('photos.gateway.test:4566');
    // Unknown host name: the Host is not read, `/` is the service itself.
    expect(run(request)).toMatchObject({ unmapped: true });
    const custom = createS3Mapper({ endpointHosts: ['gateway.test'] });
    expect(summary(mapped(request, custom))).toEqual([['s3:ListBucket', 'arn:aws:s3:::photos']]);
  });

  it('HeadObject is authorized as s3:GetObject, with a version as s3:GetObjectVersion', async () => {
    const head = mapped(await captureS3(new HeadObjectCommand({ Bucket: 'b1b', Key: 'k' })));
    expect(head.operation).toBe('HeadObject');
    expect(summary(head)).toEqual([['s3:GetObject', 'arn:aws:s3:::b1b/k']]);
    const version = mapped(
      await captureS3(new GetObjectCommand({ Bucket: 'b1b', Key: 'k', VersionId: 'v7' })),
    );
    expect(summary(version)).toEqual([['s3:GetObjectVersion', 'arn:aws:s3:::b1b/k']]);
    expect(version.checks[0]?.context['s3:versionid']).toBe('v7');
  });

  it('ListObjectsV2 is s3:ListBucket on the bucket with s3:prefix, s3:delimiter and numeric s3:max-keys', async () => {
    const result = mapped(
      await captureS3(
        new ListObjectsV2Command({ Bucket: 'b1b', Prefix: 'home/alice/', Delimiter: '/', MaxKeys: 10 }),
      ),
    );
    expect(result.operation).toBe('ListObjectsV2');
    expect(summary(result)).toEqual([['s3:ListBucket', 'arn:aws:s3:::b1b']]);
    expect(result.checks[0]?.context).toMatchObject({
      's3:prefix': 'home/alice/',
      's3:delimiter': '/',
      's3:max-keys': 10,
      's3:authType': 'REST-HEADER',
      's3:signatureversion': 'AWS4-HMAC-SHA256',
      's3:ResourceAccount': ACCOUNT,
    });
    expect(result.checks[0]?.context).not.toHaveProperty(['s3:signatureAge']);
    expect(result.requestParameters).toMatchObject({
      'list-type': '2',
      prefix: 'home/alice/',
      delimiter: '/',
    });
  });

  it('leaves s3:prefix absent when the request has none', async () => {
    const result = mapped(await captureS3(new ListObjectsV2Command({ Bucket: 'b1b' })));
    expect(result.checks[0]?.context).not.toHaveProperty(['s3:prefix']);
  });

  it('CopyObject needs s3:GetObjectVersion on the decoded source and s3:PutObject on the destination', async () => {
    const result = mapped(
      await captureS3(
        new CopyObjectCommand({
          Bucket: 'dst',
          Key: 'to/k',
          CopySource: 'src/a%20b/c?versionId=3',
          MetadataDirective: 'REPLACE',
          ExpectedSourceBucketOwner: '444455556666',
        }),
      ),
    );
    expect(result.operation).toBe('CopyObject');
    expect(summary(result)).toEqual([
      ['s3:GetObjectVersion', 'arn:aws:s3:::src/a b/c'],
      ['s3:PutObject', 'arn:aws:s3:::dst/to/k'],
    ]);
    expect(result.checks[0]).toMatchObject({ resourceAccount: '444455556666' });
    expect(result.checks[0]?.context).toMatchObject({
      's3:versionid': '3',
      's3:ResourceAccount': '444455556666',
    });
    expect(result.checks[1]?.context).toMatchObject({
      's3:x-amz-copy-source': 'src/a b/c',
      's3:x-amz-metadata-directive': 'REPLACE',
    });
    expect(result.checks[1]).not.toHaveProperty('resourceAccount');
  });

  it('UploadPartCopy reads the source and writes the destination; UploadPart only writes', async () => {
    const copy = mapped(
      await captureS3(
        new UploadPartCopyCommand({
          Bucket: 'dst',
          Key: 'k',
          UploadId: 'u',
          PartNumber: 2,
          CopySource: 'src/s',
        }),
      ),
    );
    expect(summary(copy)).toEqual([
      ['s3:GetObject', 'arn:aws:s3:::src/s'],
      ['s3:PutObject', 'arn:aws:s3:::dst/k'],
    ]);
    const part = await captureS3(
      new UploadPartCommand({ Bucket: 'dst', Key: 'k', UploadId: 'u', PartNumber: 2, Body: 'x' }),
    );
    expect(mapper.needsBody(part)).toBe(false);
    expect(summary(mapped(part))).toEqual([['s3:PutObject', 'arn:aws:s3:::dst/k']]);
  });

  it('DeleteObjects checks every key of the body (versions as s3:DeleteObjectVersion)', async () => {
    const request = await captureS3(
      new DeleteObjectsCommand({
        Bucket: 'b1b',
        Delete: { Objects: [{ Key: 'k1' }, { Key: 'a&b\n<c>' }, { Key: 'k3', VersionId: 'v3' }] },
      }),
    );
    expect(mapper.needsBody(request)).toBe(true);
    const result = mapped(request);
    expect(summary(result)).toEqual([
      ['s3:DeleteObject', 'arn:aws:s3:::b1b/k1'],
      ['s3:DeleteObject', 'arn:aws:s3:::b1b/a&b\n<c>'],
      ['s3:DeleteObjectVersion', 'arn:aws:s3:::b1b/k3'],
    ]);
    expect(result.checks[2]?.context['s3:versionid']).toBe('v3');
    expect(result.requestParameters).toMatchObject({
      delete: '',
      Delete: { Object: [{ Key: 'k1' }, { Key: 'a&b\n<c>' }, { Key: 'k3', VersionId: 'v3' }] },
    });
  });

  it('DeleteObject with governance bypass also needs s3:BypassGovernanceRetention', async () => {
    const result = mapped(
      await captureS3(
        new DeleteObjectCommand({ Bucket: 'b1b', Key: 'k', VersionId: 'v', BypassGovernanceRetention: true }),
      ),
    );
    expect(summary(result)).toEqual([
      ['s3:DeleteObjectVersion', 'arn:aws:s3:::b1b/k'],
      ['s3:BypassGovernanceRetention', 'arn:aws:s3:::b1b/k'],
    ]);
  });

  it('PutObject reads ACL, encryption, storage class and tagging headers; never the body', async () => {
    const request = await captureS3(
      new PutObjectCommand({
        Bucket: 'b1b',
        Key: 'k',
        Body: 'secret content',
        ACL: 'public-read',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
        StorageClass: 'STANDARD_IA',
        Tagging: 'team=blue&cost%20center=a+b',
      }),
    );
    expect(mapper.needsBody(request)).toBe(false);
    const result = mapped({ ...request, body: undefined });
    expect(summary(result)).toEqual([
      ['s3:PutObject', 'arn:aws:s3:::b1b/k'],
      ['s3:PutObjectAcl', 'arn:aws:s3:::b1b/k'],
      ['s3:PutObjectTagging', 'arn:aws:s3:::b1b/k'],
    ]);
    expect(result.checks[0]?.context).toMatchObject({
      's3:x-amz-acl': 'public-read',
      's3:x-amz-server-side-encryption': 'aws:kms',
      's3:x-amz-server-side-encryption-aws-kms-key-id':
        'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      's3:x-amz-storage-class': 'STANDARD_IA',
      's3:RequestObjectTag/team': 'blue',
      's3:RequestObjectTag/cost center': 'a b',
      's3:RequestObjectTagKeys': ['team', 'cost center'],
    });
    expect(result.checks[1]?.context).toMatchObject({ 's3:x-amz-acl': 'public-read' });
    expect(result.checks[2]?.context).toMatchObject({ 's3:RequestObjectTagKeys': ['team', 'cost center'] });
    expect(JSON.stringify(result)).not.toContain('secret content');
  });

  it('PutObjectTagging reads s3:RequestObjectTag from the body', async () => {
    const request = await captureS3(
      new PutObjectTaggingCommand({
        Bucket: 'b1b',
        Key: 'k',
        Tagging: { TagSet: [{ Key: 'env', Value: 'prod' }] },
      }),
    );
    expect(mapper.needsBody(request)).toBe(true);
    const result = mapped(request);
    expect(summary(result)).toEqual([['s3:PutObjectTagging', 'arn:aws:s3:::b1b/k']]);
    expect(result.checks[0]?.context).toMatchObject({
      's3:RequestObjectTag/env': 'prod',
      's3:RequestObjectTagKeys': ['env'],
    });
  });

  it('PutBucketTagging reads aws:RequestTag and aws:TagKeys from the body', async () => {
    const request = await captureS3(
      new PutBucketTaggingCommand({
        Bucket: 'b1b',
        Tagging: {
          TagSet: [
            { Key: 'team', Value: 'blue' },
            { Key: 'tier', Value: '' },
          ],
        },
      }),
    );
    const result = mapped(request);
    expect(summary(result)).toEqual([['s3:PutBucketTagging', 'arn:aws:s3:::b1b']]);
    expect(result.checks[0]?.context).toMatchObject({
      'aws:RequestTag/team': 'blue',
      'aws:RequestTag/tier': '',
      'aws:TagKeys': ['team', 'tier'],
    });
  });

  it('CreateBucket reads the location constraint and asks for the permissions its headers need', async () => {
    const request = await captureS3(
      new CreateBucketCommand({
        Bucket: 'new-bucket',
        ACL: 'public-read',
        ObjectLockEnabledForBucket: true,
        ObjectOwnership: 'BucketOwnerPreferred',
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );
    expect(mapper.needsBody(request)).toBe(true);
    const result = mapped(request);
    expect(summary(result)).toEqual([
      ['s3:CreateBucket', 'arn:aws:s3:::new-bucket'],
      ['s3:PutBucketAcl', 'arn:aws:s3:::new-bucket'],
      ['s3:PutBucketObjectLockConfiguration', 'arn:aws:s3:::new-bucket'],
      ['s3:PutBucketVersioning', 'arn:aws:s3:::new-bucket'],
      ['s3:PutBucketOwnershipControls', 'arn:aws:s3:::new-bucket'],
    ]);
    expect(result.checks[0]?.context).toMatchObject({
      's3:locationconstraint': 'eu-west-1',
      's3:x-amz-acl': 'public-read',
      's3:x-amz-object-ownership': 'BucketOwnerPreferred',
    });
    const plain = mapped(await captureS3(new CreateBucketCommand({ Bucket: 'new-bucket', ACL: 'private' })));
    expect(summary(plain)).toEqual([['s3:CreateBucket', 'arn:aws:s3:::new-bucket']]);
  });

  it('an expected bucket owner makes the check cross-account', async () => {
    const result = mapped(
      await captureS3(new GetObjectCommand({ Bucket: 'b1b', Key: 'k', ExpectedBucketOwner: '444455556666' })),
    );
    expect(result.checks[0]).toMatchObject({ resourceAccount: '444455556666' });
    expect(result.checks[0]?.context['s3:ResourceAccount']).toBe('444455556666');
    expect(result.resources?.[1]).toEqual({
      accountId: '444455556666',
      type: 'AWS::S3::Bucket',
      ARN: 'arn:aws:s3:::b1b',
    });
  });
});

describe('s3Mapper: presigned URLs', () => {
  it('maps a presigned GET by its path; the X-Amz-* parameters select nothing', async () => {
    const request = await presignS3(new GetObjectCommand({ Bucket: 'b1b', Key: 'report.pdf' }), SIGNED_AT);
    expect(request.headers['authorization']).toBeUndefined();
    const result = mapped(request);
    expect(summary(result)).toEqual([['s3:GetObject', 'arn:aws:s3:::b1b/report.pdf']]);
    expect(result.checks[0]?.context).toMatchObject({
      's3:authType': 'REST-QUERY-STRING',
      's3:signatureversion': 'AWS4-HMAC-SHA256',
      's3:signatureAge': 65_000,
      's3:x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
    });
    expect(result.requestParameters).toMatchObject({
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Expires': '900',
    });
    expect(result.requestParameters).not.toHaveProperty(['X-Amz-Signature']);
    expect(result.requestParameters).not.toHaveProperty(['X-Amz-Credential']);
  });

  it('reads hoisted x-amz-* headers of a presigned PUT from the query', async () => {
    const request = await presignS3(
      new PutObjectCommand({ Bucket: 'b1b', Key: 'up', ACL: 'public-read' }),
      SIGNED_AT,
    );
    expect(request.query).toContainEqual(['x-amz-acl', 'public-read']);
    const result = mapped(request);
    expect(summary(result)).toEqual([
      ['s3:PutObject', 'arn:aws:s3:::b1b/up'],
      ['s3:PutObjectAcl', 'arn:aws:s3:::b1b/up'],
    ]);
    expect(result.checks[0]?.context['s3:x-amz-acl']).toBe('public-read');
  });

  it('refuses a header and a query parameter that disagree', async () => {
    const request = await captureS3(new PutObjectCommand({ Bucket: 'b1b', Key: 'up', ACL: 'private' }));
    const error = awsError(() =>
      run({ ...request, query: [...request.query, ['x-amz-acl', 'public-read']] }),
    );
    expect(error).toMatchObject({ code: 'InvalidArgument', status: 400 });
  });

  it('refuses a single-token header sent twice (joined with a comma)', () => {
    const request = handRequest({
      method: 'PUT',
      path: '/b1b/k',
      headers: { authorization: 'AWS4-HMAC-SHA256 x', 'x-amz-acl': 'private, public-read' },
    });
    expect(awsError(() => run(request))).toMatchObject({ code: 'InvalidArgument', status: 400 });
  });

  it('keeps the session token and SSE-C key out of the log', () => {
    const request = handRequest({
      method: 'GET',
      path: '/b1b/k',
      query: [
        ['X-Amz-Signature', 'abc'],
        ['X-Amz-Security-Token', 'SESSION-TOKEN'],
        ['x-amz-server-side-encryption-customer-key', 'KEY-MATERIAL'],
      ],
    });
    const text = JSON.stringify(mapped(request));
    expect(text).not.toContain('SESSION-TOKEN');
    expect(text).not.toContain('KEY-MATERIAL');
  });
});

describe('s3Mapper: unmapped and malformed requests', () => {
  const get = (path: string, query: [string, string][] = [], method = 'GET') =>
    handRequest({ method, path, query, headers: { authorization: 'AWS4-HMAC-SHA256 Credential=x' } });

  it('maps the bucket configuration table (sub-resource x method)', () => {
    expect(mapped(get('/b1b', [['lifecycle', '']])).checks[0]?.action).toBe('s3:GetLifecycleConfiguration');
    expect(mapped(get('/b1b', [['cors', '']], 'DELETE')).checks[0]?.action).toBe('s3:PutBucketCORS');
    expect(mapped(get('/b1b', [['inventory', '']])).operation).toBe('ListBucketInventoryConfigurations');
    expect(
      mapped(
        get('/b1b', [
          ['inventory', ''],
          ['id', 'i1'],
        ]),
      ).operation,
    ).toBe('GetBucketInventoryConfiguration');
  });

  it('names known but unmapped operations and fails closed on unknown query names', () => {
    expect(run(get('/b1b', [['session', '']]))).toEqual({
      unmapped: true,
      service: 's3',
      eventSource: 's3.amazonaws.com',
      operation: 'CreateSession',
    });
    expect(run(get('/b1b', [], 'POST'))).toMatchObject({ unmapped: true, operation: 'PostObject' });
    expect(run(get('/b1b/k', [['encryption', '']], 'PUT'))).toMatchObject({
      operation: 'UpdateObjectEncryption',
    });
    expect(run(get('/b1b', [['brand-new-subresource', '']]))).toEqual({
      unmapped: true,
      service: 's3',
      eventSource: 's3.amazonaws.com',
    });
    expect(run(get('/b1b/k', [['versioning', '']]))).toMatchObject({ unmapped: true });
  });

  it.each([
    ['an invalid bucket name', () => get('/bad%20bucket/k'), 'InvalidBucketName'],
    ['a new bucket name against the rules', () => get('/Legacy_Bucket', [], 'PUT'), 'InvalidBucketName'],
    ['a malformed percent-encoding', () => get('/b1b/%E0%A4%A'), 'InvalidURI'],
    ['a key over 1024 bytes', () => get(`/b1b/${'é'.repeat(513)}`), 'KeyTooLongError'],
    ['a non-integer max-keys', () => get('/b1b', [['max-keys', '10abc']]), 'InvalidArgument'],
    ['an unknown list-type', () => get('/b1b', [['list-type', '3']]), 'InvalidArgument'],
    ['an empty versionId', () => get('/b1b/k', [['versionId', '']]), 'InvalidArgument'],
    [
      'a repeated query parameter',
      () =>
        get('/b1b', [
          ['prefix', 'a'],
          ['prefix', 'b'],
        ]),
      'InvalidArgument',
    ],
    [
      'two sub-resources',
      () =>
        get('/b1b', [
          ['acl', ''],
          ['tagging', ''],
        ]),
      'InvalidArgument',
    ],
    [
      'a copy source without a key',
      () => handRequest({ method: 'PUT', path: '/b1b/k', headers: { 'x-amz-copy-source': 'src' } }),
      'InvalidArgument',
    ],
  ])('refuses %s', (_name, build, code) => {
    const error = awsError(() => run(build()));
    expect(error.code).toBe(code);
    expect(error.status).toBe(400);
  });

  it('answers MalformedXML for a DeleteObjects body that is not the Delete document', () => {
    for (const body of ['', '<Delete></Delete>', '<Delete><Object><Key>a</Key>', '<Other/>']) {
      const request = handRequest({ method: 'POST', path: '/b1b', query: [['delete', '']], body });
      expect(awsError(() => mapper.map(request)).code).toBe('MalformedXML');
    }
  });

  it('answers InvalidTag for a tag key given twice', () => {
    const body =
      '<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>a</Key><Value>2</Value></Tag></TagSet></Tagging>';
    const request = handRequest({ method: 'PUT', path: '/b1b', query: [['tagging', '']], body });
    expect(awsError(() => mapper.map(request))).toMatchObject({ code: 'InvalidTag', status: 400 });
  });

  it('does not ask for the body of requests it will refuse anyway', () => {
    expect(mapper.needsBody(get('/bad%20bucket', [['delete', '']], 'POST'))).toBe(false);
    expect(mapper.needsBody(get('/b1b/k', [], 'PUT'))).toBe(false);
  });
});

describe('parseCopySource', () => {
  it.each([
    ['src/k', { bucket: 'src', key: 'k' }],
    ['/src/dir/a%20b', { bucket: 'src', key: 'dir/a b' }],
    ['src/a%3Fb?versionId=v%2B1', { bucket: 'src', key: 'a?b', versionId: 'v+1' }],
  ])('%s', (header, expected) => {
    expect(parseCopySource(header)).toEqual(expected);
  });

  it.each(['src', 'src/', '/k', 'src/k?versionId=', 'src/k?other=1', 'src/%ZZ'])('refuses %s', (header) => {
    expect(awsError(() => parseCopySource(header)).code).toBe('InvalidArgument');
  });
});

describe('s3Mapper: Object Lock documents', () => {
  it('reads s3:object-lock-mode and s3:object-lock-retain-until-date from PutObjectRetention', async () => {
    const request = await captureS3(
      new PutObjectRetentionCommand({
        Bucket: 'b1b',
        Key: 'k',
        Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date('2030-01-01T00:00:00Z') },
        BypassGovernanceRetention: true,
      }),
    );
    expect(mapper.needsBody(request)).toBe(true);
    const result = mapped(request);
    expect(summary(result)).toEqual([
      ['s3:PutObjectRetention', 'arn:aws:s3:::b1b/k'],
      ['s3:BypassGovernanceRetention', 'arn:aws:s3:::b1b/k'],
    ]);
    expect(result.checks[0]?.context).toMatchObject({
      's3:object-lock-mode': 'GOVERNANCE',
      's3:object-lock-retain-until-date': '2030-01-01T00:00:00Z',
    });
  });

  it('reads s3:object-lock-legal-hold from PutObjectLegalHold', async () => {
    const request = await captureS3(
      new PutObjectLegalHoldCommand({ Bucket: 'b1b', Key: 'k', LegalHold: { Status: 'ON' } }),
    );
    expect(mapped(request).checks[0]?.context['s3:object-lock-legal-hold']).toBe('ON');
  });
});

/**
 * Shapes botocore 1.43 sends (recorded in-process with a `before-send` hook): path style for any
 * custom `endpoint_url` by default, virtual-hosted with `addressing_style = virtual`.
 */
describe('s3Mapper: botocore request shapes', () => {
  const botocore = (partial: Omit<Partial<GatewayRequest>, 'body'> & { body?: string }) =>
    handRequest({
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/s3/aws4_request' },
      ...partial,
    });

  it('path-style ListObjectsV2 without a trailing slash', () => {
    const result = mapped(
      botocore({
        method: 'GET',
        path: '/mybucket',
        host: 'localhost:7300',
        query: [
          ['list-type', '2'],
          ['prefix', 'p/'],
          ['encoding-type', 'url'],
        ],
      }),
    );
    expect(result.operation).toBe('ListObjectsV2');
    expect(result.checks[0]).toMatchObject({ action: 's3:ListBucket', resource: 'arn:aws:s3:::mybucket' });
    expect(result.checks[0]?.context['s3:prefix']).toBe('p/');
  });

  it('virtual-hosted DeleteObjects with a character reference in a key', () => {
    const request = botocore({
      method: 'POST',
      path: '/',
      host: 'mybucket.localhost:7300',
      query: [['delete', '']],
      body: '<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a&#xA;b&amp;c</Key></Object></Delete>',
    });
    expect(mapper.needsBody(request)).toBe(true);
    expect(summary(mapped(request))).toEqual([['s3:DeleteObject', 'arn:aws:s3:::mybucket/a\nb&c']]);
  });

  it('virtual-hosted CopyObject with an encoded, versioned copy source', () => {
    const result = mapped(
      botocore({
        method: 'PUT',
        path: '/d',
        host: 'mybucket.localhost:7300',
        headers: { authorization: 'AWS4-HMAC-SHA256 x', 'x-amz-copy-source': 'src/a%20b?versionId=v1' },
      }),
    );
    expect(summary(result)).toEqual([
      ['s3:GetObjectVersion', 'arn:aws:s3:::src/a b'],
      ['s3:PutObject', 'arn:aws:s3:::mybucket/d'],
    ]);
  });
});
