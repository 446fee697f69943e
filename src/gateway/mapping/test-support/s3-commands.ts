/**
 * Inputs for every S3 SDK command by name, so coverage tests can send each mapped operation
 * exactly as the SDK does. `maximal` adds every header and parameter that carries a condition key.
 */
import * as S3 from '@aws-sdk/client-s3';

const BASE: Record<string, unknown> = {
  Bucket: 'amzn-bucket',
  Key: 'dir/k 1',
  UploadId: 'upload-1',
  PartNumber: 1,
  CopySource: 'src-bucket/dir/s%201',
  Id: 'config-1',
  Body: 'x',
  Policy: '{"Version":"2012-10-17","Statement":[]}',
  Tagging: { TagSet: [{ Key: 'team', Value: 'blue' }] },
  Delete: { Objects: [{ Key: 'k1' }, { Key: 'k2', VersionId: 'v2' }] },
  VersioningConfiguration: { Status: 'Enabled' },
  ObjectAttributes: ['ETag'],
  Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date('2030-01-01T00:00:00Z') },
  LegalHold: { Status: 'ON' },
  AccessControlPolicy: { Owner: { ID: 'owner' }, Grants: [] },
  AbacStatus: { Status: 'Enabled' },
};

const MAXIMAL: Record<string, unknown> = {
  ACL: 'public-read',
  GrantRead: 'id=reader',
  ServerSideEncryption: 'aws:kms',
  SSEKMSKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
  StorageClass: 'STANDARD_IA',
  WebsiteRedirectLocation: '/other',
  ObjectLockMode: 'GOVERNANCE',
  ObjectLockRetainUntilDate: new Date('2030-01-01T00:00:00Z'),
  ObjectLockLegalHoldStatus: 'ON',
  IfMatch: '"etag"',
  IfNoneMatch: '*',
  BypassGovernanceRetention: true,
  ExpectedBucketOwner: '444455556666',
  ExpectedSourceBucketOwner: '777788889999',
  MetadataDirective: 'REPLACE',
  TaggingDirective: 'REPLACE',
  ObjectOwnership: 'BucketOwnerPreferred',
  ObjectLockEnabledForBucket: true,
  Prefix: 'home/',
  Delimiter: '/',
  MaxKeys: 10,
  VersionId: 'v1',
  CreateBucketConfiguration: { LocationConstraint: 'eu-west-1', Tags: [{ Key: 'team', Value: 'blue' }] },
};

/** Commands whose `Tagging` is the `x-amz-tagging` header string rather than a document. */
const TAGGING_HEADER = new Set(['PutObject', 'CreateMultipartUpload', 'CopyObject']);

/**
 * A command instance for operation `name` (`GetObject` -> `new GetObjectCommand(...)`).
 *
 * @example
 * s3Command('ListObjectsV2', { Prefix: 'p/' });
 */
export function s3Command(name: string, extra: Record<string, unknown> = {}, maximal = false): unknown {
  const Command = (S3 as unknown as Record<string, new (input: unknown) => unknown>)[`${name}Command`];
  if (Command === undefined) throw new Error(`no SDK command for ${name}`);
  const input: Record<string, unknown> = { ...BASE, ...(maximal ? MAXIMAL : {}), ...extra };
  if (TAGGING_HEADER.has(name)) input['Tagging'] = maximal ? 'team=blue&tier=gold' : undefined;
  if (name === 'CopyObject' && maximal) input['CopySource'] = 'src-bucket/dir/s%201?versionId=sv1';
  return new Command(input);
}
