/**
 * The S3 operations the gateway maps, with the actions each one is authorized as: the source of
 * docs/gateway.md's coverage table, and of the test that sends every one of them with the JS SDK and
 * checks that it maps.
 */
import { PLAIN_OPERATIONS, SUBRESOURCE_OPERATIONS } from './s3-operations.js';

export interface S3CoverageEntry {
  operation: string;
  /** The actions checked, in the order `map` returns them; alternatives joined by ` or `. */
  actions: string[];
}

/** Checks beyond the operation's own action (see `s3.ts`). */
const EXTRA_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  CopyObject: ['s3:GetObject or s3:GetObjectVersion (source)', 's3:PutObject'],
  UploadPartCopy: ['s3:GetObject or s3:GetObjectVersion (source)', 's3:PutObject'],
  PutObject: [
    's3:PutObject',
    's3:PutObjectAcl (with ACL headers)',
    's3:PutObjectTagging (with x-amz-tagging)',
  ],
  CreateBucket: [
    's3:CreateBucket',
    's3:PutBucketAcl (with a non-private ACL)',
    's3:PutBucketObjectLockConfiguration and s3:PutBucketVersioning (with Object Lock)',
    's3:PutBucketOwnershipControls (with x-amz-object-ownership)',
  ],
  DeleteObjects: [
    's3:DeleteObject or s3:DeleteObjectVersion (per key)',
    's3:BypassGovernanceRetention (when bypassing)',
  ],
  DeleteObject: [
    's3:DeleteObject or s3:DeleteObjectVersion',
    's3:BypassGovernanceRetention (when bypassing)',
  ],
  PutObjectRetention: ['s3:PutObjectRetention', 's3:BypassGovernanceRetention (when bypassing)'],
  GetObjectAttributes: [
    's3:GetObject or s3:GetObjectVersion',
    's3:GetObjectAttributes or s3:GetObjectVersionAttributes',
  ],
};

/** Every mapped S3 operation, in the order of docs/gateway.md's table. */
export const S3_COVERAGE: readonly S3CoverageEntry[] = [...PLAIN_OPERATIONS, ...SUBRESOURCE_OPERATIONS]
  .filter((spec) => spec.action !== undefined)
  .map((spec) => ({
    operation: spec.operation,
    actions: [
      ...(EXTRA_ACTIONS[spec.operation] ??
        (spec.versionAction === undefined
          ? [spec.action as string]
          : [`${spec.action as string} or ${spec.versionAction}`])),
    ],
  }));

/** Operations S3 has that are recognised by name and refused as unmapped (fail closed). */
export const S3_KNOWN_UNMAPPED: readonly string[] = [...PLAIN_OPERATIONS, ...SUBRESOURCE_OPERATIONS]
  .filter((spec) => spec.action === undefined)
  .map((spec) => spec.operation);
