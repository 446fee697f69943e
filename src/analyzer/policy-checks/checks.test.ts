/**
 * One policy that triggers each check and one that does not (the closest correct variant), table
 * driven. The grammar codes have their own tests in `policy/validate.test.ts`; here only that
 * they come through as findings.
 */
import { describe, expect, it } from 'vitest';
import { checkPolicy } from './check-policy.js';
import type { PolicyCheckKind } from './context.js';
import { UNRESOLVED } from './patterns.js';

type Doc = Record<string, unknown>;
const V = '2012-10-17';
const allow = (statement: Doc): Doc => ({ Version: V, Statement: [{ Effect: 'Allow', ...statement }] });
const deny = (statement: Doc): Doc => ({ Version: V, Statement: [{ Effect: 'Deny', ...statement }] });
const trust = (statement: Doc): Doc => ({ Version: V, Statement: [{ Effect: 'Allow', ...statement }] });
const GITHUB = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';

interface Case {
  code: string;
  kind?: PolicyCheckKind;
  trigger: Doc;
  clean: Doc;
  /** JSON path of the finding in `trigger`. */
  path: string;
  severity?: string;
}

const CASES: Case[] = [
  {
    code: 'MISSING_VERSION',
    trigger: { Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' } },
    clean: allow({ Action: 's3:GetObject', Resource: '*' }),
    path: '',
    severity: 'WARNING',
  },
  {
    code: 'OUTDATED_VERSION',
    trigger: { Version: '2008-10-17', Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' } },
    clean: allow({ Action: 's3:GetObject', Resource: '*' }),
    path: 'Version',
    severity: 'WARNING',
  },
  {
    code: 'INVALID_SERVICE_IN_ACTION',
    trigger: allow({ Action: ['s3:GetObject', 's4:GetObject'], Resource: '*' }),
    clean: allow({ Action: ['s3:GetObject'], Resource: '*' }),
    path: 'Statement[0].Action[1]',
    severity: 'ERROR',
  },
  {
    code: 'INVALID_ACTION',
    trigger: allow({ Action: 's3:GetObjekt', Resource: '*' }),
    clean: allow({ Action: 's3:getobject', Resource: '*' }),
    path: 'Statement[0].Action',
    severity: 'ERROR',
  },
  {
    code: 'INVALID_ACTION',
    trigger: allow({ Action: 'sqs:Fly*', Resource: '*' }),
    clean: allow({ Action: 'sqs:Send*', Resource: '*' }),
    path: 'Statement[0].Action',
  },
  {
    code: 'INVALID_CONDITION_KEY_FORMAT',
    trigger: allow({ Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { SourceIp: 'x' } } }),
    clean: allow({
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { StringEquals: { 's3:prefix': 'x' } },
    }),
    path: 'Statement[0].Condition.StringEquals.SourceIp',
  },
  {
    code: 'INVALID_GLOBAL_CONDITION_KEY',
    trigger: allow({
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { IpAddress: { 'aws:SourceIpAddress': '203.0.113.0/24' } },
    }),
    clean: allow({
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { IpAddress: { 'aws:sourceip': '203.0.113.0/24' } },
    }),
    path: 'Statement[0].Condition.IpAddress.aws:SourceIpAddress',
  },
  {
    code: 'INVALID_GLOBAL_CONDITION_KEY',
    trigger: allow({
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { StringEquals: { 'aws:PrincipalTags/team': 'a' } },
    }),
    clean: allow({
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { StringEquals: { 'aws:PrincipalTag/team': 'a' } },
    }),
    path: 'Statement[0].Condition.StringEquals.aws:PrincipalTags/team',
  },
  {
    code: 'INVALID_SERVICE',
    trigger: allow({
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { StringEquals: { 'ss3:prefix': 'a' } },
    }),
    clean: allow({ Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'saml:sub': 'a' } } }),
    path: 'Statement[0].Condition.StringEquals.ss3:prefix',
  },
  {
    code: 'INVALID_SERVICE_CONDITION_KEY',
    trigger: allow({
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { StringEquals: { 's3:ExistingObjectTags/team': 'a' } },
    }),
    clean: allow({
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { StringEquals: { 's3:ExistingObjectTag/team': 'a' } },
    }),
    path: 'Statement[0].Condition.StringEquals.s3:ExistingObjectTags/team',
  },
  {
    code: 'FORALLVALUES_WITH_SINGLE_VALUED_KEY',
    trigger: allow({
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { 'ForAllValues:StringEquals': { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
    }),
    clean: allow({
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team'] } },
    }),
    path: 'Statement[0].Condition.ForAllValues:StringEquals.aws:PrincipalOrgID',
    severity: 'SECURITY_WARNING',
  },
  {
    code: 'MISSING_QUALIFIER',
    trigger: allow({
      Action: 'ec2:CreateTags',
      Resource: '*',
      Condition: { StringEquals: { 'aws:TagKeys': 'team' } },
    }),
    clean: allow({
      Action: 'ec2:CreateTags',
      Resource: '*',
      Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'team' } },
    }),
    path: 'Statement[0].Condition.StringEquals.aws:TagKeys',
    severity: 'ERROR',
  },
  {
    code: 'RESOURCE_TYPE_MISMATCH',
    trigger: allow({ Action: 's3:ListBucket', Resource: 'arn:aws:s3:::reports/*' }),
    clean: allow({ Action: 's3:ListBucket', Resource: 'arn:aws:s3:::reports' }),
    path: 'Statement[0].Action',
    severity: 'WARNING',
  },
  {
    // Log group names hold `/`: the Lambda basic execution policy's `log-group:/aws/lambda/x:*`
    // matches log streams; only a name with `:` in it cannot.
    code: 'RESOURCE_TYPE_MISMATCH',
    trigger: allow({
      Action: 'logs:CreateLogStream',
      Resource: 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/x',
    }),
    clean: allow({
      Action: 'logs:CreateLogStream',
      Resource: 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/x:*',
    }),
    path: 'Statement[0].Action',
    severity: 'WARNING',
  },
  {
    code: 'RESOURCE_TYPE_MISMATCH',
    trigger: deny({ Action: 's3:Get*', Resource: 'arn:aws:sqs:us-east-1:123456789012:queue' }),
    clean: deny({ Action: 's3:Get*', Resource: 'arn:aws:s3:::b' }),
    path: 'Statement[0].Action',
    severity: 'SECURITY_WARNING',
  },
  {
    code: 'UNMATCHED_RESOURCE',
    trigger: allow({ Action: 's3:GetObject', Resource: ['arn:aws:s3:::b/*', 'arn:aws:s3:::b'] }),
    clean: allow({
      Action: ['s3:GetObject', 's3:ListBucket'],
      Resource: ['arn:aws:s3:::b/*', 'arn:aws:s3:::b'],
    }),
    path: 'Statement[0].Resource[1]',
    severity: 'WARNING',
  },
  {
    code: 'UNMATCHED_RESOURCE',
    trigger: allow({
      Action: ['sqs:SendMessage', 's3:GetObject'],
      Resource: ['arn:aws:s3:::b/*', 'arn:aws:sns:us-east-1:123456789012:t'],
    }),
    // No action matches anything: RESOURCE_TYPE_MISMATCH on the action says it all.
    clean: allow({ Action: 'sqs:SendMessage', Resource: 'arn:aws:sns:us-east-1:123456789012:t' }),
    path: 'Statement[0].Resource[1]',
  },
  {
    code: 'WILDCARD_ONLY_ACTION_WITH_RESOURCE',
    trigger: allow({ Action: 's3:ListAllMyBuckets', Resource: 'arn:aws:s3:::b' }),
    clean: allow({ Action: 's3:ListAllMyBuckets', Resource: '*' }),
    path: 'Statement[0].Action',
  },
  {
    code: 'INVALID_ARN_RESOURCE',
    trigger: allow({ Action: 'iam:GetRole', Resource: 'arn:aws:iam::123456789012:rolle/app' }),
    clean: allow({ Action: 'iam:GetRole', Resource: 'arn:aws:iam::123456789012:role/app' }),
    path: 'Statement[0].Resource',
    severity: 'ERROR',
  },
  {
    code: 'PASS_ROLE_WITH_STAR_IN_RESOURCE',
    trigger: allow({ Action: ['iam:PassRole', 's3:GetObject'], Resource: '*' }),
    clean: allow({ Action: 'iam:PassRole', Resource: 'arn:aws:iam::123456789012:role/app-task' }),
    path: 'Statement[0].Action[0]',
    severity: 'SECURITY_WARNING',
  },
  {
    code: 'PASS_ROLE_WITH_STAR_IN_RESOURCE',
    trigger: allow({ Action: 'iam:PassRole', Resource: 'arn:aws:iam::123456789012:role/*' }),
    clean: allow({
      Action: 'iam:PassRole',
      Resource: '*',
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    }),
    path: 'Statement[0].Action',
  },
  {
    code: 'PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE',
    trigger: allow({ Action: 'iam:Pass*', Resource: '*' }),
    clean: allow({ Action: 'iam:Get*', Resource: '*' }),
    path: 'Statement[0].Action',
  },
  {
    code: 'PASS_ROLE_WITH_NOT_RESOURCE',
    trigger: allow({ Action: 'iam:PassRole', NotResource: 'arn:aws:iam::123456789012:role/admin' }),
    clean: deny({ Action: 'iam:PassRole', NotResource: 'arn:aws:iam::123456789012:role/app' }),
    path: 'Statement[0].Action',
  },
  {
    code: 'PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE',
    trigger: allow({ Action: 'iam:*', NotResource: 'arn:aws:iam::123456789012:role/admin' }),
    clean: allow({ Action: 'iam:List*', NotResource: 'arn:aws:iam::123456789012:role/admin' }),
    path: 'Statement[0].Action',
  },
  {
    code: 'PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION',
    trigger: allow({ NotAction: 's3:*', Resource: '*' }),
    clean: allow({ NotAction: ['s3:*', 'iam:*'], Resource: '*' }),
    path: 'Statement[0].NotAction',
  },
  {
    code: 'PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE',
    trigger: allow({ NotAction: 's3:*', NotResource: 'arn:aws:s3:::b' }),
    clean: allow({ NotAction: 'iam:PassRole', NotResource: 'arn:aws:s3:::b' }),
    path: 'Statement[0].NotAction',
  },
  {
    code: 'CREATE_SLR_WITH_STAR_IN_RESOURCE',
    trigger: allow({ Action: 'iam:CreateServiceLinkedRole', Resource: '*' }),
    clean: allow({
      Action: 'iam:CreateServiceLinkedRole',
      Resource: 'arn:aws:iam::*:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS',
    }),
    path: 'Statement[0].Action',
    severity: 'WARNING',
  },
  {
    code: 'ALLOW_ALL_ACTIONS_ON_ALL_RESOURCES',
    trigger: allow({ Action: '*', Resource: '*' }),
    clean: allow({ Action: 's3:*', Resource: '*' }),
    path: 'Statement[0].Action',
    severity: 'SECURITY_WARNING',
  },
  {
    code: 'ALLOW_WITH_NOT_ACTION',
    trigger: allow({ NotAction: 'iam:*', Resource: '*' }),
    clean: deny({ NotAction: 'iam:*', Resource: '*' }),
    path: 'Statement[0].NotAction',
    severity: 'SECURITY_WARNING',
  },
  {
    code: 'ALLOW_WITH_NOT_RESOURCE',
    trigger: allow({ Action: 's3:GetObject', NotResource: 'arn:aws:s3:::secret/*' }),
    clean: deny({ Action: 's3:GetObject', NotResource: 'arn:aws:s3:::public/*' }),
    path: 'Statement[0].NotResource',
  },
  {
    code: 'REDUNDANT_ACTION',
    trigger: allow({ Action: ['s3:GetObject', 's3:Get*'], Resource: '*' }),
    clean: allow({ Action: ['s3:*Object', 's3:Get*'], Resource: '*' }),
    path: 'Statement[0].Action[0]',
    severity: 'SUGGESTION',
  },
  {
    code: 'REDUNDANT_ACTION',
    trigger: allow({ Action: ['sqs:SendMessage', 'sqs:sendmessage'], Resource: '*' }),
    clean: allow({ Action: ['sqs:SendMessage', 'sqs:ReceiveMessage'], Resource: '*' }),
    path: 'Statement[0].Action[1]',
  },
  {
    code: 'REDUNDANT_RESOURCE',
    trigger: allow({ Action: 's3:GetObject', Resource: ['arn:aws:s3:::b/*', 'arn:aws:s3:::b/logs/*'] }),
    clean: allow({ Action: 's3:GetObject', Resource: ['arn:aws:s3:::b/*', 'arn:aws:s3:::c/*'] }),
    path: 'Statement[0].Resource[1]',
  },
  {
    code: 'REDUNDANT_STATEMENT',
    trigger: {
      Version: V,
      Statement: [
        { Effect: 'Allow', Action: 's3:Get*', Resource: 'arn:aws:s3:::b/*' },
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::b/in/*',
          Condition: { Bool: { 'aws:SecureTransport': 'true' } },
        },
      ],
    },
    clean: {
      Version: V,
      Statement: [
        {
          Effect: 'Allow',
          Action: 's3:Get*',
          Resource: 'arn:aws:s3:::b/*',
          Condition: { Bool: { 'aws:SecureTransport': 'true' } },
        },
        { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/in/*' },
      ],
    },
    path: 'Statement[1]',
    severity: 'SUGGESTION',
  },
  {
    code: 'ALLOW_ANY_PRINCIPAL_WITHOUT_CONDITION',
    kind: 'trust',
    trigger: trust({ Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }),
    clean: trust({
      Principal: { AWS: '*' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
    }),
    path: 'Statement[0].Principal',
    severity: 'SECURITY_WARNING',
  },
  {
    code: 'ALLOW_ANY_PRINCIPAL_WITHOUT_CONDITION',
    kind: 'resource',
    trigger: allow({ Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }),
    clean: allow({
      Principal: { AWS: '123456789012' },
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::b/*',
    }),
    path: 'Statement[0].Principal',
  },
  {
    code: 'WEB_IDENTITY_MISSING_SUB_CONDITION',
    kind: 'trust',
    trigger: trust({
      Principal: { Federated: GITHUB },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
        StringLike: { 'token.actions.githubusercontent.com:sub': '*' },
      },
    }),
    clean: trust({
      Principal: { Federated: GITHUB },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
        StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:acme/app:ref:refs/heads/main' },
      },
    }),
    path: 'Statement[0].Principal.Federated',
    severity: 'SECURITY_WARNING',
  },
  {
    code: 'WEB_IDENTITY_MISSING_AUD_CONDITION',
    kind: 'trust',
    trigger: trust({
      Principal: {
        Federated: 'arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC',
      },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { 'oidc.eks.us-east-1.amazonaws.com/id/ABC:sub': 'system:serviceaccount:a:b' },
      },
    }),
    clean: trust({
      Principal: {
        Federated: 'arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC',
      },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          'oidc.eks.us-east-1.amazonaws.com/id/ABC:sub': 'system:serviceaccount:a:b',
          'oidc.eks.us-east-1.amazonaws.com/id/ABC:aud': 'sts.amazonaws.com',
        },
      },
    }),
    path: 'Statement[0].Principal.Federated',
    severity: 'WARNING',
  },
  {
    code: 'WEB_IDENTITY_MISSING_AUD_CONDITION',
    kind: 'trust',
    trigger: trust({
      Principal: { Federated: 'cognito-identity.amazonaws.com' },
      Action: 'sts:AssumeRoleWithWebIdentity',
    }),
    clean: trust({
      Principal: { Federated: 'cognito-identity.amazonaws.com' },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          'cognito-identity.amazonaws.com:aud': 'us-east-1:12345678-1234-1234-1234-123456789012',
        },
      },
    }),
    path: 'Statement[0].Principal.Federated',
    severity: 'SECURITY_WARNING',
  },
  {
    code: 'UNSUPPORTED_PRINCIPAL',
    trigger: allow({ Principal: '*', Action: 's3:GetObject', Resource: '*' }),
    clean: allow({ Action: 's3:GetObject', Resource: '*' }),
    path: 'Statement[0].Principal',
    severity: 'ERROR',
  },
  {
    code: 'UNSUPPORTED_ACTION_FOR_CONDITION_KEY',
    trigger: allow({
      Action: ['s3:ListBucket', 's3:GetObject'],
      Resource: '*',
      Condition: { StringLike: { 's3:prefix': 'home/*' } },
    }),
    clean: allow({
      Action: 's3:ListBucket',
      Resource: '*',
      Condition: { StringLike: { 's3:prefix': 'home/*' } },
    }),
    path: 'Statement[0].Condition.StringLike.s3:prefix',
    severity: 'ERROR',
  },
  {
    code: 'WILDCARD_WITHOUT_LIKE_OPERATOR',
    trigger: allow({
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { StringEquals: { 'aws:PrincipalTag/team': 'web-*' } },
    }),
    clean: allow({
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { StringLike: { 'aws:PrincipalTag/team': 'web-*' } },
    }),
    path: 'Statement[0].Condition.StringEquals.aws:PrincipalTag/team',
    severity: 'WARNING',
  },
  {
    code: 'TYPE_MISMATCH',
    trigger: allow({
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { StringEquals: { 'aws:MultiFactorAuthPresent': 'true' } },
    }),
    clean: allow({
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
    }),
    path: 'Statement[0].Condition.StringEquals',
    severity: 'WARNING',
  },
  {
    code: 'TYPE_MISMATCH_BOOLEAN',
    trigger: allow({
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { Bool: { 'aws:SecureTransport': 'yes' } },
    }),
    clean: allow({
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { Bool: { 'aws:SecureTransport': 'true' } },
    }),
    path: 'Statement[0].Condition.Bool.aws:SecureTransport',
  },
  {
    code: 'TYPE_MISMATCH_NUMBER',
    trigger: allow({
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': 'an hour' } },
    }),
    clean: allow({
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } },
    }),
    path: 'Statement[0].Condition.NumericLessThan.aws:MultiFactorAuthAge',
  },
  {
    code: 'TYPE_MISMATCH_DATE',
    trigger: allow({
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { DateLessThan: { 'aws:CurrentTime': 'next tuesday' } },
    }),
    clean: allow({
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { DateLessThan: { 'aws:CurrentTime': '2027-01-01T00:00:00Z' } },
    }),
    path: 'Statement[0].Condition.DateLessThan.aws:CurrentTime',
  },
  {
    code: 'TYPE_MISMATCH_IP_RANGE',
    trigger: allow({
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/33' } },
    }),
    clean: allow({
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '2001:db8::/32'] } },
    }),
    path: 'Statement[0].Condition.IpAddress.aws:SourceIp',
  },
  {
    code: 'ARN_REGION_NOT_ALLOWED',
    trigger: allow({ Action: 'iam:GetRole', Resource: 'arn:aws:iam:us-east-1:123456789012:role/web' }),
    clean: allow({ Action: 'iam:GetRole', Resource: 'arn:aws:iam::123456789012:role/web' }),
    path: 'Statement[0].Resource',
    severity: 'ERROR',
  },
  {
    code: 'ARN_ACCOUNT_NOT_ALLOWED',
    trigger: allow({ Action: 's3:GetObject', Resource: 'arn:aws:s3::123456789012:docs/*' }),
    clean: allow({ Action: 's3:GetObject', Resource: 'arn:aws:s3:::docs/*' }),
    path: 'Statement[0].Resource',
    severity: 'ERROR',
  },
  {
    code: 'MISMATCHED_ACTION_FOR_PRINCIPAL',
    kind: 'trust',
    trigger: trust({
      Principal: { Federated: GITHUB },
      Action: 'sts:AssumeRole',
      Condition: {
        StringEquals: {
          'token.actions.githubusercontent.com:sub': 'repo:o/r:ref:refs/heads/main',
          'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        },
      },
    }),
    clean: trust({
      Principal: { Federated: GITHUB },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          'token.actions.githubusercontent.com:sub': 'repo:o/r:ref:refs/heads/main',
          'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        },
      },
    }),
    path: 'Statement[0].Action',
    severity: 'ERROR',
  },
];

describe('checkPolicy', () => {
  for (const c of CASES) {
    const kind = c.kind ?? 'identity';
    it(`${c.code}: reported for ${JSON.stringify(c.trigger.Statement ?? c.trigger).slice(0, 90)}`, async () => {
      const findings = await checkPolicy(JSON.stringify(c.trigger, null, 2), { kind, policy: 'p' });
      const hit = findings.find((f) => f.code === c.code);
      expect(hit, JSON.stringify(findings.map((f) => f.code))).toBeDefined();
      expect(hit?.location?.path).toBe(c.path);
      expect(hit?.location?.line).toBeGreaterThan(0);
      expect(hit?.location?.policy).toBe('p');
      expect(hit?.category).toBe('policy');
      if (c.severity !== undefined) expect(hit?.severity).toBe(c.severity);
    });
    it(`${c.code}: not reported for ${JSON.stringify(c.clean.Statement ?? c.clean).slice(0, 90)}`, async () => {
      const findings = await checkPolicy(JSON.stringify(c.clean, null, 2), { kind });
      expect(findings.map((f) => f.code)).not.toContain(c.code);
    });
  }

  it('points at line and column of the value', async () => {
    const text =
      '{\n  "Version": "2012-10-17",\n  "Statement": [{\n    "Effect": "Allow",\n    "Action": ["s3:GetObject", "s3:Nope"],\n    "Resource": "*"\n  }]\n}';
    const [f] = await checkPolicy(text, { kind: 'identity' });
    expect(f).toMatchObject({
      code: 'INVALID_ACTION',
      location: { path: 'Statement[0].Action[1]', line: 5, column: 32 },
    });
  });

  it('orders findings most severe first and gives each its title', async () => {
    const findings = await checkPolicy(
      JSON.stringify({ Statement: [{ Effect: 'Allow', Action: ['iam:PassRole', 'x:y'], Resource: '*' }] }),
      { kind: 'identity' },
    );
    expect(findings.map((f) => [f.severity, f.code, f.title])).toEqual([
      ['ERROR', 'INVALID_SERVICE_IN_ACTION', 'Invalid service in action'],
      ['SECURITY_WARNING', 'PASS_ROLE_WITH_STAR_IN_RESOURCE', 'Pass role with star in resource'],
      ['WARNING', 'MISSING_VERSION', 'Missing version'],
    ]);
  });

  it('reports a document that does not parse as one ERROR and nothing else', async () => {
    const findings = await checkPolicy('{"Version": "2012-10-17", "Statement": [}', { kind: 'identity' });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      code: 'JSON_SYNTAX_ERROR',
      severity: 'ERROR',
      location: { line: 1 },
    });
  });

  it('finds nothing to say about a tight policy', async () => {
    const findings = await checkPolicy(
      JSON.stringify(
        allow({
          Action: ['s3:GetObject', 's3:PutObject'],
          Resource: 'arn:aws:s3:::bucket/${aws:username}/*',
          Condition: {
            StringEquals: { 'aws:ResourceTag/team': 'a', 's3:signatureversion': 'AWS4-HMAC-SHA256' },
          },
        }),
      ),
      { kind: 'identity' },
    );
    expect(findings).toEqual([]);
  });

  it('treats unresolved template values as unknown, not as errors or wildcards', async () => {
    const u = UNRESOLVED.repeat(3);
    const findings = await checkPolicy(
      JSON.stringify({
        Version: V,
        Statement: [
          { Effect: 'Allow', Action: ['iam:PassRole', `${u}:Get*`], Resource: `arn:aws:iam::${u}:role/${u}` },
          {
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: `arn:${u}:s3:::${u}/*`,
            Condition: { StringEquals: { [`${u}:sub`]: 'x' } },
          },
        ],
      }),
      { kind: 'identity' },
    );
    expect(findings).toEqual([]);
  });
});
