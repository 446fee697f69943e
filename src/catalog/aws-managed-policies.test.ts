import { describe, expect, it } from 'vitest';
import {
  findAwsManagedPolicy,
  getAwsManagedPolicyVersionDocument,
  listAwsManagedPolicies,
} from './aws-managed-policies.js';

describe('AWS managed policies', () => {
  it('resolves ReadOnlyAccess with its default version document', () => {
    const policy = findAwsManagedPolicy('arn:aws:iam::aws:policy/ReadOnlyAccess');
    expect(policy).toBeDefined();
    expect(policy?.policyName).toBe('ReadOnlyAccess');
    expect(policy?.path).toBe('/');
    expect(policy?.policyId).toMatch(/^ANPA[A-Z2-7]{17}$/);
    expect(policy?.defaultVersionId).toMatch(/^v\d+$/);
    const document = JSON.parse(policy?.document ?? '{}') as { Version: string; Statement: unknown[] };
    expect(document.Version).toBe('2012-10-17');
    expect(document.Statement.length).toBeGreaterThan(0);
    expect(policy?.createDate.toISOString()).toBe('2015-02-06T18:39:48.000Z');
    expect(policy!.updateDate.getTime()).toBeGreaterThanOrEqual(policy!.createDate.getTime());
    // Newest first, exactly one default.
    const versions = policy!.versions;
    expect(versions[0]?.versionId).toBe(policy?.defaultVersionId);
    expect(versions.filter((v) => v.isDefaultVersion)).toHaveLength(1);
  });

  it('needs the full path for policies that have one', () => {
    const arn = 'arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM';
    expect(findAwsManagedPolicy(arn)?.path).toBe('/service-role/');
    expect(findAwsManagedPolicy('arn:aws:iam::aws:policy/AmazonEC2RoleforSSM')).toBeUndefined();
    expect(findAwsManagedPolicy('arn:aws:iam::aws:policy/job-function/ViewOnlyAccess')?.policyName).toBe(
      'ViewOnlyAccess',
    );
  });

  it('answers in the partition asked for and rejects non-AWS ARNs', () => {
    expect(findAwsManagedPolicy('arn:aws-cn:iam::aws:policy/ReadOnlyAccess')?.arn).toBe(
      'arn:aws-cn:iam::aws:policy/ReadOnlyAccess',
    );
    expect(findAwsManagedPolicy('arn:aws:iam::111122223333:policy/ReadOnlyAccess')).toBeUndefined();
    expect(findAwsManagedPolicy('arn:aws:iam::aws:policy/NoSuchPolicyAnywhere')).toBeUndefined();
    expect(findAwsManagedPolicy('not an arn')).toBeUndefined();
  });

  it('lists in name order and filters by path prefix', () => {
    const all = listAwsManagedPolicies();
    expect(all.length).toBeGreaterThan(1000);
    const names = all.map((p) => p.policyName);
    expect([...names].sort()).toEqual(names);
    const jobFunctions = listAwsManagedPolicies({ pathPrefix: '/job-function/' });
    expect(jobFunctions.length).toBeGreaterThan(3);
    expect(jobFunctions.every((p) => p.path === '/job-function/')).toBe(true);
    expect(new Set(all.map((p) => p.policyId)).size).toBe(all.length);
  });

  it('serves the default version from memory and other versions on demand', () => {
    const arn = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
    const policy = findAwsManagedPolicy(arn)!;
    expect(getAwsManagedPolicyVersionDocument(arn, policy.defaultVersionId)).toBe(policy.document);
    const v1 = getAwsManagedPolicyVersionDocument(arn, 'v1');
    expect(v1).toBeDefined();
    expect(JSON.parse(v1!)).toHaveProperty('Statement');
    expect(getAwsManagedPolicyVersionDocument(arn, 'v9999')).toBeUndefined();
    // The catalog stays usable after the package was loaded and released again.
    expect(findAwsManagedPolicy(arn)?.document).toBe(policy.document);
  });
});
