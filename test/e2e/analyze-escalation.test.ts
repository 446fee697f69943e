/**
 * `credplane analyze --checks escalation` on an applied stack: a web server's role can assume a
 * deployer role that may pass an administrator role to Lambda and run it. The path is reported in
 * text, JSON and SARIF, and fails the default CI gate (ERROR).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credplaneCli, tempDir } from './support.js';

const STACK = `
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
        - PolicyName: hop
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - { Sid: Deploy, Effect: Allow, Action: sts:AssumeRole, Resource: 'arn:aws:iam::123456789012:role/deployer' }
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
  DeployerRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: deployer
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - { Effect: Allow, Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: sts:AssumeRole }
      Policies:
        - PolicyName: deploy
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - { Sid: Pass, Effect: Allow, Action: iam:PassRole, Resource: 'arn:aws:iam::123456789012:role/*' }
              - { Sid: Run, Effect: Allow, Action: [lambda:CreateFunction, lambda:InvokeFunction], Resource: '*' }
  AdminRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: admin
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - { Effect: Allow, Principal: { Service: lambda.amazonaws.com }, Action: sts:AssumeRole }
      ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]
`;

const PATH_TEXT =
  'web -[assume: sts:AssumeRole]-> deployer -[pass-role: iam:PassRole, lambda:CreateFunction, lambda:InvokeFunction]-> admin';

interface JsonFinding {
  code: string;
  severity: string;
  category: string;
  subject: { kind: string; name: string };
  message: string;
  details?: { path?: { from: string; to: string; kind: string; actions: string[] }[] };
}

describe('credplane analyze --checks escalation', () => {
  let dir: string;
  const analyze = (...args: string[]) =>
    credplaneCli(['analyze', '--data-dir', path.join(dir, 'data'), '--checks', 'escalation', ...args], dir);

  beforeAll(async () => {
    dir = tempDir('escalation');
    const file = path.join(dir, 'stack.yaml');
    fs.writeFileSync(file, STACK);
    const applied = await credplaneCli(['apply', '-f', file, '--data-dir', path.join(dir, 'data')], dir);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints the path in text and fails the default gate', async () => {
    const result = await analyze();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('PRIVILEGE_ESCALATION_PATH');
    expect(result.stdout).toContain(PATH_TEXT);
  });

  it('gives the path hop by hop in JSON', async () => {
    const result = await analyze('--format', 'json', '--fail-on', 'none');
    expect(result.code).toBe(0);
    const findings = (JSON.parse(result.stdout) as { findings: JsonFinding[] }).findings;
    expect(findings.map((f) => `${f.code} ${f.severity} ${f.category} ${f.subject.name}`)).toEqual([
      'PRIVILEGE_ESCALATION_PATH ERROR escalation web',
    ]);
    expect(
      findings[0]?.details?.path?.map((h) => [h.from.split('/').pop(), h.kind, h.to.split('/').pop()]),
    ).toEqual([
      ['web', 'assume', 'deployer'],
      ['deployer', 'pass-role', 'admin'],
    ]);
  });

  it('reports it as an error result in SARIF', async () => {
    const result = await analyze('--format', 'sarif', '--fail-on', 'none');
    const sarif = JSON.parse(result.stdout) as {
      version: string;
      runs: { results: { ruleId: string; level: string; message: { text: string } }[] }[];
    };
    expect(sarif.version).toBe('2.1.0');
    const results = sarif.runs[0]!.results.filter((r) => r.ruleId === 'PRIVILEGE_ESCALATION_PATH');
    expect(results).toHaveLength(1);
    expect(results[0]?.level).toBe('error');
    expect(results[0]?.message.text).toContain(PATH_TEXT);
  });

  it('keeps the finding under --role of the workload role only', async () => {
    const web = await analyze('--format', 'json', '--role', 'web', '--fail-on', 'none');
    expect((JSON.parse(web.stdout) as { findings: JsonFinding[] }).findings).toHaveLength(1);
    const deployer = await analyze('--format', 'json', '--role', 'deployer', '--fail-on', 'none');
    expect((JSON.parse(deployer.stdout) as { findings: JsonFinding[] }).findings).toEqual([]);
  });
});
