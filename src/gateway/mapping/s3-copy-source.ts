/** `x-amz-copy-source`: its parsing, and the read of the source that `CopyObject` and `UploadPartCopy` check. */
import { AwsError } from '../../errors.js';
import { checkBucketName, checkNoDotSegments } from './s3-address.js';
import type { S3Context } from './s3-conditions.js';
import type { CheckBuilder } from './s3-check-builder.js';

/** The source of `x-amz-copy-source`: `bucket/key[?versionId=v]`, URL-encoded, `/` optional. */
export interface CopySource {
  bucket: string;
  key: string;
  versionId?: string;
}

function invalidCopySource(): AwsError {
  return new AwsError(
    'InvalidArgument',
    'Copy Source must mention the source bucket and key: sourcebucket/sourcekey',
    { status: 400 },
  );
}

/**
 * @example
 * parseCopySource('src/a%20b?versionId=3'); // { bucket: 'src', key: 'a b', versionId: '3' }
 */
export function parseCopySource(header: string): CopySource {
  const question = header.indexOf('?');
  const encodedPath = question < 0 ? header : header.slice(0, question);
  let path: string;
  try {
    path = decodeURIComponent(encodedPath);
  } catch {
    throw invalidCopySource();
  }
  if (path.startsWith('/')) path = path.slice(1);
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) throw invalidCopySource();
  const bucket = path.slice(0, slash);
  checkBucketName(bucket);
  const source: CopySource = { bucket, key: path.slice(slash + 1) };
  checkNoDotSegments(source.key);
  if (question >= 0) {
    const params = new URLSearchParams(header.slice(question + 1));
    const versionId = params.get('versionId');
    if (versionId === '' || [...params.keys()].some((k) => k !== 'versionId')) throw invalidCopySource();
    if (versionId !== null) source.versionId = versionId;
  }
  return source;
}

/** The read of the copy source: `s3:GetObject`, or `s3:GetObjectVersion` for a version. */
export function addCopySourceCheck(b: CheckBuilder): CopySource {
  const header = b.values.header('x-amz-copy-source') as string;
  const source = parseCopySource(header);
  const owner = b.values.header('x-amz-source-expected-bucket-owner') ?? b.request.accountId;
  const arn = b.objectArn(source.bucket, source.key);
  if (source.versionId !== undefined) {
    b.add('s3:GetObjectVersion', arn, { 's3:versionid': source.versionId }, owner);
  } else {
    b.add('s3:GetObject', arn, {}, owner);
  }
  return source;
}

export function copySourceKey(source: CopySource): S3Context {
  return { 's3:x-amz-copy-source': `${source.bucket}/${source.key}` };
}
