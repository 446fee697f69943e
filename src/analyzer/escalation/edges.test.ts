/**
 * Each principal edge, decided by the policy engine, for the known escalation methods (IAM actions
 * as the AWS docs list them), and the cases where reading names would answer wrongly: Deny,
 * NotAction, unmet conditions, boundaries, trust policies, resource patterns.
 */
import { describe, expect, it } from 'vitest';
import {
  allow,
  analysisData,
  arnOf,
  deny,
  doc,
  policyArnOf,
  trustAws,
  trustServices,
  userArnOf,
  type RoleSpec,
} from '../test-support/escalation-fixtures.js';
import { principalEdges, type PrincipalEdge } from './edges.js';
import { principalsOf } from './principals.js';

const ATTACKER = arnOf('attacker');
const TARGET = arnOf('target');

function edgesOf(
  attacker: Omit<RoleSpec, 'name'>,
  target: Omit<RoleSpec, 'name'> = {},
  versions?: number,
): PrincipalEdge[] {
  const data = analysisData(
    { name: 'attacker', instances: ['i-web'], ...attacker },
    { name: 'target', ...target },
  );
  return principalEdges(
    principalsOf(data),
    versions === undefined
      ? {}
      : { policyVersionCounts: new Map([[policyArnOf('target-managed'), versions]]) },
  );
}

function kindsTo(edges: PrincipalEdge[], to = TARGET): string[] {
  return edges
    .filter((e) => e.from === ATTACKER && e.to === to)
    .map((e) => e.kind)
    .sort();
}

interface Case {
  name: string;
  attacker: Omit<RoleSpec, 'name'>;
  target?: Omit<RoleSpec, 'name'>;
  versions?: number;
  expected: string[];
}

const inline = (...statements: Record<string, unknown>[]): Omit<RoleSpec, 'name'> => ({
  inline: { escalate: doc(...statements) },
});

const POSITIVE: Case[] = [
  {
    name: 'iam:PutRolePolicy',
    attacker: inline(allow('iam:PutRolePolicy', TARGET)),
    expected: ['put-role-policy'],
  },
  {
    name: 'iam:AttachRolePolicy',
    attacker: inline(allow('iam:AttachRolePolicy', TARGET)),
    expected: ['attach-role-policy'],
  },
  {
    name: 'iam:CreatePolicyVersion on a policy attached to the target',
    attacker: inline(allow('iam:CreatePolicyVersion', policyArnOf('target-managed'))),
    target: { managed: { 'target-managed': doc(allow('s3:GetObject')) } },
    expected: ['create-policy-version'],
  },
  {
    name: 'iam:SetDefaultPolicyVersion on a policy with another version',
    attacker: inline(allow('iam:SetDefaultPolicyVersion', policyArnOf('target-managed'))),
    target: { managed: { 'target-managed': doc(allow('s3:GetObject')) } },
    versions: 2,
    expected: ['create-policy-version'],
  },
  {
    name: 'iam:UpdateAssumeRolePolicy (then sts:AssumeRole through the rewritten trust)',
    attacker: inline(allow('iam:UpdateAssumeRolePolicy', TARGET)),
    expected: ['update-assume-role-policy'],
  },
  {
    name: 'iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction to a role trusting Lambda',
    attacker: inline(
      allow('iam:PassRole', TARGET),
      allow(['lambda:CreateFunction', 'lambda:InvokeFunction']),
    ),
    target: { trust: trustServices('lambda.amazonaws.com') },
    expected: ['pass-role'],
  },
  {
    name: 'iam:PassRole + ec2:RunInstances to a role trusting EC2',
    attacker: inline(allow('iam:PassRole', TARGET), allow('ec2:RunInstances')),
    expected: ['pass-role'],
  },
  {
    name: 'iam:PassRole + ecs:RegisterTaskDefinition + ecs:RunTask to a role trusting ECS tasks',
    attacker: inline(allow('iam:PassRole', TARGET), allow(['ecs:RegisterTaskDefinition', 'ecs:RunTask'])),
    target: { trust: trustServices('ecs-tasks.amazonaws.com') },
    expected: ['pass-role'],
  },
  {
    name: 'lambda:CreateFunction limited to a name pattern still runs code',
    attacker: inline(
      allow('iam:PassRole', TARGET, {
        Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
      }),
      allow(['lambda:CreateFunction', 'lambda:InvokeFunction'], 'arn:aws:lambda:*:*:function:build-*'),
    ),
    target: { trust: trustServices('lambda.amazonaws.com') },
    expected: ['pass-role'],
  },
  {
    name: 'sts:AssumeRole allowed by identity policy and by a trust naming the account',
    attacker: inline(allow('sts:AssumeRole', TARGET)),
    target: { trust: trustAws('arn:aws:iam::123456789012:root') },
    expected: ['assume'],
  },
  {
    name: 'sts:AssumeRole by a trust naming the caller role, without any identity policy (STS rule)',
    attacker: {},
    target: { trust: trustAws(ATTACKER) },
    expected: ['assume'],
  },
  {
    name: 'NotAction of another service covers iam:PutRolePolicy (name matching on "iam" would miss it)',
    attacker: inline({ Effect: 'Allow', NotAction: 's3:*', Resource: '*' }),
    expected: ['attach-role-policy', 'pass-role', 'put-role-policy', 'update-assume-role-policy'],
  },
  {
    name: 'a wildcard action iam:Put* is resolved by the engine',
    attacker: inline(allow('iam:Put*', 'arn:aws:iam::*:role/t*')),
    expected: ['put-role-policy'],
  },
];

const NEGATIVE: Case[] = [
  {
    name: 'an explicit Deny overrides the Allow',
    attacker: inline(
      allow('iam:*'),
      deny('iam:PutRolePolicy', TARGET),
      deny('iam:AttachRolePolicy'),
      deny('iam:UpdateAssumeRolePolicy'),
    ),
    expected: [],
  },
  {
    name: 'NotAction iam:* grants no IAM action',
    attacker: inline({ Effect: 'Allow', NotAction: ['iam:*', 'sts:*'], Resource: '*' }),
    expected: [],
  },
  {
    name: 'iam:PassedToService limited to another service',
    attacker: inline(
      allow('iam:PassRole', TARGET, {
        Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      }),
      allow(['lambda:CreateFunction', 'lambda:InvokeFunction', 'ec2:RunInstances']),
    ),
    target: { trust: trustServices('lambda.amazonaws.com') },
    expected: [],
  },
  {
    name: 'the permissions boundary does not allow IAM',
    attacker: { ...inline(allow('iam:*')), boundary: doc(allow('s3:*')) },
    expected: [],
  },
  {
    name: 'the boundary stops the rewritten-trust assumption (trust naming the role still needs the boundary)',
    attacker: {
      ...inline(allow('iam:UpdateAssumeRolePolicy')),
      boundary: doc(allow('iam:UpdateAssumeRolePolicy')),
    },
    expected: [],
  },
  {
    name: 'the trust policy allows only another role',
    attacker: inline(allow('sts:AssumeRole')),
    target: { trust: trustAws(arnOf('someone-else')) },
    expected: [],
  },
  {
    name: 'a trust naming the account needs the identity side too',
    attacker: {},
    target: { trust: trustAws('arn:aws:iam::123456789012:root') },
    expected: [],
  },
  {
    name: 'the resource pattern excludes the target',
    attacker: inline(
      allow(['iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:PassRole'], arnOf('app-*')),
      allow('ec2:RunInstances'),
    ),
    expected: [],
  },
  {
    name: 'PassRole without a way to run code',
    attacker: inline(allow('iam:PassRole')),
    expected: [],
  },
  {
    name: 'PassRole + RunInstances to a role that does not trust EC2',
    attacker: inline(allow('iam:PassRole'), allow('ec2:RunInstances')),
    target: { trust: trustServices('lambda.amazonaws.com') },
    expected: [],
  },
  {
    name: 'lambda:CreateFunction without a way to invoke it',
    attacker: inline(allow('iam:PassRole'), allow('lambda:CreateFunction')),
    target: { trust: trustServices('lambda.amazonaws.com') },
    expected: [],
  },
  {
    name: 'CreatePolicyVersion on a policy not attached to the target',
    attacker: inline(allow('iam:CreatePolicyVersion', policyArnOf('other'))),
    target: { managed: { 'target-managed': doc(allow('s3:GetObject')) } },
    expected: [],
  },
  {
    name: 'SetDefaultPolicyVersion on a policy with a single version',
    attacker: inline(allow('iam:SetDefaultPolicyVersion')),
    target: { managed: { 'target-managed': doc(allow('s3:GetObject')) } },
    versions: 1,
    expected: [],
  },
  {
    name: 'AttachRolePolicy limited by iam:PolicyARN to a read-only policy',
    attacker: inline(
      allow('iam:AttachRolePolicy', TARGET, {
        Condition: { ArnEquals: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/ReadOnlyAccess' } },
      }),
    ),
    expected: [],
  },
  {
    name: 'a condition on MFA that a workload session cannot meet',
    attacker: inline(
      allow('iam:PutRolePolicy', TARGET, { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }),
    ),
    expected: [],
  },
];

describe('principal edges', () => {
  it.each(POSITIVE)('$name', ({ attacker, target, versions, expected }) => {
    expect(kindsTo(edgesOf(attacker, target, versions))).toEqual(expected);
  });
  it.each(NEGATIVE)('no edge: $name', ({ attacker, target, versions, expected }) => {
    expect(kindsTo(edgesOf(attacker, target, versions))).toEqual(expected);
  });

  it('records the allowing actions and the deciding statements', () => {
    const edges = edgesOf(
      inline(
        { Sid: 'Pass', ...allow('iam:PassRole', TARGET) },
        { Sid: 'Run', ...allow(['lambda:CreateFunction', 'lambda:InvokeFunction']) },
      ),
      { trust: trustServices('lambda.amazonaws.com') },
    );
    const e = edges.find((x) => x.kind === 'pass-role')!;
    expect(e.actions).toEqual(['iam:PassRole', 'lambda:CreateFunction', 'lambda:InvokeFunction']);
    expect(e.via).toBe('lambda.amazonaws.com');
    expect(e.because).toEqual([
      'identity policy attacker/escalate Statement[0] (Sid Pass)',
      'identity policy attacker/escalate Statement[1] (Sid Run)',
    ]);
    const assume = edgesOf(
      { inline: { a: doc(allow('sts:AssumeRole')) } },
      { trust: trustAws(ATTACKER) },
    ).find((x) => x.kind === 'assume')!;
    expect(assume.because).toEqual([
      'identity policy attacker/a Statement[0]',
      'trust policy target/trust Statement[0]',
    ]);
  });

  it('makes self-edges for a principal that can widen itself, but no self-assume', () => {
    const data = analysisData({
      name: 'attacker',
      trust: trustAws(ATTACKER),
      inline: { p: doc(allow(['iam:PutRolePolicy', 'sts:AssumeRole'], ATTACKER)) },
    });
    const edges = principalEdges(principalsOf(data));
    expect(edges.map((e) => `${e.kind}:${e.from === e.to}`)).toEqual(['put-role-policy:true']);
  });

  it('makes create-access-key edges to users, decided on the user ARN', () => {
    const data = analysisData({
      name: 'attacker',
      inline: { p: doc(allow('iam:CreateAccessKey', userArnOf('ops-*'))) },
    });
    const user = (name: string) => ({
      arn: userArnOf(name),
      userName: name,
      accountId: '123456789012',
      identityPolicies: [],
    });
    const edges = principalEdges(principalsOf(data, [user('ops-admin'), user('dev')]));
    expect(edges.map((e) => `${e.kind}->${e.to}`)).toEqual([`create-access-key->${userArnOf('ops-admin')}`]);
  });

  it('decides assume edges on the unique id a trust policy holds, as STS does: a user recreated under the name gets none', () => {
    // After `bob` was deleted, the stored trust policy names bob's unique id (IAM's binding).
    const OLD_ID = 'AIDAOLDBOB0000000000X';
    const data = analysisData({ name: 'target', trust: trustAws(OLD_ID) });
    const bob = (userId: string) => ({
      arn: userArnOf('bob'),
      userName: 'bob',
      userId,
      accountId: '123456789012',
      identityPolicies: [],
    });
    const assumes = (userId: string) =>
      principalEdges(principalsOf(data, [bob(userId)])).filter((e) => e.from === userArnOf('bob'));
    expect(assumes('AIDANEWBOB0000000000X')).toEqual([]);
    expect(assumes(OLD_ID).map((e) => `${e.kind}->${e.to}`)).toEqual([`assume->${TARGET}`]);
  });

  it('lets a user be the source of edges, with its own identity policies', () => {
    const data = analysisData({ name: 'target' });
    const edges = principalEdges(
      principalsOf(data, [
        {
          arn: userArnOf('dev'),
          userName: 'dev',
          accountId: '123456789012',
          identityPolicies: [
            { name: 'dev/p', document: doc(allow('iam:AttachRolePolicy', TARGET)), source: 'inline' },
          ],
        },
      ]),
    );
    expect(edges.map((e) => `${e.from} ${e.kind} ${e.to}`)).toEqual([
      `${userArnOf('dev')} attach-role-policy ${TARGET}`,
    ]);
  });
});
