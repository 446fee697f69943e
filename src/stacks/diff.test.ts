import { describe, expect, it } from 'vitest';
import { emptyState, type DesiredState } from './desired.js';
import { planChanges } from './diff.js';
import { formatPlan } from './format.js';
import { ACCOUNT, load, REGION } from './test-support/load.js';

const TEMPLATE = `Parameters:
  Hours: { Type: Number, Default: 3600 }
  Principal: { Type: String, Default: ec2.amazonaws.com }
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app
      MaxSessionDuration: !Ref Hours
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement: [{ Effect: Allow, Principal: { Service: !Ref Principal }, Action: sts:AssumeRole }]
      Policies:
        - PolicyName: read
          PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: Allow, Action: s3:GetObject, Resource: '*' }] }
  AppProfile:
    Type: AWS::IAM::InstanceProfile
    Properties: { InstanceProfileName: app, Roles: [!Ref AppRole] }
  Web:
    Type: AWS::EC2::Instance
    Properties:
      IamInstanceProfile: !Ref AppProfile
      MetadataOptions: { HttpTokens: required }
`;

function state(parameters: Record<string, string> = {}, stackName = 'demo'): DesiredState {
  return load(TEMPLATE, { parameters, stackName });
}

/** As the Store would describe the stack after applying `s`. */
function applied(s: DesiredState): DesiredState {
  return structuredClone(s);
}

describe('planChanges', () => {
  it('creates everything in dependency order when nothing exists', () => {
    const plan = planChanges(state(), emptyState('demo', ACCOUNT, REGION));
    expect(plan.map((c) => [c.action, c.kind, c.logicalId])).toEqual([
      ['create', 'role', 'AppRole'],
      ['create', 'instance-profile', 'AppProfile'],
      ['create', 'ec2-instance', 'Web'],
    ]);
    expect(plan[0]?.arn).toBe(`arn:aws:iam::${ACCOUNT}:role/app`);
  });

  it('is all noop when re-applied unchanged, whatever the key order of policy documents', () => {
    const current = applied(state());
    const doc = current.roles[0]!.assumeRolePolicyDocument;
    current.roles[0]!.assumeRolePolicyDocument = Object.fromEntries(Object.entries(doc).reverse());
    const plan = planChanges(state(), current);
    expect(plan.every((c) => c.action === 'noop')).toBe(true);
    expect(formatPlan(plan)).toBe('No changes.\nPlan: 0 to create, 0 to update, 0 to delete, 3 unchanged.\n');
  });

  it('says which fields of an update change', () => {
    const current = applied(state());
    const plan = planChanges(state({ Hours: '7200', Principal: 'ecs-tasks.amazonaws.com' }), current);
    const role = plan.find((c) => c.kind === 'role')!;
    expect(role).toMatchObject({ action: 'update', details: ['trust policy', 'max session duration'] });
    expect(formatPlan(plan)).toContain('~ update role AppRole: trust policy, max session duration\n');
  });

  it('names inline policy, IMDS and attachment changes', () => {
    const current = applied(state());
    current.roles[0]!.inlinePolicies.push({ policyName: 'old', document: {} });
    current.roles[0]!.inlinePolicies[0]!.document = { Statement: [] };
    current.roles[0]!.managedPolicyArns = ['arn:aws:iam::aws:policy/ReadOnlyAccess'];
    const web = current.workloads[0]!;
    if (web.kind !== 'ec2-instance') throw new Error('expected the instance');
    web.metadataOptions.httpTokens = 'optional';
    const plan = planChanges(state(), current);
    expect(plan.find((c) => c.kind === 'role')?.details).toEqual([
      'managed policies',
      'inline policies (~read, -old)',
    ]);
    expect(plan.find((c) => c.kind === 'ec2-instance')?.details).toEqual([
      'metadata options (httpTokens optional -> required)',
    ]);
  });

  it('replaces what AWS cannot update in place: delete right before create', () => {
    const current = applied(state());
    current.roles[0]!.path = '/old/';
    const plan = planChanges(state(), current);
    expect(plan.slice(0, 2).map((c) => [c.action, c.kind, c.details])).toEqual([
      ['delete', 'role', ['replaces: path']],
      ['create', 'role', ['replaces: path']],
    ]);
  });

  it('deletes only what this stack created, workloads before the roles they use', () => {
    const current = applied(state());
    const other = applied(state({}, 'other'));
    const foreign = { ...other.roles[0]!, roleName: 'foreign', stack: 'other' };
    const manual = { ...other.roles[0]!, roleName: 'hand-made', stack: undefined };
    current.roles.push(foreign, manual);
    const desired = load(
      `Resources:\n  Keep:\n    Type: AWS::IAM::Role\n    Properties: { RoleName: keep, AssumeRolePolicyDocument: {} }\n`,
    );
    const plan = planChanges(desired, current);
    expect(plan.map((c) => [c.action, c.kind, c.name])).toEqual([
      ['create', 'role', 'keep'],
      ['delete', 'ec2-instance', 'demo-Web'],
      ['delete', 'instance-profile', 'app'],
      ['delete', 'role', 'app'],
    ]);
    const text = formatPlan(plan, { skipped: [{ logicalId: 'Bucket', type: 'AWS::S3::Bucket' }] });
    expect(text).toContain(`- delete role AppRole (arn:aws:iam::${ACCOUNT}:role/app)\n`);
    expect(text).toContain('+ create role Keep (arn:aws:iam::111122223333:role/keep)\n');
    expect(text).toContain('  skip AWS::S3::Bucket Bucket (not a type credplane acts on)\n');
    expect(text).toContain('Plan: 1 to create, 0 to update, 3 to delete, 0 unchanged, 1 skipped.\n');
  });

  it('refuses to take over a name held outside the stack', () => {
    const current = applied(state({}, 'other'));
    expect(() => planChanges(state(), current)).toThrow(
      /role app already exists and is managed by stack other/,
    );
    current.roles[0]!.stack = undefined;
    try {
      planChanges(state(), current);
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'EntityAlreadyExists', status: 409 });
    }
  });

  it('shows unchanged records on request', () => {
    const text = formatPlan(planChanges(state(), applied(state())), { showUnchanged: true });
    expect(text).toContain('= unchanged role AppRole (arn:aws:iam::111122223333:role/app)\n');
  });
});
