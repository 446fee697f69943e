import { describe, expect, it } from 'vitest';
import type { AnalysisData } from './data.js';
import type { Finding } from './findings.js';
import { locateInTemplate, resourceLines } from './template-locations.js';

const YAML = `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Env: { Type: String }
Resources:
  # the web tier
  WebRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: web
  WebInstance:
    Type: AWS::EC2::Instance
Outputs:
  Other: { Value: x }
`;

const JSON_TEMPLATE = `{
  "Resources": {
    "WebRole": {
      "Type": "AWS::IAM::Role"
    },
    "Queue": { "Type": "AWS::SQS::Queue" }
  }
}`;

describe('resourceLines', () => {
  it('finds each resource of a YAML or JSON template, and nothing outside Resources', () => {
    expect([...resourceLines(YAML)]).toEqual([
      ['WebRole', { line: 6, column: 3 }],
      ['WebInstance', { line: 10, column: 3 }],
    ]);
    expect([...resourceLines(JSON_TEMPLATE)]).toEqual([
      ['WebRole', { line: 3, column: 6 }],
      ['Queue', { line: 6, column: 6 }],
    ]);
  });
});

describe('locateInTemplate', () => {
  const data = {
    roles: [{ role: { roleName: 'web', tags: [{ key: 'credplane:logical-id', value: 'WebRole' }] } }],
    workloads: [
      {
        kind: 'ec2-instance',
        name: 'x',
        settings: { instanceId: 'i-1', 'credplane:logical-id': 'WebInstance' },
      },
    ],
  } as unknown as AnalysisData;
  const finding = (kind: 'role' | 'instance' | 'account', name: string): Finding => ({
    code: 'X',
    severity: 'WARNING',
    category: 'posture',
    title: 'x',
    message: 'x',
    subject: { kind, name },
  });

  it('puts role and instance findings on their resource, and leaves others alone', () => {
    const [role, instance, account] = locateInTemplate(
      [finding('role', 'web'), finding('instance', 'i-1'), finding('account', '123456789012')],
      { file: 'stack.yaml', text: YAML },
      data,
    );
    expect(role?.location).toEqual({ file: 'stack.yaml', line: 6, column: 3 });
    expect(instance?.location).toEqual({ file: 'stack.yaml', line: 10, column: 3 });
    expect(account?.location).toBeUndefined();
  });
});
