/**
 * Property: the prefilter never drops an edge. Over random accounts — Allow and Deny, Action and
 * NotAction, wildcards, resource patterns, conditions, boundaries, trust policies naming roles,
 * the account or services — the edges found with the prefilter equal those found by probing every
 * edge through the engine; and whenever the engine allows an action without a resource policy,
 * `identityMentions` said the identity policies name it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allow,
  analysisData,
  arnOf,
  deny,
  doc,
  policyArnOf,
  type RoleSpec,
  type Stmt,
} from '../test-support/escalation-fixtures.js';
import { identityMentions, principalDecision } from './decide.js';
import { principalEdges } from './edges.js';
import { principalsOf } from './principals.js';

const NAMES = ['a', 'b', 'c', 'app-d'];
const ACTIONS = [
  'iam:PassRole',
  'iam:PutRolePolicy',
  'iam:AttachRolePolicy',
  'iam:UpdateAssumeRolePolicy',
  'iam:CreatePolicyVersion',
  'iam:SetDefaultPolicyVersion',
  'iam:Put*',
  'iam:*',
  'sts:AssumeRole',
  'sts:*',
  'lambda:CreateFunction',
  'lambda:InvokeFunction',
  'lambda:*',
  'ecs:RegisterTaskDefinition',
  'ecs:RunTask',
  'ec2:RunInstances',
  's3:GetObject',
  '*',
];
const RESOURCES = [
  '*',
  arnOf('a'),
  arnOf('app-*'),
  arnOf('*'),
  policyArnOf('m'),
  'arn:aws:lambda:*:*:function:x-*',
];
const CONDITIONS: (Stmt | undefined)[] = [
  undefined,
  { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
  { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
  { StringLike: { 'aws:PrincipalArn': arnOf('a') } },
  { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
];

const statement = fc
  .record({
    effect: fc.constantFrom('Allow', 'Allow', 'Deny'),
    negated: fc.boolean(),
    actions: fc.subarray(ACTIONS, { minLength: 1, maxLength: 3 }),
    resources: fc.subarray(RESOURCES, { minLength: 1, maxLength: 2 }),
    condition: fc.constantFrom(...CONDITIONS),
  })
  .map(({ effect, negated, actions, resources, condition }) => {
    const base = effect === 'Allow' ? allow([], resources) : deny([], resources);
    delete base.Action;
    return {
      ...base,
      [negated ? 'NotAction' : 'Action']: actions,
      ...(condition === undefined ? {} : { Condition: condition }),
    };
  });

const trust = fc.constantFrom(
  doc({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }),
  doc({
    Effect: 'Allow',
    Principal: { Service: ['lambda.amazonaws.com', 'ecs-tasks.amazonaws.com'] },
    Action: 'sts:AssumeRole',
  }),
  doc({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' }),
  doc({ Effect: 'Allow', Principal: { AWS: arnOf('a') }, Action: 'sts:AssumeRole' }),
  doc({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }),
  doc({ Effect: 'Allow', NotPrincipal: { AWS: arnOf('b') }, Action: 'sts:AssumeRole' }),
  doc(
    { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
    { Effect: 'Allow', Principal: { AWS: arnOf('c') }, Action: 'sts:*' },
  ),
);

const role = (name: string): fc.Arbitrary<RoleSpec> =>
  fc
    .record({
      statements: fc.array(statement, { minLength: 0, maxLength: 4 }),
      trust,
      boundary: fc.option(fc.array(statement, { minLength: 1, maxLength: 2 }), { nil: undefined }),
      managed: fc.boolean(),
    })
    .map(({ statements, trust: t, boundary, managed }) => ({
      name,
      trust: t,
      inline: { p: doc(...(statements.length === 0 ? [allow('s3:GetObject')] : statements)) },
      ...(managed ? { managed: { m: doc(allow('s3:ListBucket')) } } : {}),
      ...(boundary === undefined ? {} : { boundary: doc(...boundary) }),
    }));

const account = fc.tuple(...NAMES.map(role));
const key = (e: { from: string; to: string; kind: string; via?: string }): string =>
  `${e.from} ${e.kind} ${e.to} ${e.via ?? ''}`;

describe('the edge prefilter', () => {
  it('finds exactly the edges that probing every pair finds', () => {
    fc.assert(
      fc.property(account, (roles) => {
        const principals = principalsOf(analysisData(...roles));
        const fast = principalEdges(principals).map(key).sort();
        const slow = principalEdges(principals, { exhaustive: true }).map(key).sort();
        expect(fast).toEqual(slow);
      }),
      { numRuns: 150 },
    );
  });

  it('never says "not mentioned" for an action the engine allows', () => {
    fc.assert(
      fc.property(
        account,
        fc.constantFrom(...ACTIONS.filter((a) => !a.includes('*'))),
        fc.constantFrom(...RESOURCES),
        (roles, action, resource) => {
          for (const p of principalsOf(analysisData(...roles))) {
            if (
              principalDecision(p, action, resource, {
                extra: { 'iam:PassedToService': 'lambda.amazonaws.com' },
              }).decision === 'Allow'
            ) {
              expect(identityMentions(p, action)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
