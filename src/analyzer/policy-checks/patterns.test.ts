import { describe, expect, it } from 'vitest';
import { arnTemplateTokens, covers, overlaps, policyPatternTokens, UNRESOLVED } from './patterns.js';

const object = arnTemplateTokens('arn:${Partition}:s3:::${BucketName}/${ObjectName}');
const bucket = arnTemplateTokens('arn:${Partition}:s3:::${BucketName}', [
  'arn:${Partition}:s3:::${BucketName}/${ObjectName}',
]);
const role = arnTemplateTokens('arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}');

describe('overlaps', () => {
  it('tells an object pattern from a bucket ARN', () => {
    expect(overlaps(policyPatternTokens('arn:aws:s3:::b/*'), object)).toBe(true);
    expect(overlaps(policyPatternTokens('arn:aws:s3:::b/*'), bucket)).toBe(false);
    expect(overlaps(policyPatternTokens('arn:aws:s3:::b'), bucket)).toBe(true);
    expect(overlaps(policyPatternTokens('arn:aws:s3:::b'), object)).toBe(false);
  });
  it('lets a trailing policy wildcard reach every type of the service', () => {
    expect(overlaps(policyPatternTokens('arn:aws:s3:::*'), bucket)).toBe(true);
    expect(overlaps(policyPatternTokens('arn:aws:s3:::*'), object)).toBe(true);
    expect(overlaps(policyPatternTokens('*'), role)).toBe(true);
  });
  it('keeps paths in the last placeholder and compares literals without case', () => {
    expect(overlaps(policyPatternTokens('arn:aws:iam::123456789012:role/team/app'), role)).toBe(true);
    expect(overlaps(policyPatternTokens('ARN:AWS:IAM::123456789012:ROLE/x'), role)).toBe(true);
    expect(overlaps(policyPatternTokens('arn:aws:iam::123456789012:user/x'), role)).toBe(false);
    expect(overlaps(policyPatternTokens('arn:aws:sqs:us-east-1:123456789012:q'), object)).toBe(false);
  });
  it('reads variables and unresolved text as wildcards', () => {
    expect(overlaps(policyPatternTokens('arn:aws:s3:::b/${aws:username}'), object)).toBe(true);
    expect(overlaps(policyPatternTokens(`arn:${UNRESOLVED}:s3:::${UNRESOLVED}/x`), object)).toBe(true);
  });
});

describe('covers', () => {
  it('finds narrower patterns under wider ones', () => {
    expect(covers('s3:Get*', 's3:GetObject')).toBe(true);
    expect(covers('s3:get*', 's3:GetObject*')).toBe(true);
    expect(covers('*', 'arn:aws:s3:::b/*')).toBe(true);
    expect(covers('arn:aws:s3:::b/*', 'arn:aws:s3:::b/logs/*')).toBe(true);
  });
  it('does not claim coverage it cannot prove', () => {
    expect(covers('s3:Get?', 's3:Get*')).toBe(false);
    expect(covers('s3:GetObject', 's3:Get*')).toBe(false);
    expect(covers('arn:aws:s3:::b/logs/*', 'arn:aws:s3:::b/*')).toBe(false);
    expect(covers('s3:Get?', 's3:GetX')).toBe(true);
  });
});
