/**
 * The gateway's contract between protocol mappers (`gateway/mapping/<service>.ts`) and the
 * enforcing proxy (`gateway/server.ts`): a mapper turns one signed request into the IAM checks
 * it needs and the facts the access log records; the proxy authenticates, decides every check
 * with the one authorizer (`control/authorize.ts`), logs, and forwards or refuses.
 *
 * Mappers are pure (no I/O): everything they need is in `GatewayRequest`.
 */
import type { ContextInput } from '../policy/index.js';
import type { JsonValue } from '../iam/types.js';

/** The AWS wire protocol of a service, which decides how requests are read and errors written. */
export type AwsProtocol = 'query' | 'json' | 'rest-json' | 'rest-xml';

export interface GatewayRequest {
  method: string;
  /** The path as received, still percent-encoded, without the query. */
  path: string;
  /** Decoded query parameters in arrival order; a repeated name appears once per value. */
  query: [string, string][];
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  /** The Host header (virtual-hosted S3 buckets are read from it). */
  host: string;
  /**
   * The whole body, when the mapper said it needs it (`needsBody`); otherwise `undefined` and the
   * body streams to the backend unread (S3 object uploads).
   */
  body?: Buffer;
  /** From the signature's credential scope. */
  region: string;
  /** The caller's account: resources without an account in the request belong to it. */
  accountId: string;
  partition: string;
  /**
   * What the resource resolver (`gateway/resolve/`) learned from the backend about the names this
   * request uses (`ServiceMapper.references`); absent when nothing was resolved.
   */
  resolved?: ResolvedResources;
}

/**
 * Names a request uses that are not the canonical resource (a KMS alias, a secret's name or partial
 * ARN) or whose meaning is table metadata (a DynamoDB table's key schema), as the request gives them.
 */
export interface ResourceReferences {
  /** KMS alias names (`alias/x`) or alias ARNs. */
  kmsAliases?: string[];
  /** Secrets Manager `SecretId`s: names, partial or full ARNs. */
  secrets?: string[];
  /** DynamoDB `TableName`s: names or table ARNs. */
  tables?: string[];
}

/** One table's key attributes and those of its secondary indexes. */
export interface TableKeySchemas {
  partitionKey: string;
  sortKey?: string;
  indexes: Record<string, { partitionKey: string; sortKey?: string }>;
}

/** The backend's answers for a request's `ResourceReferences`, keyed by the name as the request gave it. */
export interface ResolvedResources {
  /** Alias name or ARN -> the key's id. */
  kmsAliases?: ReadonlyMap<string, string>;
  /** SecretId -> the secret's full name with its six-character suffix (`db-AbCdEf`). */
  secrets?: ReadonlyMap<string, string>;
  tables?: ReadonlyMap<string, TableKeySchemas>;
}

/** One IAM decision a request needs; a request needs one or more (CopyObject needs two). */
export interface AuthorizationCheck {
  /** `s3:GetObject`, in the catalogue's spelling. */
  action: string;
  /** The resource ARN, or `*` for actions that take no resource. */
  resource: string;
  /** When the resource belongs to another account than the caller's. */
  resourceAccount?: string;
  /**
   * Request-specific condition keys: the service's (`s3:prefix`, `dynamodb:LeadingKeys`,
   * `kms:EncryptionContext:k`) and the request's global ones (`aws:RequestTag/k`, `aws:TagKeys`).
   * The proxy adds the caller's and the network's global keys itself.
   */
  context: Record<string, ContextInput>;
}

/** A CloudTrail `resources` entry. */
export interface TrailResource {
  ARN: string;
  type?: string;
  accountId?: string;
}

export interface MappedRequest {
  /** The IAM service prefix (`s3`, `dynamodb`, `sqs`, ...). */
  service: string;
  /** CloudTrail's `eventSource`, e.g. `s3.amazonaws.com`. */
  eventSource: string;
  /** The API operation; CloudTrail's `eventName` (`GetObject`). */
  operation: string;
  checks: AuthorizationCheck[];
  /** For the access log; secrets (SecretString, Plaintext, message bodies, ...) left out. */
  requestParameters?: { [key: string]: JsonValue };
  resources?: TrailResource[];
  /**
   * For an operation on many items at once whose service answers per item (S3 `DeleteObjects`):
   * how to serve the allowed items and answer the denied ones in the service's own per-item shape,
   * rather than refuse the whole request for one denied item.
   */
  perItem?: PerItemRequest;
}

/** See {@link MappedRequest.perItem}. Item indexes are positions in `items`. */
export interface PerItemRequest {
  /** For each item, the indexes of the `checks` that must all allow it. */
  items: readonly (readonly number[])[];
  /**
   * The body to forward with only the `allowed` items, and the headers to set on it (`undefined`
   * removes a header: a checksum of the original body).
   */
  rewrite(allowed: readonly number[]): { body: Buffer; headers: Record<string, string | undefined> };
  /** The backend's successful answer with an error for each `denied` item merged in. */
  mergeResponse(backendBody: Buffer, denied: readonly number[]): Buffer;
  /** The whole answer when every item is denied (nothing is forwarded). */
  allDenied(denied: readonly number[]): { status: number; headers: Record<string, string>; body: string };
}

/** The request is well-formed for the service but no mapping exists for its operation. */
export interface UnmappedRequest {
  unmapped: true;
  service: string;
  eventSource: string;
  /** The operation's name when the protocol reveals it (`X-Amz-Target`, `Action=`). */
  operation?: string;
}

export interface ServiceMapper {
  /** The IAM service prefix, e.g. `dynamodb`. */
  service: string;
  /** The SigV4 signing name clients use (`s3`, `dynamodb`, `sqs`, `execute-api`...). */
  signingName: string;
  protocol: AwsProtocol;
  /**
   * The JSON error `__type` namespace or Query XML error namespace the service's SDK expects, if
   * the denial shape needs one (e.g. `com.amazonaws.dynamodb.v20120810#`).
   */
  errorNamespace?: string;
  /** Whether `map` needs the whole body (Query and JSON protocols do; S3 uploads do not). */
  needsBody(request: Omit<GatewayRequest, 'body'>): boolean;
  /**
   * The checks for `request`. Throws an `AwsError` for a request the service itself would reject
   * as malformed (the gateway answers it in the service's error shape without forwarding).
   */
  map(request: GatewayRequest): MappedRequest | UnmappedRequest;
  /**
   * The names in `request` the gateway must resolve with the backend before `map` (pure: it only
   * reads the request). `map` then reads the answers from `request.resolved`.
   */
  references?(request: GatewayRequest): ResourceReferences;
  /**
   * REST protocols: whether the service defines the query parameter `name`. The gateway refuses a
   * request with any other (a backend might read it as an operation or input the decision did not
   * cover); JSON and Query requests are rebuilt from what the mapper read instead
   * (`gateway/forwarded-request.ts`).
   */
  acceptsQueryParameter?(name: string): boolean;
  /**
   * The path the backend gets, when it is not the request's own: S3 moves a virtual-hosted bucket
   * into the path (the backend is addressed by IP), resolved with the same host names `map` used.
   */
  backendPath?(request: Pick<GatewayRequest, 'host' | 'path'>): string;
}

/** How the gateway treats a service's denials. */
export type EnforcementMode = 'enforce' | 'audit';
