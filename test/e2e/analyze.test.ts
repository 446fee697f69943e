/**
 * `credplane analyze` as CI runs it: a stack applied with `credplane apply`, then the analysis as
 * JSON, with `--fail-on` turning findings into the exit code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credplaneCli, startCredplane, tempDir } from './support.js';
import type { Credplane } from './support.js';

const RISKY = `
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  SharedRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: shared
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - { Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: sts:AssumeRole }
      Policies:
        - PolicyName: read
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - { Effect: Allow, Action: s3:GetObject, Resource: 'arn:aws:s3:::bucket/*' }
  SharedProfile:
    Type: AWS::IAM::InstanceProfile
    Properties:
      InstanceProfileName: shared
      Roles: [!Ref SharedRole]
  LegacyInstance:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-0123456789abcdef0
      IamInstanceProfile: !Ref SharedProfile
      MetadataOptions: { HttpTokens: optional, HttpPutResponseHopLimit: 2 }
  ModernInstance:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-0123456789abcdef0
      IamInstanceProfile: !Ref SharedProfile
      MetadataOptions: { HttpTokens: required, HttpPutResponseHopLimit: 1 }
  CiProvider:
    Type: AWS::IAM::OIDCProvider
    Properties:
      Url: https://token.actions.githubusercontent.com
      ClientIdList: [sts.amazonaws.com]
      ThumbprintList: ['6938fd4d98bab03faadb97b34396831e3780aea1']
  CiRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: ci
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { Federated: !Ref CiProvider }
            Action: sts:AssumeRoleWithWebIdentity
            Condition:
              StringEquals: { 'token.actions.githubusercontent.com:aud': sts.amazonaws.com }
  AdminRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: admin
      MaxSessionDuration: 43200
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - { Effect: Allow, Principal: { AWS: '*' }, Action: sts:AssumeRole }
      ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]
`;

const CLEAN = `
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  WebRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: web
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - { Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: sts:AssumeRole }
      Policies:
        - PolicyName: read
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - { Effect: Allow, Action: s3:GetObject, Resource: 'arn:aws:s3:::bucket/static/*' }
  WebProfile:
    Type: AWS::IAM::InstanceProfile
    Properties:
      InstanceProfileName: web
      Roles: [!Ref WebRole]
  WebInstance:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-0123456789abcdef0
      IamInstanceProfile: !Ref WebProfile
      MetadataOptions: { HttpTokens: required, HttpPutResponseHopLimit: 1 }
`;

interface JsonFinding {
  code: string;
  severity: string;
  category: string;
  subject: { kind: string; name: string };
  details?: Record<string, unknown>;
}

async function applied(template: string): Promise<string> {
  const dir = tempDir('analyze');
  const file = path.join(dir, 'stack.yaml');
  fs.writeFileSync(file, template);
  const result = await credplaneCli(['apply', '-f', file, '--data-dir', path.join(dir, 'data')], dir);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return dir;
}

function analyze(dir: string, ...args: string[]) {
  return credplaneCli(['analyze', '--data-dir', path.join(dir, 'data'), ...args], dir);
}

describe('credplane analyze', () => {
  let risky: string;
  let clean: string;
  beforeAll(async () => {
    [risky, clean] = await Promise.all([applied(RISKY), applied(CLEAN)]);
  });
  afterAll(() => {
    for (const dir of [risky, clean]) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reports the posture findings of an applied stack as JSON', async () => {
    const result = await analyze(risky, '--format', 'json', '--checks', 'posture', '--fail-on', 'none');
    expect(result.code).toBe(0);
    const findings = (JSON.parse(result.stdout) as { findings: JsonFinding[] }).findings;
    const seen = findings.map(
      (f) => `${f.code} ${f.subject.kind}:${f.subject.kind === 'instance' ? 'i' : f.subject.name}`,
    );
    expect(seen.sort()).toEqual(
      [
        'ACCOUNT_DEFAULT_ALLOWS_IMDSV1 account:123456789012',
        'HOP_LIMIT_ABOVE_ONE instance:i',
        'IMDSV1_ALLOWED instance:i',
        'LONG_MAX_SESSION_DURATION role:admin',
        'ROLE_ALLOWS_FULL_ADMIN role:admin',
        'ROLE_SHARED_BY_WORKLOADS role:shared',
        'TRUST_OPEN_TO_ANYONE role:admin',
        'WEB_IDENTITY_TRUST_WITHOUT_SUB role:ci',
      ].sort(),
    );
    expect(findings.every((f) => f.category === 'posture')).toBe(true);
    const imds = findings.find((f) => f.code === 'IMDSV1_ALLOWED');
    expect(imds?.subject.name).toMatch(/^i-[0-9a-f]{17}$/);
    expect(imds?.details?.name).toBe('credplane-LegacyInstance');
  });

  it('fails the CI gate on security warnings, and passes a clean stack', async () => {
    const gate = await analyze(risky, '--format', 'json', '--fail-on', 'security_warning');
    expect(gate.code).toBe(1);
    const codes = (JSON.parse(gate.stdout) as { findings: JsonFinding[] }).findings.map((f) => f.code);
    // The policy checks ran too (the trust policy open to every principal is one of theirs).
    expect(codes).toContain('ROLE_ALLOWS_FULL_ADMIN');
    expect(
      new Set((JSON.parse(gate.stdout) as { findings: JsonFinding[] }).findings.map((f) => f.category)),
    ).toEqual(new Set(['posture', 'policy', 'escalation']));
    // The escalation family runs by default: the instances' role can assume `admin`, whose trust
    // policy names every principal.
    expect(
      (JSON.parse(gate.stdout) as { findings: JsonFinding[] }).findings
        .filter((f) => f.category === 'escalation')
        .map((f) => `${f.code} ${f.severity} ${f.subject.name}`),
    ).toEqual(['PRIVILEGE_ESCALATION_PATH ERROR shared']);

    const passed = await analyze(clean, '--format', 'json', '--fail-on', 'security_warning');
    expect(passed.stderr).toBe('');
    expect(passed.code).toBe(0);
    const left = (JSON.parse(passed.stdout) as { findings: JsonFinding[] }).findings;
    expect(left.filter((f) => f.severity === 'SECURITY_WARNING' || f.severity === 'ERROR')).toEqual([]);
    expect(left.map((f) => f.code)).toContain('ACCOUNT_DEFAULT_ALLOWS_IMDSV1');
  });

  it('reports template policy findings at their template lines in SARIF, once', async () => {
    const template = path.join(risky, 'stack.yaml');
    const result = await analyze(risky, '--format', 'sarif', '--template', template, '--fail-on', 'none');
    expect(result.code).toBe(0);
    const sarif = JSON.parse(result.stdout) as {
      version: string;
      runs: {
        results: {
          ruleId: string;
          locations?: { physicalLocation?: { region?: { startLine?: number } } }[];
        }[];
      }[];
    };
    expect(sarif.version).toBe('2.1.0');
    const anyPrincipal = sarif.runs[0]!.results.filter(
      (r) => r.ruleId === 'ALLOW_ANY_PRINCIPAL_WITHOUT_CONDITION',
    );
    expect(anyPrincipal).toHaveLength(1);
    // `Principal: { AWS: '*' }` of AdminRole's trust policy.
    expect(anyPrincipal[0]?.locations?.[0]?.physicalLocation?.region?.startLine).toBe(
      RISKY.split('\n').findIndex((l) => l.includes("AWS: '*'")) + 1,
    );
    // Posture findings sit on the line of the resource they are about.
    const imds = sarif.runs[0]!.results.find((r) => r.ruleId === 'IMDSV1_ALLOWED');
    expect(imds?.locations?.[0]?.physicalLocation?.region?.startLine).toBe(
      RISKY.split('\n').findIndex((l) => l.startsWith('  LegacyInstance:')) + 1,
    );
  });

  it('narrows to one role; exits 2 for a bad period or a missing store', async () => {
    const one = await analyze(
      risky,
      '--format',
      'json',
      '--checks',
      'posture',
      '--role',
      'ci',
      '--fail-on',
      'none',
    );
    const codes = (JSON.parse(one.stdout) as { findings: JsonFinding[] }).findings.map((f) => f.code);
    expect(codes).toEqual(['WEB_IDENTITY_TRUST_WITHOUT_SUB']);
    const bad = await analyze(risky, '--period', '3 weeks');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid duration '3 weeks'/);
    const nowhere = await credplaneCli(['analyze', '--data-dir', path.join(risky, 'no-such-dir')], risky);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/no credplane store/);
  });
});

const WORKLOAD = `
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  WebRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: web
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - { Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: sts:AssumeRole }
      Policies:
        - PolicyName: broad
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - { Effect: Allow, Action: ['iam:GetRole', 'iam:ListRoles', 's3:GetObject'], Resource: '*' }
  WebProfile:
    Type: AWS::IAM::InstanceProfile
    Properties:
      InstanceProfileName: web
      Roles: [!Ref WebRole]
  WebInstance:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-0123456789abcdef0
      IamInstanceProfile: !Ref WebProfile
      MetadataOptions: { HttpTokens: required, HttpPutResponseHopLimit: 1 }
`;

describe('credplane analyze after a workload ran', () => {
  let plane: Credplane;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir('analyze-run');
    const file = path.join(dir, 'stack.yaml');
    fs.writeFileSync(file, WORKLOAD);
    fs.mkdirSync(path.join(dir, 'data'));
    plane = await startCredplane({ dataDir: path.join(dir, 'data'), args: ['--template', file] });
  });
  afterAll(async () => {
    await plane.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists exactly the services and actions the instance did not use', async () => {
    const run = await credplaneCli(
      [
        'run',
        '--data-dir',
        plane.dataDir,
        'credplane-WebInstance',
        '--',
        'aws',
        'iam',
        'get-role',
        '--role-name',
        'web',
      ],
      dir,
    );
    expect(run.code, run.stderr).toBe(0);
    // The access log is written in batches off the request path: wait for the call to land.
    let unused: JsonFinding[] = [];
    for (let attempt = 0; attempt < 50; attempt++) {
      const result = await analyze(
        dir,
        '--format',
        'json',
        '--checks',
        'unused',
        '--period',
        '15m',
        '--fail-on',
        'none',
      );
      unused = (JSON.parse(result.stdout) as { findings: JsonFinding[] }).findings;
      if (unused.length > 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(
      unused.map((f) => [f.code, f.subject.name, f.details?.unusedServices ?? f.details?.unusedActions]),
    ).toEqual([
      ['UNUSED_SERVICE_PERMISSIONS', 'web', ['s3']],
      ['UNUSED_ACTION_PERMISSIONS', 'web', ['iam:ListRoles']],
    ]);

    const advisor = await analyze(dir, '--last-accessed', '--format', 'json', '--role', 'web');
    const roles = (
      JSON.parse(advisor.stdout) as {
        roles: { services: { serviceNamespace: string; lastAuthenticated?: string }[] }[];
      }
    ).roles;
    expect(roles[0]?.services.map((s) => [s.serviceNamespace, s.lastAuthenticated === undefined])).toEqual([
      ['iam', false],
      ['s3', true],
    ]);
  }, 60_000);
});
