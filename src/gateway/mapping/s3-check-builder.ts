/** The builder an S3 operation's checks are added to, and the checks of operations with nothing special. */
import { AwsError } from '../../errors.js';
import type { JsonValue } from '../../iam/types.js';
import type { AuthorizationCheck, GatewayRequest, PerItemRequest, TrailResource } from '../types.js';
import type { S3Address } from './s3-address.js';
import type { Tag } from './s3-bodies.js';
import { addHeaderKeys, kmsKeyArn, maxKeysValue, signatureKeys } from './s3-conditions.js';
import type { S3Context, S3RequestValues } from './s3-conditions.js';
import type { S3OperationSpec } from './s3-operations.js';

/**
 * Actions whose catalogue entry lacks one of the signature keys every other S3 action has;
 * AWS leaves such a key out of the request context for them.
 */
const SIGNATURE_KEY_EXCEPTIONS: Readonly<Record<string, readonly string[]>> = {
  's3:GetBucketObjectLockConfiguration': ['s3:x-amz-content-sha256'],
  's3:PutBucketObjectLockConfiguration': ['s3:x-amz-content-sha256'],
};

/** Builds the checks of one request and remembers the resources for the log. */
export class CheckBuilder {
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

export type ExtraParameters = { [key: string]: JsonValue } | void;
export type OperationBuilder = (b: CheckBuilder, spec: S3OperationSpec) => ExtraParameters;

/** One check on the request's bucket or object, the version action when `versionId` is given. */
export function defaultChecks(b: CheckBuilder, spec: S3OperationSpec): ExtraParameters {
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

export function listChecks(b: CheckBuilder, spec: S3OperationSpec): ExtraParameters {
  const context: S3Context = {};
  const prefix = b.values.query.get('prefix');
  const delimiter = b.values.query.get('delimiter');
  const maxKeys = b.values.query.get('max-keys');
  if (prefix !== undefined) context['s3:prefix'] = prefix;
  if (delimiter !== undefined) context['s3:delimiter'] = delimiter;
  if (maxKeys !== undefined) context['s3:max-keys'] = maxKeysValue(maxKeys);
  b.add(spec.action as string, b.bucketArn(), context);
}

export function tagsJson(tags: readonly Tag[]): JsonValue {
  return tags.map((t) => ({ Key: t.key, Value: t.value }));
}
