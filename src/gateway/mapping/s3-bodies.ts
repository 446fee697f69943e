/**
 * The S3 request documents the mapping reads to authorize a request: the object list of
 * `DeleteObjects`, the tag set of `PutBucketTagging`/`PutObjectTagging`, and the
 * `CreateBucketConfiguration` of `CreateBucket`. Shapes follow the S3 API reference; anything
 * else is `MalformedXML`, as S3 answers.
 */
import { AwsError } from '../../errors.js';
import { childrenNamed, malformedXml, optionalChild, optionalLeaf, parseXml } from './s3-xml.js';
import type { XmlElement } from './s3-xml.js';

/** S3's limit on the keys of one `DeleteObjects` request. */
export const MAX_DELETE_OBJECTS = 1000;

export interface DeleteObjectEntry {
  key: string;
  versionId?: string;
}

export interface Tag {
  key: string;
  value: string;
}

export interface CreateBucketConfiguration {
  locationConstraint?: string;
  tags: Tag[];
}

function root(body: Buffer | undefined, name: string): XmlElement {
  if (body === undefined || body.length === 0) throw malformedXml();
  const element = parseXml(body);
  if (element.name !== name) throw malformedXml();
  return element;
}

/**
 * The objects a `DeleteObjects` body names (1 to 1000 of them).
 *
 * @example
 * readDeleteObjects(Buffer.from('<Delete><Object><Key>a</Key></Object></Delete>')); // [{ key: 'a' }]
 */
export function readDeleteObjects(body: Buffer | undefined): DeleteObjectEntry[] {
  const objects = childrenNamed(root(body, 'Delete'), 'Object');
  if (objects.length === 0 || objects.length > MAX_DELETE_OBJECTS) throw malformedXml();
  return objects.map((object) => {
    const key = optionalLeaf(object, 'Key');
    if (key === undefined) throw malformedXml();
    const versionId = optionalLeaf(object, 'VersionId');
    return versionId === undefined ? { key } : { key, versionId };
  });
}

/**
 * The tag set of a `Tagging` document; a key given twice is `InvalidTag`, as S3 answers.
 *
 * @example
 * readTagging(Buffer.from('<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>'));
 * // [{ key: 'k', value: 'v' }]
 */
export function readTagging(body: Buffer | undefined): Tag[] {
  const tagSet = optionalChild(root(body, 'Tagging'), 'TagSet');
  if (tagSet === undefined) throw malformedXml();
  return readTags(tagSet);
}

function readTags(parent: XmlElement): Tag[] {
  const tags: Tag[] = [];
  const seen = new Set<string>();
  for (const tag of childrenNamed(parent, 'Tag')) {
    const key = optionalLeaf(tag, 'Key');
    const value = optionalLeaf(tag, 'Value');
    if (key === undefined || value === undefined) throw malformedXml();
    if (seen.has(key)) throw duplicateTagKey();
    seen.add(key);
    tags.push({ key, value });
  }
  return tags;
}

/**
 * The optional `CreateBucketConfiguration` body (an empty body creates in us-east-1).
 *
 * @example
 * readCreateBucketConfiguration(undefined); // { tags: [] }
 */
export function readCreateBucketConfiguration(body: Buffer | undefined): CreateBucketConfiguration {
  if (body === undefined || body.length === 0) return { tags: [] };
  const config = root(body, 'CreateBucketConfiguration');
  const locationConstraint = optionalLeaf(config, 'LocationConstraint');
  const tagsElement = optionalChild(config, 'Tags');
  const tags = tagsElement === undefined ? [] : readTags(tagsElement);
  return locationConstraint === undefined ? { tags } : { locationConstraint, tags };
}

export interface Retention {
  mode?: string;
  retainUntilDate?: string;
}

/**
 * The `Retention` document of `PutObjectRetention`.
 *
 * @example
 * readRetention(Buffer.from('<Retention><Mode>GOVERNANCE</Mode></Retention>')); // { mode: 'GOVERNANCE' }
 */
export function readRetention(body: Buffer | undefined): Retention {
  const retention = root(body, 'Retention');
  const mode = optionalLeaf(retention, 'Mode');
  const retainUntilDate = optionalLeaf(retention, 'RetainUntilDate');
  return {
    ...(mode === undefined ? {} : { mode }),
    ...(retainUntilDate === undefined ? {} : { retainUntilDate }),
  };
}

/**
 * The status of `PutObjectLegalHold`'s `LegalHold` document (`ON`/`OFF`).
 *
 * @example
 * readLegalHold(Buffer.from('<LegalHold><Status>ON</Status></LegalHold>')); // 'ON'
 */
export function readLegalHold(body: Buffer | undefined): string | undefined {
  return optionalLeaf(root(body, 'LegalHold'), 'Status');
}

/**
 * The `x-amz-tagging` header of `PutObject`/`CreateMultipartUpload`/`CopyObject`: URL query
 * encoded `k1=v1&k2=v2`.
 *
 * @example
 * parseTaggingHeader('a=1&b=x%20y'); // [{ key: 'a', value: '1' }, { key: 'b', value: 'x y' }]
 */
export function parseTaggingHeader(header: string): Tag[] {
  const tags: Tag[] = [];
  const seen = new Set<string>();
  if (header === '') return tags;
  for (const pair of header.split('&')) {
    const eq = pair.indexOf('=');
    const key = decodeFormComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decodeFormComponent(pair.slice(eq + 1));
    if (seen.has(key)) throw duplicateTagKey();
    seen.add(key);
    tags.push({ key, value });
  }
  return tags;
}

function decodeFormComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw new AwsError('InvalidArgument', 'The header x-amz-tagging is not valid URL query encoding.', {
      status: 400,
    });
  }
}

function duplicateTagKey(): AwsError {
  return new AwsError('InvalidTag', 'Cannot provide multiple Tags with the same key', { status: 400 });
}
