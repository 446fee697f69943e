/**
 * The S3 condition keys a request carries, read from its signature, headers and query.
 *
 * Header-borne keys are read from the header or, for presigned URLs (which hoist `x-amz-*`
 * headers into the query), from the query parameter of the same name. A request that gives both
 * with different values is refused: the gateway must authorize the value the backend will act on.
 *
 * Not provided: `s3:TlsVersion` (the gateway speaks plain HTTP on loopback, so the key is absent,
 * as AWS leaves it on a non-TLS request), `s3:ExistingObjectTag/<key>` and `aws:ResourceTag/*`
 * (they need the backend's object and bucket tags), `s3:object-lock-remaining-retention-days`.
 */
import { AwsError } from '../../errors.js';
import type { ContextInput } from '../../policy/index.js';
import type { GatewayRequest } from '../types.js';
import type { Tag } from './s3-bodies.js';

export type S3Context = Record<string, ContextInput>;

/**
 * Headers whose values are single tokens (canned ACLs, encryption and storage class names...). A
 * comma in one means the header was sent more than once and joined: refused, because the backend
 * may act on either value.
 */
const SINGLE_TOKEN_HEADERS = new Set([
  'x-amz-acl',
  'x-amz-server-side-encryption',
  'x-amz-server-side-encryption-aws-kms-key-id',
  'x-amz-server-side-encryption-customer-algorithm',
  'x-amz-storage-class',
  'x-amz-metadata-directive',
  'x-amz-tagging-directive',
  'x-amz-object-lock-mode',
  'x-amz-object-lock-legal-hold',
  'x-amz-object-ownership',
  'x-amz-bypass-governance-retention',
  'x-amz-bucket-object-lock-enabled',
  'x-amz-expected-bucket-owner',
  'x-amz-source-expected-bucket-owner',
  'x-amz-content-sha256',
]);

/** Reads header-borne values of one request (header first, presigned query second). */
export class S3RequestValues {
  private readonly queryByLowerName = new Map<string, string>();

  constructor(
    private readonly request: Pick<GatewayRequest, 'headers'>,
    readonly query: ReadonlyMap<string, string>,
  ) {
    for (const [name, value] of query) {
      const lower = name.toLowerCase();
      if (this.queryByLowerName.has(lower)) {
        throw new AwsError('InvalidArgument', `The query parameter ${name} was given more than once`, {
          status: 400,
        });
      }
      this.queryByLowerName.set(lower, value);
    }
  }

  /** `name` is lower-case. */
  header(name: string): string | undefined {
    const fromHeader = this.request.headers[name];
    const fromQuery = name.startsWith('x-amz-') ? this.queryByLowerName.get(name) : undefined;
    if (fromHeader !== undefined && fromQuery !== undefined && fromHeader !== fromQuery) {
      throw new AwsError(
        'InvalidArgument',
        `Conflicting values for ${name} in the headers and the query string`,
        {
          status: 400,
        },
      );
    }
    const value = fromHeader ?? fromQuery;
    if (value !== undefined && SINGLE_TOKEN_HEADERS.has(name) && value.includes(',')) {
      throw new AwsError('InvalidArgument', `The header ${name} was given more than once`, { status: 400 });
    }
    return value;
  }

  /** A query parameter matched without case (the SigV4 presign parameters, `X-Amz-Date`...). */
  queryParameter(name: string): string | undefined {
    return this.queryByLowerName.get(name.toLowerCase());
  }

  get presigned(): boolean {
    return this.queryParameter('x-amz-signature') !== undefined;
  }
}

/** `[header, condition key]` pairs, grouped by what they describe. */
export const ACL_HEADER_KEYS: readonly (readonly [string, string])[] = [
  ['x-amz-acl', 's3:x-amz-acl'],
  ['x-amz-grant-full-control', 's3:x-amz-grant-full-control'],
  ['x-amz-grant-read', 's3:x-amz-grant-read'],
  ['x-amz-grant-read-acp', 's3:x-amz-grant-read-acp'],
  ['x-amz-grant-write', 's3:x-amz-grant-write'],
  ['x-amz-grant-write-acp', 's3:x-amz-grant-write-acp'],
];

export const OBJECT_WRITE_HEADER_KEYS: readonly (readonly [string, string])[] = [
  ['x-amz-server-side-encryption', 's3:x-amz-server-side-encryption'],
  ['x-amz-server-side-encryption-customer-algorithm', 's3:x-amz-server-side-encryption-customer-algorithm'],
  ['x-amz-storage-class', 's3:x-amz-storage-class'],
  ['x-amz-website-redirect-location', 's3:x-amz-website-redirect-location'],
  ['x-amz-object-lock-mode', 's3:object-lock-mode'],
  ['x-amz-object-lock-retain-until-date', 's3:object-lock-retain-until-date'],
  ['x-amz-object-lock-legal-hold', 's3:object-lock-legal-hold'],
];

export const CONDITIONAL_WRITE_HEADER_KEYS: readonly (readonly [string, string])[] = [
  ['if-match', 's3:if-match'],
  ['if-none-match', 's3:if-none-match'],
];

/** Copies the present headers of `pairs` into `context`. */
export function addHeaderKeys(
  context: S3Context,
  values: S3RequestValues,
  pairs: readonly (readonly [string, string])[],
): void {
  for (const [header, key] of pairs) {
    const value = values.header(header);
    if (value !== undefined) context[key] = value;
  }
}

/** Whether any ACL header (canned or grant) is present. */
export function hasAclHeaders(values: S3RequestValues): boolean {
  return ACL_HEADER_KEYS.some(([header]) => values.header(header) !== undefined);
}

/**
 * `s3:x-amz-server-side-encryption-aws-kms-key-id` is an ARN key: S3 compares the key's ARN, so a
 * key id or alias given alone is completed with the request's partition, region and account.
 *
 * @example
 * kmsKeyArn('1234abcd-12ab-34cd-56ef-1234567890ab', 'aws', 'us-east-1', '111122223333');
 * // 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'
 */
export function kmsKeyArn(value: string, partition: string, region: string, accountId: string): string {
  if (value.startsWith('arn:')) return value;
  const resource = value.startsWith('alias/') ? value : `key/${value}`;
  return `arn:${partition}:kms:${region}:${accountId}:${resource}`;
}

/** `s3:RequestObjectTag/<k>` for each tag and `s3:RequestObjectTagKeys`. */
export function addRequestObjectTags(context: S3Context, tags: readonly Tag[]): void {
  for (const tag of tags) context[`s3:RequestObjectTag/${tag.key}`] = tag.value;
  context['s3:RequestObjectTagKeys'] = tags.map((t) => t.key);
}

/** `aws:RequestTag/<k>` for each tag and `aws:TagKeys`. */
export function addRequestTags(context: S3Context, tags: readonly Tag[]): void {
  for (const tag of tags) context[`aws:RequestTag/${tag.key}`] = tag.value;
  context['aws:TagKeys'] = tags.map((t) => t.key);
}

/**
 * The signature keys every S3 action supports: `s3:signatureversion`, `s3:authType`,
 * `s3:signatureAge` (presigned URLs only: milliseconds since `X-Amz-Date`) and
 * `s3:x-amz-content-sha256`.
 */
export function signatureKeys(request: GatewayRequest, values: S3RequestValues, nowMs: number): S3Context {
  const context: S3Context = {};
  if (values.presigned) {
    context['s3:authType'] = 'REST-QUERY-STRING';
    const algorithm = values.queryParameter('x-amz-algorithm');
    if (algorithm !== undefined) context['s3:signatureversion'] = algorithm;
    const signedAt = parseAmzDate(values.queryParameter('x-amz-date'));
    if (signedAt !== undefined) context['s3:signatureAge'] = Math.max(0, nowMs - signedAt);
  } else {
    const authorization = request.headers['authorization'];
    if (authorization !== undefined) {
      context['s3:authType'] = 'REST-HEADER';
      const algorithm = authorization.trim().split(/\s+/, 1)[0];
      if (algorithm) context['s3:signatureversion'] = algorithm.startsWith('AWS4-') ? algorithm : 'AWS';
    }
  }
  const sha = values.header('x-amz-content-sha256');
  if (sha !== undefined) context['s3:x-amz-content-sha256'] = sha;
  return context;
}

/** `20261129T091319Z` -> epoch milliseconds. */
function parseAmzDate(text: string | undefined): number | undefined {
  const m = text === undefined ? null : /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** `s3:max-keys` must be a non-negative integer, as S3 checks before anything else. */
export function maxKeysValue(text: string): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) > 2147483647) {
    throw new AwsError('InvalidArgument', 'Provided max-keys not an integer or within integer range', {
      status: 400,
    });
  }
  return Number(text);
}
