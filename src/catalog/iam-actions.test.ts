import { describe, expect, it } from 'vitest';
import { expandActionPattern, findAction, isGlobalConditionKey, loadService } from './iam-actions.js';

describe('the AWS action catalogue', () => {
  it('finds an action in any case with its resource types and condition keys', async () => {
    const action = await findAction('S3:getobject');
    expect(action?.action).toBe('s3:GetObject');
    expect(action?.accessLevel).toBe('Read');
    expect(action?.resourceTypes.map((r) => r.name)).toContain('object');
    const s3 = await loadService('s3');
    expect(s3?.resourceTypes.get('object')?.arn).toBe('arn:${Partition}:s3:::${BucketName}/${ObjectName}');
    expect(s3?.conditionKeys.has('s3:prefix')).toBe(true);
  });

  it('answers undefined for unknown services and actions', async () => {
    expect(await loadService('nosuchservice')).toBeUndefined();
    expect(await findAction('s3:NoSuchAction')).toBeUndefined();
    expect(await findAction('noservice')).toBeUndefined();
  });

  it('expands wildcards like IAM does (case-blind, * and ?)', async () => {
    // SendMessageBatch is authorized as sqs:SendMessage: it is not an IAM action.
    expect(await expandActionPattern('sqs:Send*')).toEqual(['sqs:SendMessage']);
    expect(await expandActionPattern('DynamoDB:batchget*')).toEqual(['dynamodb:BatchGetItem']);
    expect(await expandActionPattern('sts:GetCallerIdentit?')).toEqual(['sts:GetCallerIdentity']);
    const all = await expandActionPattern('*');
    expect(all.length).toBeGreaterThan(10000);
    expect(all).toContain('dynamodb:GetItem');
  });

  it('knows the global condition keys, including tag-templated ones', () => {
    expect(isGlobalConditionKey('aws:SourceIp')).toBe(true);
    expect(isGlobalConditionKey('aws:PrincipalTag/team')).toBe(true);
    expect(isGlobalConditionKey('s3:prefix')).toBe(false);
  });
});
