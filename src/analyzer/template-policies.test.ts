import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTemplate, checkTemplateText, findTemplatePolicies, substitute } from './template-policies.js';
import { UNRESOLVED } from './policy-checks/patterns.js';

const DEMO = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../examples/demo-stack.yaml');

const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Boundary:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: '*'
            Resource: '*'
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      PermissionsBoundary: !Ref Boundary
      AssumeRolePolicyDocument: !Sub |
        {
          "Version": "2012-10-17",
          "Statement": [{
            "Effect": "Allow",
            "Principal": { "Federated": "arn:aws:iam::\${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com" },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": { "StringEquals": { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" } }
          }]
        }
      Policies:
        - PolicyName: deploy
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: [iam:PassRole, 's3:GetObjekt']
                Resource: '*'
              - Effect: Allow
                Action: s3:GetObject
                Resource: !Sub 'arn:\${AWS::Partition}:s3:::\${Bucket}/*'
                Condition:
                  StringEquals: { 'aws:SourceAccount': !Ref AWS::AccountId }
              - !If
                - IsProd
                - Effect: Allow
                  Action: sqs:SendMessage
                  Resource: !GetAtt Queue.Arn
                - !Ref AWS::NoValue
  Managed:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: '*'
            Resource: '*'
  Bucket:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: b
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: '*'
            Action: s3:GetObject
            Resource: arn:aws:s3:::b/*
`;

describe('findTemplatePolicies', () => {
  it('finds trust, inline, managed, boundary and resource policies with their kinds', () => {
    const found = findTemplatePolicies(TEMPLATE).map((p) => [p.policy, p.kind, p.subject.kind]);
    expect(found).toEqual([
      ['Boundary', 'boundary', 'policy'],
      ['AppRole/trust', 'trust', 'role'],
      ['AppRole/deploy', 'identity', 'role'],
      ['Managed', 'identity', 'policy'],
      ['Bucket', 'resource', 'policy'],
    ]);
  });

  it('keeps the first branch of Fn::If and marks intrinsic values unresolved', () => {
    const deploy = findTemplatePolicies(TEMPLATE).find((p) => p.policy === 'AppRole/deploy');
    const doc = JSON.parse(deploy?.text ?? '{}') as { Statement: { Resource: string; Action: unknown }[] };
    expect(doc.Statement).toHaveLength(3);
    expect(doc.Statement[2]?.Action).toBe('sqs:SendMessage');
    expect(doc.Statement[2]?.Resource).toBe(UNRESOLVED);
    expect(doc.Statement[1]?.Resource).toMatch(/^arn:\uE000+:s3:::\uE000+\/\*$/);
  });

  it('reads a conditional inline policy as its first branch', () => {
    const text = [
      'Resources:',
      '  R:',
      '    Type: AWS::IAM::Role',
      '    Properties:',
      '      Policies:',
      '        - !If',
      '          - IsProd',
      '          - PolicyName: prod-only',
      '            PolicyDocument: { Statement: { Effect: Allow, Action: s3:GetObject, Resource: "*" } }',
      '          - !Ref AWS::NoValue',
    ].join('\n');
    expect(findTemplatePolicies(text).map((p) => p.policy)).toEqual(['R/prod-only']);
  });

  it('reads JSON templates the same way', () => {
    const json = JSON.stringify({
      Resources: {
        R: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
              ],
            },
            Policies: [
              {
                PolicyName: 'p',
                PolicyDocument: {
                  Statement: {
                    Effect: 'Allow',
                    Action: 's3:GetObject',
                    Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::b/*' },
                  },
                },
              },
            ],
          },
        },
      },
    });
    expect(findTemplatePolicies(json).map((p) => p.policy)).toEqual(['R/trust', 'R/p']);
  });
});

describe('checkTemplateText', () => {
  it('reports findings at their line and column in the template', async () => {
    const findings = await checkTemplateText(TEMPLATE, 'stack.yaml');
    const at = (code: string, policy: string) =>
      findings.find((f) => f.code === code && f.location?.policy === policy)?.location;
    // Action list of the inline policy, second item: `'s3:GetObjekt'` on line 32.
    expect(at('INVALID_ACTION', 'AppRole/deploy')).toMatchObject({
      file: 'stack.yaml',
      line: 32,
      column: 40,
      path: 'Statement[0].Action[1]',
    });
    expect(at('PASS_ROLE_WITH_STAR_IN_RESOURCE', 'AppRole/deploy')).toMatchObject({ line: 32, column: 26 });
    // Inside the `!Sub |` JSON text: the Federated value on line 21.
    expect(at('WEB_IDENTITY_MISSING_SUB_CONDITION', 'AppRole/trust')).toMatchObject({ line: 21, column: 41 });
    expect(at('ALLOW_ALL_ACTIONS_ON_ALL_RESOURCES', 'Managed')).toMatchObject({ line: 52, column: 13 });
    expect(at('ALLOW_ANY_PRINCIPAL_WITHOUT_CONDITION', 'Bucket')).toMatchObject({ line: 62, column: 13 });
    expect(findings.find((f) => f.code === 'WEB_IDENTITY_MISSING_SUB_CONDITION')?.subject).toEqual({
      kind: 'role',
      name: 'AppRole',
    });
  });

  it('checks a boundary as a boundary: Action "*" on "*" is how boundaries are written', async () => {
    const findings = await checkTemplateText(TEMPLATE, 'stack.yaml');
    expect(findings.filter((f) => f.location?.policy === 'Boundary')).toEqual([]);
  });

  it('raises nothing for intrinsic functions (no unknown action, ARN or principal)', async () => {
    const findings = await checkTemplateText(TEMPLATE, 'stack.yaml');
    const deploy = findings.filter((f) => f.location?.policy === 'AppRole/deploy').map((f) => f.code);
    expect(deploy.sort()).toEqual(['INVALID_ACTION', 'PASS_ROLE_WITH_STAR_IN_RESOURCE']);
  });

  it('reports a template that does not parse as one TEMPLATE_SYNTAX_ERROR', async () => {
    const findings = await checkTemplateText('Resources:\n  A: [unclosed\n', 'bad.yaml');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      code: 'TEMPLATE_SYNTAX_ERROR',
      severity: 'ERROR',
      location: { file: 'bad.yaml' },
    });
  });

  it('says when a computed element leaves nothing to check', async () => {
    const text = [
      'Resources:',
      '  P:',
      '    Type: AWS::IAM::ManagedPolicy',
      '    Properties:',
      '      PolicyDocument:',
      "        Version: '2012-10-17'",
      '        Statement:',
      '          - Effect: !Ref EffectParameter',
      '            Action: s3:GetObject',
      "            Resource: '*'",
    ].join('\n');
    const findings = await checkTemplateText(text, 't.yaml');
    expect(findings.map((f) => [f.code, f.severity, f.location?.line])).toEqual([
      ['UNRESOLVED_POLICY_ELEMENT', 'WARNING', 8],
    ]);
  });

  it('does not call JSON that !Sub completes a syntax error', async () => {
    const text = [
      'Resources:',
      '  R:',
      '    Type: AWS::IAM::Role',
      '    Properties:',
      '      AssumeRolePolicyDocument: !Sub |',
      '        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",',
      '          "Principal": ${Principals}, "Action": "sts:AssumeRole"}]}',
    ].join('\n');
    const findings = await checkTemplateText(text, 't.yaml');
    expect(findings).toEqual([
      expect.objectContaining({
        code: 'UNRESOLVED_POLICY_ELEMENT',
        location: expect.objectContaining({ line: 7, column: 24 }),
      }),
    ]);
  });

  it('finds nothing in the demo stack', async () => {
    expect(await checkTemplate(DEMO, { displayPath: 'examples/demo-stack.yaml' })).toEqual([]);
  });
});

describe('substitute', () => {
  it('keeps escapes and known values, blanks the rest column for column', () => {
    expect(substitute('a-${!Literal}-${X}-${Y}', new Map([['X', 'x']]))).toBe(
      `a-\${Literal}-x-${UNRESOLVED.repeat(4)}`,
    );
  });
});
