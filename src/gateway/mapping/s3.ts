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
import type { GatewayRequest, MappedRequest, ServiceMapper, UnmappedRequest } from '../types.js';
import { resolveS3Address } from './s3-address.js';
import type { S3Address } from './s3-address.js';
import { S3RequestValues } from './s3-conditions.js';
import { classifyS3Request, isS3QueryName } from './s3-operations.js';
import type { S3OperationSpec, S3Scope } from './s3-operations.js';
import { BUCKET_OPERATION_BUILDERS } from './s3-bucket-operations.js';
import {
  CheckBuilder,
  defaultChecks,
  type ExtraParameters,
  type OperationBuilder,
} from './s3-check-builder.js';
import { OBJECT_OPERATION_BUILDERS } from './s3-object-operations.js';
export { parseCopySource } from './s3-copy-source.js';

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

const OPERATION_BUILDERS: Readonly<Record<string, OperationBuilder>> = {
  ...BUCKET_OPERATION_BUILDERS,
  ...OBJECT_OPERATION_BUILDERS,
};

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
