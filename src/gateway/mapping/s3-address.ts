/**
 * Where an S3 request points: the bucket and key, from the path (path style,
 * `http://127.0.0.1:7300/bucket/key`) or from the Host (virtual-hosted style,
 * `http://bucket.localhost:7300/key`).
 *
 * What clients send when `AWS_ENDPOINT_URL` points at the gateway (recorded in process):
 * - JS SDK v3, IP endpoint (`http://127.0.0.1:PORT`): path style, always;
 * - JS SDK v3, host-name endpoint (`http://localhost:PORT`, `http://gateway.test:PORT`):
 *   `<bucket>.<endpoint host>` for buckets whose names are DNS labels without dots, unless
 *   `forcePathStyle`; buckets with dots stay path style;
 * - botocore 1.43 (AWS CLI, boto3): path style for any custom endpoint, virtual-hosted
 *   (`<bucket>.<endpoint host>`) only with `addressing_style = virtual`.
 *
 * The Host is virtual-hosted when it is `<bucket>.<h>` for one of the gateway's host names `h`
 * (`endpointHosts`, `localhost` by default), or when it has an `s3` / `s3-*` label after the
 * first one (`bucket.s3.localhost.localstack.cloud`, `bucket.s3.us-east-1.amazonaws.com`): the
 * bucket is everything before the last such label. Any other Host (an IP, the bare gateway name,
 * `s3.amazonaws.com`) is path style.
 */
import { AwsError } from '../../errors.js';

export type S3AddressingStyle = 'path' | 'virtual-hosted';

export interface S3Address {
  style: S3AddressingStyle;
  /** Absent for the service itself (`GET /` is ListBuckets). */
  bucket?: string;
  /** The object key, percent-decoded exactly as IAM sees it; absent for bucket requests. */
  key?: string;
  /**
   * The request's path in path style (still percent-encoded), for forwarding to a backend that is
   * addressed by IP: a virtual-hosted `/key` becomes `/<bucket>/key`.
   */
  pathStylePath: string;
}

/** S3's limit on the UTF-8 length of a key. */
export const MAX_KEY_BYTES = 1024;

/**
 * Resolves the bucket and key of a request.
 *
 * @example
 * resolveS3Address('127.0.0.1:7300', '/photos/2024/a%20b.jpg').key; // '2024/a b.jpg'
 * resolveS3Address('photos.localhost:7300', '/2024/a.jpg').bucket; // 'photos'
 */
export function resolveS3Address(
  host: string,
  path: string,
  endpointHosts: readonly string[] = ['localhost'],
): S3Address {
  const hostBucket = bucketFromHost(host, endpointHosts);
  if (hostBucket !== undefined) {
    checkBucketName(hostBucket);
    const rest = path.startsWith('/') ? path.slice(1) : path;
    const key = rest === '' ? undefined : decodeKey(rest);
    return withKey(
      { style: 'virtual-hosted', bucket: hostBucket, pathStylePath: `/${hostBucket}${path}` },
      key,
    );
  }
  const trimmed = path.startsWith('/') ? path.slice(1) : path;
  if (trimmed === '') return { style: 'path', pathStylePath: path === '' ? '/' : path };
  const slash = trimmed.indexOf('/');
  const bucket = decodeSegment(slash < 0 ? trimmed : trimmed.slice(0, slash));
  checkBucketName(bucket);
  const rest = slash < 0 ? '' : trimmed.slice(slash + 1);
  return withKey({ style: 'path', bucket, pathStylePath: path }, rest === '' ? undefined : decodeKey(rest));
}

function withKey(address: S3Address, key: string | undefined): S3Address {
  if (key === undefined) return address;
  checkNoDotSegments(key);
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new AwsError('KeyTooLongError', 'Your key is too long', { status: 400 });
  }
  return { ...address, key };
}

/**
 * The bucket a virtual-hosted Host names, or `undefined` for path style.
 *
 * @example
 * bucketFromHost('my-bucket.s3.us-east-1.amazonaws.com', []); // 'my-bucket'
 * bucketFromHost('127.0.0.1:7300', ['localhost']); // undefined
 */
export function bucketFromHost(host: string, endpointHosts: readonly string[]): string | undefined {
  const name = hostName(host);
  if (name === '' || isIpLiteral(name)) return undefined;
  for (const configured of endpointHosts) {
    const endpoint = configured.toLowerCase().replace(/\.$/, '');
    if (name === endpoint) return undefined;
    if (name.endsWith(`.${endpoint}`)) return name.slice(0, -endpoint.length - 1);
  }
  const labels = name.split('.');
  for (let i = labels.length - 2; i >= 1; i--) {
    const label = labels[i] as string;
    if (label === 's3' || label.startsWith('s3-')) return labels.slice(0, i).join('.');
  }
  return undefined;
}

/** The Host without its port, lower-cased, without a trailing dot. */
function hostName(host: string): string {
  let name = host.trim().toLowerCase();
  if (name.startsWith('[')) return name.slice(0, name.indexOf(']') + 1);
  const colon = name.lastIndexOf(':');
  if (colon >= 0) name = name.slice(0, colon);
  return name.replace(/\.$/, '');
}

function isIpLiteral(name: string): boolean {
  return name.startsWith('[') || /^\d{1,3}(?:\.\d{1,3}){3}$/.test(name);
}

/** `InvalidBucketName` (400), S3's answer to a bucket name it would never accept. */
export function invalidBucketName(): AwsError {
  return new AwsError('InvalidBucketName', 'The specified bucket is not valid.', { status: 400 });
}

/**
 * Accepts every name S3 ever allowed, including the legacy us-east-1 names (upper case and `_`,
 * up to 255 characters); `CreateBucket` applies today's rules with `checkNewBucketName`.
 */
export function checkBucketName(name: string): void {
  // `.` and `..` are path segments, never buckets: a backend that resolves them would leave the bucket.
  if (!/^[A-Za-z0-9._-]{1,255}$/.test(name) || name === '.' || name === '..') throw invalidBucketName();
}

/**
 * Refuses a key with a `.` or `..` segment (decoded, so `%2E%2E` and `..%2F` count). S3 would take
 * them literally, but a backend that resolves dot segments (RFC 3986 §5.2.4) in the forwarded path
 * would act on another object than the one the policy decision covered.
 *
 * @example
 * checkNoDotSegments('public/a..b'); // passes
 * checkNoDotSegments('public/../secret'); // throws InvalidURI
 */
export function checkNoDotSegments(key: string): void {
  for (const segment of key.split('/')) {
    if (segment === '.' || segment === '..') throw invalidUri();
  }
}

/**
 * Today's naming rules for a new bucket: 3-63 characters of lower-case letters, digits, `.` and
 * `-`, starting and ending with a letter or digit, no `..`, not an IPv4 address, none of the
 * reserved prefixes and suffixes.
 *
 * @example
 * checkNewBucketName('my-bucket'); // passes
 * checkNewBucketName('My_Bucket'); // throws InvalidBucketName
 */
export function checkNewBucketName(name: string): void {
  if (
    !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) ||
    name.includes('..') ||
    /^\d{1,3}(?:\.\d{1,3}){3}$/.test(name) ||
    /^(?:xn--|sthree-|amzn-s3-demo-)/.test(name) ||
    /(?:-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)
  ) {
    throw invalidBucketName();
  }
}

function invalidUri(): AwsError {
  return new AwsError('InvalidURI', "Couldn't parse the specified URI.", { status: 400 });
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalidUri();
  }
}

/** Keys are the rest of the path, decoded once; `%2F` and `/` are the same character to S3. */
function decodeKey(rest: string): string {
  return decodeSegment(rest);
}
