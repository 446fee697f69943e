/**
 * Property: the policy simulator's answer to one request is bounded. `SimulateCustomPolicy` lists,
 * per action and per resource, every statement that matched; a caller who may simulate (IAM's
 * `ReadOnlyAccess` grants `iam:Simulate*`) can multiply actions × resources × statements within
 * IAM's 1,000-parameter request. Unbounded, a ~200 KB request asked for a 28 MB answer built in
 * memory and a larger one for gigabytes, taking the whole server down. A page holds at most
 * `MaxItems` actions (100 when not given, as IAM documents) and never more work than a fixed
 * budget, with `IsTruncated` and a `Marker` for the rest; a single action too large for the budget
 * is refused with `InvalidInput`.
 *
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlane, xmlValue, type TestPlane } from '../../src/server/test-support/plane.js';

let plane: TestPlane;

beforeAll(async () => {
  plane = await createTestPlane();
});

afterAll(async () => {
  await plane.close();
});

/** A policy of `n` statements that each match every action on every resource. */
function wildcardPolicy(n: number): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: Array.from({ length: n }, () => ({ Effect: 'Allow', Action: '*', Resource: '*' })),
  });
}

function simulate(policies: number, actions: number, resources: number, extra: Record<string, string> = {}) {
  const params: Record<string, string> = { Action: 'SimulateCustomPolicy', Version: '2010-05-08', ...extra };
  const policy = wildcardPolicy(40);
  for (let i = 1; i <= policies; i++) params[`PolicyInputList.member.${i}`] = policy;
  for (let i = 1; i <= actions; i++) params[`ActionNames.member.${i}`] = `s3:Get${i}`;
  for (let i = 1; i <= resources; i++) params[`ResourceArns.member.${i}`] = `arn:aws:s3:::b/${i}`;
  return plane.call('iam', plane.admin, params);
}

describe('SimulateCustomPolicy with many policies, actions and resources', () => {
  it('answers one bounded page and a Marker for the rest', async () => {
    const res = await simulate(5, 200, 100);
    expect(res.status).toBe(200);
    expect(res.text.length).toBeLessThan(16 * 1024 * 1024);
    expect(xmlValue(res.text, 'IsTruncated')).toBe('true');
    expect(xmlValue(res.text, 'Marker')).toBeDefined();
    const next = await simulate(5, 200, 100, { Marker: xmlValue(res.text, 'Marker')!, MaxItems: '1' });
    expect(next.status).toBe(200);
    expect((next.text.match(/<EvalActionName>/g) ?? []).length).toBe(1);
  }, 60_000);

  it('pages 100 actions when MaxItems is not given, as IAM documents', async () => {
    const res = await simulate(1, 150, 0);
    expect(res.status).toBe(200);
    expect((res.text.match(/<EvalActionName>/g) ?? []).length).toBe(100);
    expect(xmlValue(res.text, 'IsTruncated')).toBe('true');
  });

  it('refuses one action whose resources × statements exceed the budget', async () => {
    const res = await simulate(400, 1, 500);
    expect(res.status).toBe(400);
    expect(xmlValue(res.text, 'Code')).toBe('InvalidInput');
  }, 60_000);
});
