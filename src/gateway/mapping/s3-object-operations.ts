/**
 * The checks of object operations that carry more than one check or condition keys of their own:
 * writes and copies, deletes (one check per key for `DeleteObjects`), Object Lock, attributes,
 * ACLs and tagging.
 */
import type { JsonValue } from '../../iam/types.js';
import {
  parseTaggingHeader,
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
  addRequestObjectTags,
  hasAclHeaders,
} from './s3-conditions.js';
import type { S3Context } from './s3-conditions.js';
import {
  tagsJson,
  type CheckBuilder,
  type ExtraParameters,
  type OperationBuilder,
} from './s3-check-builder.js';
import { addCopySourceCheck, copySourceKey } from './s3-copy-source.js';

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

export const OBJECT_OPERATION_BUILDERS: Readonly<Record<string, OperationBuilder>> = {
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
};
