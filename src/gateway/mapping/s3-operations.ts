/**
 * Which S3 operation a request is, from its method, its bucket/key and its query: the data table
 * of sub-resources (`?tagging`, `?lifecycle`, ...) and the rules for the plain bucket and object
 * operations (`x-amz-copy-source` makes a PUT a copy, `uploadId` makes it a part, ...).
 *
 * The query names S3 knows are split in two: sub-resources select an operation, parameters only
 * qualify it. A name that is neither (and not an `x-amz-*` signing parameter or hoisted header of
 * a presigned URL) is not understood, so the request is unmapped rather than guessed: the backend
 * might read it as an operation we never authorized.
 */
import { AwsError } from '../../errors.js';

export type S3Scope = 'service' | 'bucket' | 'object';

export interface S3OperationSpec {
  /** The API operation (the SDK command without `Command`), CloudTrail's `eventName`. */
  operation: string;
  method: string;
  scope: S3Scope;
  /** The query name that selects it (`tagging`); absent for the plain operations. */
  subresource?: string;
  /** For the `analytics`/`inventory`/`metrics`/`intelligent-tiering` GETs: `id` given or not. */
  withId?: boolean;
  /** The IAM action; absent for operations S3 has that credplane does not map. */
  action?: string;
  /** The action when the request names an object version (`versionId`). */
  versionAction?: string;
  /** The mapping reads the (small, XML) body. */
  needsBody?: boolean;
}

type Row = [
  subresource: string,
  scope: 'bucket' | 'object',
  method: string,
  operation: string,
  action?: string,
  versionAction?: string,
];

/** Sub-resource x method -> operation and action (AWS's "Actions, resources, and condition keys"). */
const SUBRESOURCE_ROWS: readonly Row[] = [
  ['acl', 'bucket', 'GET', 'GetBucketAcl', 's3:GetBucketAcl'],
  ['acl', 'bucket', 'PUT', 'PutBucketAcl', 's3:PutBucketAcl'],
  ['acl', 'object', 'GET', 'GetObjectAcl', 's3:GetObjectAcl', 's3:GetObjectVersionAcl'],
  ['acl', 'object', 'PUT', 'PutObjectAcl', 's3:PutObjectAcl', 's3:PutObjectVersionAcl'],
  ['tagging', 'bucket', 'GET', 'GetBucketTagging', 's3:GetBucketTagging'],
  ['tagging', 'bucket', 'PUT', 'PutBucketTagging', 's3:PutBucketTagging'],
  ['tagging', 'bucket', 'DELETE', 'DeleteBucketTagging', 's3:PutBucketTagging'],
  ['tagging', 'object', 'GET', 'GetObjectTagging', 's3:GetObjectTagging', 's3:GetObjectVersionTagging'],
  ['tagging', 'object', 'PUT', 'PutObjectTagging', 's3:PutObjectTagging', 's3:PutObjectVersionTagging'],
  [
    'tagging',
    'object',
    'DELETE',
    'DeleteObjectTagging',
    's3:DeleteObjectTagging',
    's3:DeleteObjectVersionTagging',
  ],
  ['policy', 'bucket', 'GET', 'GetBucketPolicy', 's3:GetBucketPolicy'],
  ['policy', 'bucket', 'PUT', 'PutBucketPolicy', 's3:PutBucketPolicy'],
  ['policy', 'bucket', 'DELETE', 'DeleteBucketPolicy', 's3:DeleteBucketPolicy'],
  ['policyStatus', 'bucket', 'GET', 'GetBucketPolicyStatus', 's3:GetBucketPolicyStatus'],
  ['cors', 'bucket', 'GET', 'GetBucketCors', 's3:GetBucketCORS'],
  ['cors', 'bucket', 'PUT', 'PutBucketCors', 's3:PutBucketCORS'],
  ['cors', 'bucket', 'DELETE', 'DeleteBucketCors', 's3:PutBucketCORS'],
  ['lifecycle', 'bucket', 'GET', 'GetBucketLifecycleConfiguration', 's3:GetLifecycleConfiguration'],
  ['lifecycle', 'bucket', 'PUT', 'PutBucketLifecycleConfiguration', 's3:PutLifecycleConfiguration'],
  ['lifecycle', 'bucket', 'DELETE', 'DeleteBucketLifecycle', 's3:PutLifecycleConfiguration'],
  ['encryption', 'bucket', 'GET', 'GetBucketEncryption', 's3:GetEncryptionConfiguration'],
  ['encryption', 'bucket', 'PUT', 'PutBucketEncryption', 's3:PutEncryptionConfiguration'],
  ['encryption', 'bucket', 'DELETE', 'DeleteBucketEncryption', 's3:PutEncryptionConfiguration'],
  ['notification', 'bucket', 'GET', 'GetBucketNotificationConfiguration', 's3:GetBucketNotification'],
  ['notification', 'bucket', 'PUT', 'PutBucketNotificationConfiguration', 's3:PutBucketNotification'],
  ['ownershipControls', 'bucket', 'GET', 'GetBucketOwnershipControls', 's3:GetBucketOwnershipControls'],
  ['ownershipControls', 'bucket', 'PUT', 'PutBucketOwnershipControls', 's3:PutBucketOwnershipControls'],
  ['ownershipControls', 'bucket', 'DELETE', 'DeleteBucketOwnershipControls', 's3:PutBucketOwnershipControls'],
  ['publicAccessBlock', 'bucket', 'GET', 'GetPublicAccessBlock', 's3:GetBucketPublicAccessBlock'],
  ['publicAccessBlock', 'bucket', 'PUT', 'PutPublicAccessBlock', 's3:PutBucketPublicAccessBlock'],
  ['publicAccessBlock', 'bucket', 'DELETE', 'DeletePublicAccessBlock', 's3:PutBucketPublicAccessBlock'],
  ['website', 'bucket', 'GET', 'GetBucketWebsite', 's3:GetBucketWebsite'],
  ['website', 'bucket', 'PUT', 'PutBucketWebsite', 's3:PutBucketWebsite'],
  ['website', 'bucket', 'DELETE', 'DeleteBucketWebsite', 's3:DeleteBucketWebsite'],
  ['logging', 'bucket', 'GET', 'GetBucketLogging', 's3:GetBucketLogging'],
  ['logging', 'bucket', 'PUT', 'PutBucketLogging', 's3:PutBucketLogging'],
  ['replication', 'bucket', 'GET', 'GetBucketReplication', 's3:GetReplicationConfiguration'],
  ['replication', 'bucket', 'PUT', 'PutBucketReplication', 's3:PutReplicationConfiguration'],
  ['replication', 'bucket', 'DELETE', 'DeleteBucketReplication', 's3:PutReplicationConfiguration'],
  ['requestPayment', 'bucket', 'GET', 'GetBucketRequestPayment', 's3:GetBucketRequestPayment'],
  ['requestPayment', 'bucket', 'PUT', 'PutBucketRequestPayment', 's3:PutBucketRequestPayment'],
  ['accelerate', 'bucket', 'GET', 'GetBucketAccelerateConfiguration', 's3:GetAccelerateConfiguration'],
  ['accelerate', 'bucket', 'PUT', 'PutBucketAccelerateConfiguration', 's3:PutAccelerateConfiguration'],
  ['object-lock', 'bucket', 'GET', 'GetObjectLockConfiguration', 's3:GetBucketObjectLockConfiguration'],
  ['object-lock', 'bucket', 'PUT', 'PutObjectLockConfiguration', 's3:PutBucketObjectLockConfiguration'],
  ['versioning', 'bucket', 'GET', 'GetBucketVersioning', 's3:GetBucketVersioning'],
  ['versioning', 'bucket', 'PUT', 'PutBucketVersioning', 's3:PutBucketVersioning'],
  ['location', 'bucket', 'GET', 'GetBucketLocation', 's3:GetBucketLocation'],
  ['abac', 'bucket', 'GET', 'GetBucketAbac', 's3:GetBucketAbac'],
  ['abac', 'bucket', 'PUT', 'PutBucketAbac', 's3:PutBucketAbac'],
  ['versions', 'bucket', 'GET', 'ListObjectVersions', 's3:ListBucketVersions'],
  ['uploads', 'bucket', 'GET', 'ListMultipartUploads', 's3:ListBucketMultipartUploads'],
  ['uploads', 'object', 'POST', 'CreateMultipartUpload', 's3:PutObject'],
  ['delete', 'bucket', 'POST', 'DeleteObjects', 's3:DeleteObject', 's3:DeleteObjectVersion'],
  ['legal-hold', 'object', 'GET', 'GetObjectLegalHold', 's3:GetObjectLegalHold'],
  ['legal-hold', 'object', 'PUT', 'PutObjectLegalHold', 's3:PutObjectLegalHold'],
  ['retention', 'object', 'GET', 'GetObjectRetention', 's3:GetObjectRetention'],
  ['retention', 'object', 'PUT', 'PutObjectRetention', 's3:PutObjectRetention'],
  [
    'attributes',
    'object',
    'GET',
    'GetObjectAttributes',
    's3:GetObjectAttributes',
    's3:GetObjectVersionAttributes',
  ],
  ['torrent', 'object', 'GET', 'GetObjectTorrent', 's3:GetObjectTorrent', 's3:GetObjectVersionTorrent'],
  ['restore', 'object', 'POST', 'RestoreObject', 's3:RestoreObject'],
  ['select', 'object', 'POST', 'SelectObjectContent', 's3:GetObject'],
  // Known to S3, not mapped: they need other services' permissions (S3 Tables, S3 Express) or
  // features credplane does not model. The request is unmapped with its name.
  ['encryption', 'object', 'PUT', 'UpdateObjectEncryption'],
  ['session', 'bucket', 'GET', 'CreateSession'],
  ['metadataTable', 'bucket', 'POST', 'CreateBucketMetadataTableConfiguration'],
  ['metadataTable', 'bucket', 'GET', 'GetBucketMetadataTableConfiguration'],
  ['metadataTable', 'bucket', 'DELETE', 'DeleteBucketMetadataTableConfiguration'],
  ['metadataConfiguration', 'bucket', 'POST', 'CreateBucketMetadataConfiguration'],
  ['metadataConfiguration', 'bucket', 'GET', 'GetBucketMetadataConfiguration'],
  ['metadataConfiguration', 'bucket', 'DELETE', 'DeleteBucketMetadataConfiguration'],
  ['metadataInventoryTable', 'bucket', 'PUT', 'UpdateBucketMetadataInventoryTableConfiguration'],
  ['metadataJournalTable', 'bucket', 'PUT', 'UpdateBucketMetadataJournalTableConfiguration'],
  ['metadataAnnotationTable', 'bucket', 'PUT', 'UpdateBucketMetadataAnnotationTableConfiguration'],
  ['annotation', 'object', 'GET', 'GetObjectAnnotation'],
  ['annotation', 'object', 'PUT', 'PutObjectAnnotation'],
  ['annotation', 'object', 'DELETE', 'DeleteObjectAnnotation'],
  ['renameObject', 'object', 'PUT', 'RenameObject'],
];

/** The bucket configurations addressed by `id` whose GET lists them when no `id` is given. */
const ID_CONFIGURATIONS: readonly [subresource: string, name: string, get: string, put: string][] = [
  ['analytics', 'Analytics', 's3:GetAnalyticsConfiguration', 's3:PutAnalyticsConfiguration'],
  ['inventory', 'Inventory', 's3:GetInventoryConfiguration', 's3:PutInventoryConfiguration'],
  ['metrics', 'Metrics', 's3:GetMetricsConfiguration', 's3:PutMetricsConfiguration'],
  [
    'intelligent-tiering',
    'IntelligentTiering',
    's3:GetIntelligentTieringConfiguration',
    's3:PutIntelligentTieringConfiguration',
  ],
];

const BODY_OPERATIONS = new Set([
  'DeleteObjects',
  'PutBucketTagging',
  'PutObjectTagging',
  'CreateBucket',
  'PutObjectRetention',
  'PutObjectLegalHold',
]);

function specsFromRows(): S3OperationSpec[] {
  const specs: S3OperationSpec[] = SUBRESOURCE_ROWS.map(
    ([subresource, scope, method, operation, action, versionAction]) => ({
      operation,
      method,
      scope,
      subresource,
      ...(action === undefined ? {} : { action }),
      ...(versionAction === undefined ? {} : { versionAction }),
      ...(BODY_OPERATIONS.has(operation) ? { needsBody: true } : {}),
    }),
  );
  for (const [subresource, name, get, put] of ID_CONFIGURATIONS) {
    const base = { scope: 'bucket' as const, subresource };
    specs.push(
      { ...base, method: 'GET', withId: true, operation: `GetBucket${name}Configuration`, action: get },
      { ...base, method: 'GET', withId: false, operation: `ListBucket${name}Configurations`, action: get },
      { ...base, method: 'PUT', operation: `PutBucket${name}Configuration`, action: put },
      { ...base, method: 'DELETE', operation: `DeleteBucket${name}Configuration`, action: put },
    );
  }
  return specs;
}

/** Every operation selected by a sub-resource. */
export const SUBRESOURCE_OPERATIONS: readonly S3OperationSpec[] = specsFromRows();

/** The operations selected by method, address and headers alone (or by `uploadId`). */
export const PLAIN_OPERATIONS: readonly S3OperationSpec[] = [
  { operation: 'ListBuckets', method: 'GET', scope: 'service', action: 's3:ListAllMyBuckets' },
  { operation: 'ListObjects', method: 'GET', scope: 'bucket', action: 's3:ListBucket' },
  { operation: 'ListObjectsV2', method: 'GET', scope: 'bucket', action: 's3:ListBucket' },
  { operation: 'HeadBucket', method: 'HEAD', scope: 'bucket', action: 's3:ListBucket' },
  { operation: 'CreateBucket', method: 'PUT', scope: 'bucket', action: 's3:CreateBucket', needsBody: true },
  { operation: 'DeleteBucket', method: 'DELETE', scope: 'bucket', action: 's3:DeleteBucket' },
  { operation: 'PostObject', method: 'POST', scope: 'bucket' },
  {
    operation: 'GetObject',
    method: 'GET',
    scope: 'object',
    action: 's3:GetObject',
    versionAction: 's3:GetObjectVersion',
  },
  {
    operation: 'HeadObject',
    method: 'HEAD',
    scope: 'object',
    action: 's3:GetObject',
    versionAction: 's3:GetObjectVersion',
  },
  { operation: 'PutObject', method: 'PUT', scope: 'object', action: 's3:PutObject' },
  { operation: 'CopyObject', method: 'PUT', scope: 'object', action: 's3:PutObject' },
  {
    operation: 'DeleteObject',
    method: 'DELETE',
    scope: 'object',
    action: 's3:DeleteObject',
    versionAction: 's3:DeleteObjectVersion',
  },
  { operation: 'UploadPart', method: 'PUT', scope: 'object', action: 's3:PutObject' },
  { operation: 'UploadPartCopy', method: 'PUT', scope: 'object', action: 's3:PutObject' },
  { operation: 'CompleteMultipartUpload', method: 'POST', scope: 'object', action: 's3:PutObject' },
  { operation: 'AbortMultipartUpload', method: 'DELETE', scope: 'object', action: 's3:AbortMultipartUpload' },
  { operation: 'ListParts', method: 'GET', scope: 'object', action: 's3:ListMultipartUploadParts' },
];

/** Query names that qualify an operation without selecting one. */
const PARAMETERS = new Set([
  'x-id',
  'list-type',
  'prefix',
  'delimiter',
  'marker',
  'max-keys',
  'encoding-type',
  'continuation-token',
  'fetch-owner',
  'start-after',
  'key-marker',
  'version-id-marker',
  'upload-id-marker',
  'max-uploads',
  'max-parts',
  'part-number-marker',
  'versionId',
  'uploadId',
  'partNumber',
  'response-content-type',
  'response-content-language',
  'response-expires',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'id',
  'max-buckets',
  'bucket-region',
  'select-type',
]);

const SUBRESOURCES = new Set(SUBRESOURCE_OPERATIONS.map((s) => s.subresource as string));

const BY_SUBRESOURCE = new Map<string, S3OperationSpec[]>();
for (const spec of SUBRESOURCE_OPERATIONS) {
  const key = spec.subresource as string;
  BY_SUBRESOURCE.set(key, [...(BY_SUBRESOURCE.get(key) ?? []), spec]);
}
const PLAIN = new Map(PLAIN_OPERATIONS.map((s) => [s.operation, s]));

/**
 * Whether S3 defines the query name: a sub-resource, a parameter, or an `x-amz-*` header hoisted
 * into a presigned URL. The gateway forwards no other (`gateway/forwarded-request.ts`).
 */
export function isS3QueryName(name: string): boolean {
  return SUBRESOURCES.has(name) || PARAMETERS.has(name) || name.toLowerCase().startsWith('x-amz-');
}

/** What `classify` needs to know about a request. */
export interface S3RequestShape {
  method: string;
  scope: S3Scope;
  /** Query parameters by name (each name at most once). */
  query: ReadonlyMap<string, string>;
  /** Whether the request carries `x-amz-copy-source` (header or presigned query). */
  hasCopySource: boolean;
}

/** The operation, or `{ unknown }` when the request is not one credplane can name. */
export type S3Classification = { spec: S3OperationSpec } | { unknown: true; operation?: string };

/**
 * Names the operation of a request.
 *
 * @example
 * classifyS3Request({ method: 'GET', scope: 'bucket', query: new Map([['list-type', '2']]), hasCopySource: false });
 * // { spec: { operation: 'ListObjectsV2', action: 's3:ListBucket', ... } }
 */
export function classifyS3Request(shape: S3RequestShape): S3Classification {
  const method = shape.method.toUpperCase();
  const selectors: string[] = [];
  for (const name of shape.query.keys()) {
    if (SUBRESOURCES.has(name)) selectors.push(name);
    else if (!isS3QueryName(name)) return { unknown: true };
  }
  // `uploadId` and `list-type` select plain operations; beside a sub-resource they make the
  // request ambiguous (a backend may pick either), so they count as selectors there.
  if (selectors.length === 1) {
    for (const name of ['uploadId', 'list-type']) if (shape.query.has(name)) selectors.push(name);
  }
  if (selectors.length > 1) {
    throw new AwsError('InvalidArgument', `Conflicting query string parameters: ${selectors.join(', ')}`, {
      status: 400,
    });
  }
  const selector = selectors[0];
  if (selector !== undefined) return bySubresource(selector, method, shape);
  return plain(method, shape);
}

function bySubresource(selector: string, method: string, shape: S3RequestShape): S3Classification {
  const hasId = shape.query.has('id');
  const spec = (BY_SUBRESOURCE.get(selector) ?? []).find(
    (s) => s.method === method && s.scope === shape.scope && (s.withId === undefined || s.withId === hasId),
  );
  if (spec === undefined) return { unknown: true };
  if (spec.operation === 'GetObjectAnnotation' && shape.query.get('x-id') === 'ListObjectAnnotations') {
    return { unknown: true, operation: 'ListObjectAnnotations' };
  }
  return { spec };
}

function plain(method: string, shape: S3RequestShape): S3Classification {
  const named = (operation: string): S3Classification => ({ spec: PLAIN.get(operation) as S3OperationSpec });
  if (shape.scope === 'service') return method === 'GET' ? named('ListBuckets') : { unknown: true };
  if (shape.scope === 'bucket') {
    switch (method) {
      case 'GET': {
        const listType = shape.query.get('list-type');
        if (listType === undefined) return named('ListObjects');
        if (listType === '2') return named('ListObjectsV2');
        throw new AwsError('InvalidArgument', 'Invalid List Type specified', { status: 400 });
      }
      case 'HEAD':
        return named('HeadBucket');
      case 'PUT':
        return named('CreateBucket');
      case 'DELETE':
        return named('DeleteBucket');
      case 'POST':
        return named('PostObject');
      default:
        return { unknown: true };
    }
  }
  // A part upload names both its upload and its part; with one alone a backend may take the PUT
  // for a whole-object PutObject (moto does), which needs checks an UploadPart does not make.
  if (method === 'PUT' && shape.query.has('uploadId') !== shape.query.has('partNumber')) {
    throw new AwsError(
      'InvalidArgument',
      'A part upload must give both uploadId and partNumber; a PutObject neither.',
      { status: 400 },
    );
  }
  if (shape.query.has('uploadId')) {
    switch (method) {
      case 'GET':
        return named('ListParts');
      case 'PUT':
        return named(shape.hasCopySource ? 'UploadPartCopy' : 'UploadPart');
      case 'POST':
        return named('CompleteMultipartUpload');
      case 'DELETE':
        return named('AbortMultipartUpload');
      default:
        return { unknown: true };
    }
  }
  switch (method) {
    case 'GET':
      return named('GetObject');
    case 'HEAD':
      return named('HeadObject');
    case 'PUT':
      return named(shape.hasCopySource ? 'CopyObject' : 'PutObject');
    case 'DELETE':
      return named('DeleteObject');
    default:
      return { unknown: true };
  }
}
