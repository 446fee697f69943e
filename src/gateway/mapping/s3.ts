/**
 * Amazon S3 (REST-XML) request -> IAM checks.
 *
 * The operation comes from the method, the bucket and key (path style or virtual-hosted, see
 * `s3-address.ts`), the query's sub-resource and a few headers (`s3-operations.ts`); the
 * resource is `arn:<partition>:s3:::<bucket>` or `arn:<partition>:s3:::<bucket>/<key>` with the
 * key decoded exactly as IAM sees it; the condition keys are read from the signature, headers,
 * query and, for the small XML documents listed in `s3-operations.ts`, the body (`s3-conditions.ts`, `s3-bodies.ts`).
 *
 * Requests that need more than one decision get one check each, as S3 authorizes them:
 * `CopyObject`/`UploadPartCopy` (read the source, write the destination), `DeleteObjects` (one
 * delete per key), `PutObject` with ACL or tagging headers (`s3:PutObjectAcl`,
 * `s3:PutObjectTagging`), `CreateBucket` with ACL, Object Lock or ownership headers,
 * `GetObjectAttributes`, and deletes that bypass governance retention.
 *
 * `PutBucketTagging` carries `aws:RequestTag/<k>` and `aws:TagKeys` from its body although AWS's
 * catalogue lists them only for `CreateBucket` (and S3 Control's `TagResource`): tag-governance
 * policies then cover both ways of tagging a bucket.
 *
 * `s3:ResourceAccount` is the bucket owner the request expects (`x-amz-expected-bucket-owner`),
 * else the caller's account: the gateway cannot ask the backend who owns a bucket.
 */
import { AwsError } from '../../errors.js';
import type { JsonValue } from '../../iam/types.js';
import type {
  AuthorizationCheck,
  GatewayRequest,
  MappedRequest,
  PerItemRequest,
  ServiceMapper,
  TrailResource,
  UnmappedRequest,
} from '../types.js';
import { checkBucketName, checkNewBucketName, checkNoDotSegments, resolveS3Address } from './s3-address.js';
import type { S3Address } from './s3-address.js';
import {
  parseTaggingHeader,
  readCreateBucketConfiguration,
  readDeleteObjects,
  readLegalHold,
  readRetention,
  readTagging,
} from './s3-bodies.js';
import type { Tag } from './s3-bodies.js';
import { deleteObjectsPerItem } from './s3-delete-objects.js';
import {
  ACL_HEADER_KEYS,
  CONDITIONAL_WRITE_HEADER_KEYS,
  OBJECT_WRITE_HEADER_KEYS,
  S3RequestValues,
  addHeaderKeys,
  addRequestObjectTags,
  addRequestTags,
  hasAclHeaders,
  kmsKeyArn,
  maxKeysValue,
  signatureKeys,
} from './s3-conditions.js';
import type { S3Context } from './s3-conditions.js';
import { classifyS3Request, isS3QueryName } from './s3-operations.js';
import type { S3OperationSpec, S3Scope } from './s3-operations.js';

export interface S3MapperOptions {
  /**
   * Host names (without port) the gateway is reached by: a Host `<bucket>.<name>` is a
   * virtual-hosted request for `<bucket>`. Default `['localhost']`; `<bucket>.s3.<anything>` is
   * always recognised.
   */
  endpointHosts?: readonly string[];
  /** The clock for `s3:signatureAge` (epoch milliseconds); `Date.now` by default. */
  now?: () => number;
}

const SERVICE = 's3';
const EVENT_SOURCE = 's3.amazonaws.com';

/**
 * Actions whose catalogue entry lacks one of the signature keys every other S3 action has;
 * AWS leaves such a key out of the request context for them.
 */
const SIGNATURE_KEY_EXCEPTIONS: Readonly<Record<string, readonly string[]>> = {
  's3:GetBucketObjectLockConfiguration': ['s3:x-amz-content-sha256'],
  's3:PutBucketObjectLockConfiguration': ['s3:x-amz-content-sha256'],
};

/** Query names logged in `requestParameters`: everything but the signature and session token. */
const LOGGED_SIGNING_PARAMETERS = new Set([
  'x-amz-algorithm',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-signedheaders',
]);

/** Headers logged in `requestParameters` (never `x-amz-server-side-encryption-customer-key`). */
const LOGGED_HEADERS = [
  'x-amz-copy-source',
  'x-amz-metadata-directive',
  'x-amz-tagging-directive',
  'x-amz-acl',
  'x-amz-grant-full-control',
  'x-amz-grant-read',
  'x-amz-grant-read-acp',
  'x-amz-grant-write',
  'x-amz-grant-write-acp',
  'x-amz-server-side-encryption',
  'x-amz-server-side-encryption-aws-kms-key-id',
  'x-amz-storage-class',
  'x-amz-object-lock-mode',
  'x-amz-object-lock-retain-until-date',
  'x-amz-object-lock-legal-hold',
  'x-amz-bypass-governance-retention',
  'x-amz-expected-bucket-owner',
];

/**
 * The S3 mapper for the gateway.
 *
 * @example
 * const mapper = createS3Mapper({ endpointHosts: ['localhost', 'gateway.internal'] });
 * mapper.map(request); // { operation: 'GetObject', checks: [{ action: 's3:GetObject', ... }], ... }
 */
export function createS3Mapper(options: S3MapperOptions = {}): ServiceMapper {
  const endpointHosts = options.endpointHosts ?? ['localhost'];
  const now = options.now ?? Date.now;
  return {
    service: SERVICE,
    signingName: 's3',
    protocol: 'rest-xml',
    needsBody(request) {
      try {
        const classified = classify(request, endpointHosts);
        return (
          'spec' in classified && classified.spec.needsBody === true && classified.spec.action !== undefined
        );
      } catch {
        // `map` throws the same error for the request; the body is not needed to do that.
        return false;
      }
    },
    map(request) {
      return mapRequest(request, endpointHosts, now());
    },
    acceptsQueryParameter: isS3QueryName,
    backendPath(request) {
      return resolveS3Address(request.host, request.path, endpointHosts).pathStylePath;
    },
  };
}

/** The gateway's S3 mapper with the default options. */
export const s3Mapper: ServiceMapper = createS3Mapper();

interface Classified {
  spec: S3OperationSpec;
  address: S3Address;
  scope: S3Scope;
  values: S3RequestValues;
}

/**
 * The last classification per request, so that `needsBody` and `map` (which the gateway calls on
 * copies of one request: the same `headers` object) classify once. Keyed weakly by the headers;
 * the method, host, path and query are compared too, so a different request never hits.
 */
const classified = new WeakMap<
  object,
  {
    method: string;
    host: string;
    path: string;
    query: readonly [string, string][];
    endpointHosts: readonly string[];
    result: Classified | { unknown: true; operation?: string };
  }
>();

function classify(
  request: Omit<GatewayRequest, 'body'>,
  endpointHosts: readonly string[],
): Classified | { unknown: true; operation?: string } {
  const known = classified.get(request.headers);
  if (
    known !== undefined &&
    known.method === request.method &&
    known.host === request.host &&
    known.path === request.path &&
    known.query === request.query &&
    known.endpointHosts === endpointHosts
  ) {
    return known.result;
  }
  const result = classifyOnce(request, endpointHosts);
  classified.set(request.headers, {
    method: request.method,
    host: request.host,
    path: request.path,
    query: request.query,
    endpointHosts,
    result,
  });
  return result;
}

function classifyOnce(
  request: Omit<GatewayRequest, 'body'>,
  endpointHosts: readonly string[],
): Classified | { unknown: true; operation?: string } {
  const query = queryMap(request.query);
  const values = new S3RequestValues(request, query);
  const address = resolveS3Address(request.host, request.path, endpointHosts);
  const scope: S3Scope =
    address.key !== undefined ? 'object' : address.bucket !== undefined ? 'bucket' : 'service';
  const result = classifyS3Request({
    method: request.method,
    scope,
    query,
    hasCopySource: values.header('x-amz-copy-source') !== undefined,
  });
  if ('unknown' in result) return result;
  return { spec: result.spec, address, scope, values };
}

/** Each query name at most once: a repeated name could be read differently by the backend. */
function queryMap(pairs: readonly [string, string][]): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of pairs) {
    if (map.has(name)) {
      throw new AwsError('InvalidArgument', `The query parameter ${name} was given more than once`, {
        status: 400,
      });
    }
    map.set(name, value);
  }
  return map;
}

function unmapped(operation?: string): UnmappedRequest {
  return {
    unmapped: true,
    service: SERVICE,
    eventSource: EVENT_SOURCE,
    ...(operation === undefined ? {} : { operation }),
  };
}

function mapRequest(
  request: GatewayRequest,
  endpointHosts: readonly string[],
  nowMs: number,
): MappedRequest | UnmappedRequest {
  const classified = classify(request, endpointHosts);
  if ('unknown' in classified) return unmapped(classified.operation);
  const { spec, address, values } = classified;
  if (spec.action === undefined) return unmapped(spec.operation);
  const builder = new CheckBuilder(request, address, values, nowMs);
  const build = OPERATION_BUILDERS[spec.operation] ?? defaultChecks;
  const extraParameters = build(builder, spec);
  return {
    service: SERVICE,
    eventSource: EVENT_SOURCE,
    operation: spec.operation,
    checks: builder.checks,
    requestParameters: requestParameters(request, address, values, extraParameters),
    resources: builder.trailResources(),
    ...(builder.perItem === undefined ? {} : { perItem: builder.perItem }),
  };
}

/** Builds the checks of one request and remembers the resources for the log. */
class CheckBuilder {
  readonly checks: AuthorizationCheck[] = [];
  /** Set by operations S3 decides item by item (`DeleteObjects`). */
  perItem?: PerItemRequest;
  private readonly resources = new Map<string, TrailResource>();
  private readonly signature: S3Context;
  readonly ownerAccount: string;

  constructor(
    readonly request: GatewayRequest,
    readonly address: S3Address,
    readonly values: S3RequestValues,
    nowMs: number,
  ) {
    this.signature = signatureKeys(request, values, nowMs);
    this.ownerAccount = values.header('x-amz-expected-bucket-owner') ?? request.accountId;
  }

  get bucket(): string {
    return this.address.bucket as string;
  }

  get key(): string {
    return this.address.key as string;
  }

  /** The request's `versionId`, which must not be empty when given. */
  versionId(): string | undefined {
    const versionId = this.values.query.get('versionId');
    if (versionId === '') {
      throw new AwsError('InvalidArgument', 'Version id cannot be the empty string', { status: 400 });
    }
    return versionId;
  }

  bucketArn(bucket = this.bucket): string {
    return `arn:${this.request.partition}:s3:::${bucket}`;
  }

  objectArn(bucket = this.bucket, key = this.key): string {
    return `arn:${this.request.partition}:s3:::${bucket}/${key}`;
  }

  /** Adds a check with the signature keys, `s3:ResourceAccount` and `context`. */
  add(action: string, resource: string, context: S3Context = {}, owner = this.ownerAccount): S3Context {
    const full: S3Context = { ...this.signature, 's3:ResourceAccount': owner, ...context };
    for (const key of SIGNATURE_KEY_EXCEPTIONS[action] ?? []) delete full[key];
    const check: AuthorizationCheck = { action, resource, context: full };
    if (owner !== this.request.accountId) check.resourceAccount = owner;
    this.checks.push(check);
    this.noteResource(resource, owner);
    return full;
  }

  private noteResource(resource: string, owner: string): void {
    if (resource === '*' || this.resources.has(resource)) return;
    const slash = resource.indexOf('/');
    if (slash >= 0) {
      this.resources.set(resource, { type: 'AWS::S3::Object', ARN: resource });
      const bucketArn = resource.slice(0, slash);
      if (!this.resources.has(bucketArn)) {
        this.resources.set(bucketArn, { accountId: owner, type: 'AWS::S3::Bucket', ARN: bucketArn });
      }
    } else {
      this.resources.set(resource, { accountId: owner, type: 'AWS::S3::Bucket', ARN: resource });
    }
  }

  trailResources(): TrailResource[] {
    return [...this.resources.values()];
  }

  headerKeys(pairs: readonly (readonly [string, string])[]): S3Context {
    const context: S3Context = {};
    addHeaderKeys(context, this.values, pairs);
    return context;
  }

  /** The server-side-encryption key id header, as the ARN the condition key compares. */
  kmsKeyContext(): S3Context {
    const keyId = this.values.header('x-amz-server-side-encryption-aws-kms-key-id');
    if (keyId === undefined) return {};
    return {
      's3:x-amz-server-side-encryption-aws-kms-key-id': kmsKeyArn(
        keyId,
        this.request.partition,
        this.request.region,
        this.request.accountId,
      ),
    };
  }
}

type ExtraParameters = { [key: string]: JsonValue } | void;
type OperationBuilder = (b: CheckBuilder, spec: S3OperationSpec) => ExtraParameters;

/** One check on the request's bucket or object, the version action when `versionId` is given. */
function defaultChecks(b: CheckBuilder, spec: S3OperationSpec): ExtraParameters {
  const action = spec.action as string;
  if (spec.scope === 'service') {
    b.add(action, '*');
    return;
  }
  if (spec.scope === 'bucket') {
    b.add(action, b.bucketArn());
    return;
  }
  const versionId = spec.versionAction === undefined ? undefined : b.versionId();
  if (versionId !== undefined) {
    b.add(spec.versionAction as string, b.objectArn(), { 's3:versionid': versionId });
  } else {
    b.add(action, b.objectArn());
  }
}

function listChecks(b: CheckBuilder, spec: S3OperationSpec): ExtraParameters {
  const context: S3Context = {};
  const prefix = b.values.query.get('prefix');
  const delimiter = b.values.query.get('delimiter');
  const maxKeys = b.values.query.get('max-keys');
  if (prefix !== undefined) context['s3:prefix'] = prefix;
  if (delimiter !== undefined) context['s3:delimiter'] = delimiter;
  if (maxKeys !== undefined) context['s3:max-keys'] = maxKeysValue(maxKeys);
  b.add(spec.action as string, b.bucketArn(), context);
}

/** The source of `x-amz-copy-source`: `bucket/key[?versionId=v]`, URL-encoded, `/` optional. */
interface CopySource {
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
function addCopySourceCheck(b: CheckBuilder): CopySource {
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

function copySourceKey(source: CopySource): S3Context {
  return { 's3:x-amz-copy-source': `${source.bucket}/${source.key}` };
}

/** The keys of a new object's headers (encryption, storage class, lock, ACL). */
function objectWriteContext(b: CheckBuilder): S3Context {
  return {
    ...b.headerKeys(OBJECT_WRITE_HEADER_KEYS),
    ...b.kmsKeyContext(),
    ...b.headerKeys(ACL_HEADER_KEYS),
  };
}

function taggingHeaderTags(b: CheckBuilder): Tag[] | undefined {
  const header = b.values.header('x-amz-tagging');
  return header === undefined ? undefined : parseTaggingHeader(header);
}

function withObjectTags(context: S3Context, tags: Tag[] | undefined): S3Context {
  if (tags !== undefined) addRequestObjectTags(context, tags);
  return context;
}

/** Adds `s3:BypassGovernanceRetention` on `arn` when the request asks to bypass it. */
function bypassesGovernance(b: CheckBuilder): boolean {
  return b.values.header('x-amz-bypass-governance-retention')?.toLowerCase() === 'true';
}

function addBypassCheck(b: CheckBuilder, arn: string, bypass = bypassesGovernance(b)): void {
  if (bypass) b.add('s3:BypassGovernanceRetention', arn);
}

const OPERATION_BUILDERS: Readonly<Record<string, OperationBuilder>> = {
  ListObjects: listChecks,
  ListObjectsV2: listChecks,
  ListObjectVersions: listChecks,

  CreateBucket(b) {
    checkNewBucketName(b.bucket);
    const config = readCreateBucketConfiguration(b.request.body);
    const context: S3Context = b.headerKeys(ACL_HEADER_KEYS);
    const ownership = b.values.header('x-amz-object-ownership');
    if (ownership !== undefined) context['s3:x-amz-object-ownership'] = ownership;
    if (config.locationConstraint !== undefined) context['s3:locationconstraint'] = config.locationConstraint;
    if (config.tags.length > 0) addRequestTags(context, config.tags);
    const bucket = b.bucketArn();
    b.add('s3:CreateBucket', bucket, context);
    // A canned ACL other than `private`, or any grant, also needs s3:PutBucketAcl.
    const acl = b.values.header('x-amz-acl');
    const grants = ACL_HEADER_KEYS.slice(1).some(([h]) => b.values.header(h) !== undefined);
    if ((acl !== undefined && acl !== 'private') || grants) {
      b.add('s3:PutBucketAcl', bucket, b.headerKeys(ACL_HEADER_KEYS));
    }
    if (b.values.header('x-amz-bucket-object-lock-enabled')?.toLowerCase() === 'true') {
      b.add('s3:PutBucketObjectLockConfiguration', bucket);
      b.add('s3:PutBucketVersioning', bucket);
    }
    if (ownership !== undefined) b.add('s3:PutBucketOwnershipControls', bucket);
    const parameters: { [key: string]: JsonValue } = {};
    if (config.locationConstraint !== undefined || config.tags.length > 0) {
      parameters['CreateBucketConfiguration'] = {
        ...(config.locationConstraint === undefined ? {} : { LocationConstraint: config.locationConstraint }),
        ...(config.tags.length === 0 ? {} : { Tags: tagsJson(config.tags) }),
      };
    }
    return parameters;
  },

  PutObject(b) {
    const tags = taggingHeaderTags(b);
    const arn = b.objectArn();
    b.add(
      's3:PutObject',
      arn,
      withObjectTags({ ...objectWriteContext(b), ...b.headerKeys(CONDITIONAL_WRITE_HEADER_KEYS) }, tags),
    );
    if (hasAclHeaders(b.values)) b.add('s3:PutObjectAcl', arn, b.headerKeys(ACL_HEADER_KEYS));
    if (tags !== undefined) b.add('s3:PutObjectTagging', arn, withObjectTags({}, tags));
  },

  CreateMultipartUpload(b) {
    b.add('s3:PutObject', b.objectArn(), withObjectTags(objectWriteContext(b), taggingHeaderTags(b)));
  },

  CompleteMultipartUpload(b) {
    b.add('s3:PutObject', b.objectArn(), b.headerKeys(CONDITIONAL_WRITE_HEADER_KEYS));
  },

  CopyObject(b) {
    const source = addCopySourceCheck(b);
    const context: S3Context = { ...objectWriteContext(b), ...copySourceKey(source) };
    const directive = b.values.header('x-amz-metadata-directive');
    if (directive !== undefined) context['s3:x-amz-metadata-directive'] = directive;
    // New tags are given only with `x-amz-tagging-directive: REPLACE`; COPY keeps the source's.
    if (b.values.header('x-amz-tagging-directive')?.toUpperCase() === 'REPLACE') {
      withObjectTags(context, taggingHeaderTags(b) ?? []);
    }
    b.add('s3:PutObject', b.objectArn(), context);
  },

  UploadPartCopy(b) {
    const source = addCopySourceCheck(b);
    b.add('s3:PutObject', b.objectArn(), copySourceKey(source));
  },

  DeleteObject(b, spec) {
    const versionId = b.versionId();
    const arn = b.objectArn();
    if (versionId !== undefined) {
      b.add(spec.versionAction as string, arn, { 's3:versionid': versionId });
    } else {
      b.add('s3:DeleteObject', arn, b.headerKeys([['if-match', 's3:if-match']]));
    }
    addBypassCheck(b, arn);
  },

  DeleteObjects(b) {
    const entries = readDeleteObjects(b.request.body);
    const bypass = bypassesGovernance(b);
    const checksOfEntry: number[][] = [];
    for (const entry of entries) {
      const first = b.checks.length;
      const arn = b.objectArn(b.bucket, entry.key);
      if (entry.versionId !== undefined) {
        b.add('s3:DeleteObjectVersion', arn, { 's3:versionid': entry.versionId });
      } else {
        b.add('s3:DeleteObject', arn);
      }
      addBypassCheck(b, arn, bypass);
      checksOfEntry.push(Array.from({ length: b.checks.length - first }, (_, i) => first + i));
    }
    // S3 decides each key on its own: the gateway deletes the allowed ones and reports the others.
    b.perItem = deleteObjectsPerItem(b.request.body!, entries, checksOfEntry);
    return {
      Delete: {
        Object: entries.map((e): JsonValue =>
          e.versionId === undefined ? { Key: e.key } : { Key: e.key, VersionId: e.versionId },
        ),
      },
    };
  },

  PutObjectRetention(b, spec) {
    const retention = readRetention(b.request.body);
    const context: S3Context = {};
    if (retention.mode !== undefined) context['s3:object-lock-mode'] = retention.mode;
    if (retention.retainUntilDate !== undefined) {
      context['s3:object-lock-retain-until-date'] = retention.retainUntilDate;
    }
    const arn = b.objectArn();
    b.add(spec.action as string, arn, context);
    addBypassCheck(b, arn);
    return {
      Retention: {
        ...(retention.mode === undefined ? {} : { Mode: retention.mode }),
        ...(retention.retainUntilDate === undefined ? {} : { RetainUntilDate: retention.retainUntilDate }),
      },
    };
  },

  PutObjectLegalHold(b, spec): ExtraParameters {
    const status = readLegalHold(b.request.body);
    b.add(
      spec.action as string,
      b.objectArn(),
      status === undefined ? {} : { 's3:object-lock-legal-hold': status },
    );
    return status === undefined ? {} : { LegalHold: { Status: status } };
  },

  GetObjectAttributes(b, spec) {
    const versionId = b.versionId();
    const arn = b.objectArn();
    if (versionId !== undefined) {
      b.add('s3:GetObjectVersion', arn, { 's3:versionid': versionId });
      b.add(spec.versionAction as string, arn, { 's3:versionid': versionId });
    } else {
      b.add('s3:GetObject', arn);
      b.add(spec.action as string, arn);
    }
  },

  PutObjectAcl(b, spec) {
    const versionId = b.versionId();
    const context = b.headerKeys(ACL_HEADER_KEYS);
    if (versionId !== undefined) {
      b.add(spec.versionAction as string, b.objectArn(), { ...context, 's3:versionid': versionId });
    } else {
      b.add(spec.action as string, b.objectArn(), context);
    }
  },

  PutBucketAcl(b, spec) {
    b.add(spec.action as string, b.bucketArn(), b.headerKeys(ACL_HEADER_KEYS));
  },

  PutObjectTagging(b, spec) {
    const tags = readTagging(b.request.body);
    const versionId = b.versionId();
    const context = withObjectTags({}, tags);
    if (versionId !== undefined) {
      b.add(spec.versionAction as string, b.objectArn(), { ...context, 's3:versionid': versionId });
    } else {
      b.add(spec.action as string, b.objectArn(), context);
    }
    return { Tagging: { TagSet: tagsJson(tags) } };
  },

  PutBucketTagging(b, spec) {
    const tags = readTagging(b.request.body);
    const context: S3Context = {};
    addRequestTags(context, tags);
    b.add(spec.action as string, b.bucketArn(), context);
    return { Tagging: { TagSet: tagsJson(tags) } };
  },
};

function tagsJson(tags: readonly Tag[]): JsonValue {
  return tags.map((t) => ({ Key: t.key, Value: t.value }));
}

/**
 * CloudTrail's S3 `requestParameters`: `bucketName`, `Host`, `key`, the query (sub-resources as
 * `""`, without the signature and session token), the policy-relevant headers and what was read
 * from the body. Never object content or customer-provided encryption keys.
 */
function requestParameters(
  request: GatewayRequest,
  address: S3Address,
  values: S3RequestValues,
  extra: ExtraParameters,
): { [key: string]: JsonValue } {
  const parameters: { [key: string]: JsonValue } = {};
  if (address.bucket !== undefined) parameters['bucketName'] = address.bucket;
  parameters['Host'] = request.host;
  if (address.key !== undefined) parameters['key'] = address.key;
  for (const [name, value] of values.query) {
    const lower = name.toLowerCase();
    if (lower.startsWith('x-amz-') && !LOGGED_SIGNING_PARAMETERS.has(lower)) continue;
    parameters[name] = value;
  }
  for (const header of LOGGED_HEADERS) {
    const value = values.header(header);
    if (value !== undefined) parameters[header] = value;
  }
  return { ...parameters, ...(extra ?? {}) };
}
