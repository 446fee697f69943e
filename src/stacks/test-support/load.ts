/** Helpers shared by this folder's tests. */
import { expect } from 'vitest';
import type { DesiredState } from '../desired.js';
import { TemplateError } from '../errors.js';
import { loadTemplate, type LoadTemplateOptions } from '../index.js';
import type { PhysicalResolver } from '../physical.js';

export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';

/** Deterministic stand-ins for values AWS assigns at creation (what the apply step reads from its Store). */
export const fakeResolver: PhysicalResolver = (r) => {
  switch (r.attribute) {
    case 'RoleId':
      return `AROA${r.logicalId.toUpperCase().padEnd(17, 'X').slice(0, 17)}`;
    case 'InstanceId':
      return `i-0${r.logicalId.length.toString(16).padStart(16, '0')}`;
    case 'TaskDefinitionArn':
      return `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${r.physicalName ?? r.logicalId}:1`;
    default:
      return undefined;
  }
};

export function load(text: string, options: Partial<LoadTemplateOptions> = {}): DesiredState {
  return loadTemplate(text, { stackName: 'demo', accountId: ACCOUNT, region: REGION, ...options });
}

/** Loads and returns the TemplateError the template must end in. */
export function loadError(text: string, options: Partial<LoadTemplateOptions> = {}): TemplateError {
  try {
    load(text, options);
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    return e as TemplateError;
  }
  throw new Error('expected the template to be rejected');
}

/** A template with one role whose properties are given as YAML lines (indented 6). */
export function roleTemplate(extra: string, props = ''): string {
  return `${extra}
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { Service: ec2.amazonaws.com }
            Action: sts:AssumeRole
${props}`;
}
