/** The checks of bucket operations that carry more than one check or condition keys of their own. */
import type { JsonValue } from '../../iam/types.js';
import { checkNewBucketName } from './s3-address.js';
import { readCreateBucketConfiguration, readTagging } from './s3-bodies.js';
import { ACL_HEADER_KEYS, addRequestTags } from './s3-conditions.js';
import type { S3Context } from './s3-conditions.js';
import { listChecks, tagsJson, type OperationBuilder } from './s3-check-builder.js';

export const BUCKET_OPERATION_BUILDERS: Readonly<Record<string, OperationBuilder>> = {
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

  PutBucketAcl(b, spec) {
    b.add(spec.action as string, b.bucketArn(), b.headerKeys(ACL_HEADER_KEYS));
  },

  PutBucketTagging(b, spec) {
    const tags = readTagging(b.request.body);
    const context: S3Context = {};
    addRequestTags(context, tags);
    b.add(spec.action as string, b.bucketArn(), context);
    return { Tagging: { TagSet: tagsJson(tags) } };
  },
};
