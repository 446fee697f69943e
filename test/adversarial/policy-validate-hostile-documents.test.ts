/**
 * Property: `credplane policy validate` (and every template check built on `checkPolicy`) answers
 * findings for any document, in bounded time: "Never throws for a bad document". Two documents
 * broke that: a Resource list with two 20,000-character ARNs threw "Maximum call stack size
 * exceeded" (the wildcard cover test recursed once per character), and a 240 KB document of 100
 * alike statements with 50 resources each ran for minutes (every pair of statements compared
 * resource lists pattern by pattern, re-tokenising each pattern every time).
 */
import { describe, expect, it } from 'vitest';
import { checkPolicy } from '../../src/analyzer/policy-checks/check-policy.js';

describe('policy validate on hostile documents', () => {
  it('answers findings, not a stack overflow, for very long resource patterns', async () => {
    const long = `arn:aws:s3:::${'a'.repeat(20_000)}`;
    const text = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: [`${long}b`, `${long}*`] }],
    });
    const findings = await checkPolicy(text, { kind: 'identity' });
    expect(findings.length).toBeGreaterThan(0);
  });

  it('answers within seconds for many statements with many resources', async () => {
    const statement = {
      Effect: 'Allow',
      Action: Array.from({ length: 50 }, (_, i) => `s3:Get${i}*`),
      Resource: Array.from({ length: 50 }, (_, j) => `arn:aws:s3:::b${j}/*`),
      Condition: { StringLike: { 'aws:PrincipalTag/x': Array.from({ length: 50 }, () => '*a*b*c*') } },
    };
    const text = JSON.stringify({
      Version: '2012-10-17',
      Statement: Array.from({ length: 100 }, () => statement),
    });
    const started = Date.now();
    const findings = await checkPolicy(text, { kind: 'identity' });
    expect(findings.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 120_000);
});
