import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreChange, Store } from '../store/store.js';
import { openStore } from '../store/open.js';
import { applyTemplate, deleteStack, type ApplyOptions, type ApplyResult } from './apply.js';
import { StackResourceError } from './errors.js';
import { LOGICAL_ID_TAG, STACK_TAG } from './ownership.js';
import { ACCOUNT, REGION } from './test-support/load.js';

const demo = readFileSync(fileURLToPath(new URL('../../examples/demo-stack.yaml', import.meta.url)), 'utf8');

let store: Store;
let changes: StoreChange[];

beforeEach(async () => {
  store = await openStore(':memory:');
  await store.createAccount({ accountId: ACCOUNT });
  changes = [];
  store.onChange((c) => changes.push(c));
});
afterEach(async () => {
  await store.close();
});

function apply(text: string, options: Partial<ApplyOptions> = {}): Promise<ApplyResult> {
  return applyTemplate(store, text, { accountId: ACCOUNT, region: REGION, stackName: 'demo', ...options });
}

async function rejection(work: Promise<unknown>): Promise<StackResourceError & { code: string }> {
  try {
    await work;
  } catch (e) {
    return e as StackResourceError;
  }
  throw new Error('expected the apply to fail');
}

const TRUST = `AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement: [{ Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: sts:AssumeRole }]`;

function roleTemplate(name: string, extra = '', resources = '', outputs = ''): string {
  return `Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: ${name}
      ${TRUST}
${extra}${resources}${outputs}`;
}

async function roleNames(): Promise<string[]> {
  return (await store.listRoles(ACCOUNT)).items.map((r) => r.roleName).sort();
}

describe('applyTemplate: the demo stack', () => {
  it('creates every resource, records ownership, and a second apply changes nothing', async () => {
    const first = await apply(demo);
    expect(first.applied).toBe(true);
    expect(changes.length).toBeGreaterThan(12);
    expect(first.text).toContain('Plan: 12 to create, 0 to update, 0 to delete, 0 unchanged, 1 skipped.');
    expect(first.text).toContain('  skip AWS::Logs::LogGroup ReportLogGroup (not a type credplane acts on)');
    expect(await roleNames()).toEqual(
      ['demo-orders-task', 'demo-payments-irsa', 'demo-report-fn', 'demo-reports-pod', 'demo-web'].sort(),
    );

    const web = await store.getRole(ACCOUNT, 'demo-web');
    expect(web.tags).toEqual([
      { key: 'env', value: 'dev' },
      { key: STACK_TAG, value: 'demo' },
      { key: LOGICAL_ID_TAG, value: 'WebRole' },
    ]);
    expect(web.maxSessionDuration).toBe(7200);
    expect(web.permissionsBoundaryArn).toBe(`arn:aws:iam::${ACCOUNT}:policy/demo-workload-boundary`);
    const inline = await store.getRolePolicy(ACCOUNT, 'demo-web', 'read-static-assets');
    expect(JSON.parse(inline.document)).toMatchObject({
      Statement: [{ Resource: 'arn:aws:s3:::credplane-demo-artifacts/static/*' }],
    });
    const profile = await store.getInstanceProfile(ACCOUNT, 'demo-web');
    expect(profile.roles.map((r) => r.roleName)).toEqual(['demo-web']);
    const provider = await store.getOidcProvider(
      `arn:aws:iam::${ACCOUNT}:oidc-provider/127.0.0.1:7443/clusters/demo`,
    );
    expect(provider).toMatchObject({
      clientIds: ['sts.amazonaws.com'],
      thumbprints: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'],
    });

    const workloads = await store.listWorkloads(ACCOUNT);
    const byKind = Object.fromEntries(workloads.map((w) => [w.kind, w]));
    expect(byKind['ec2-instance']).toMatchObject({ name: 'demo-WebInstance', roleName: 'demo-web' });
    expect(byKind['ec2-instance']?.settings).toMatchObject({
      metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 },
      instanceProfileName: 'demo-web',
      [STACK_TAG]: 'demo',
      [LOGICAL_ID_TAG]: 'WebInstance',
    });
    const instance = await store.getWorkload(ACCOUNT, 'ec2-instance', 'demo-WebInstance');
    expect(instance.settings.instanceId).toMatch(/^i-[0-9a-f]{17}$/);
    expect(byKind['ecs-task-definition']).toMatchObject({
      name: 'demo-orders',
      roleName: 'demo-orders-task',
    });
    expect(byKind['ecs-task-definition']?.settings).toMatchObject({
      revision: 1,
      taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/demo-orders:1`,
      containers: [{ name: 'worker', command: ['node', 'worker.js'] }],
    });
    expect(byKind['eks-pod-identity']).toMatchObject({
      name: 'demo/reports/reports-api',
      roleName: 'demo-reports-pod',
    });
    expect(byKind['eks-pod-identity']?.settings).toMatchObject({
      clusterName: 'demo',
      namespace: 'reports',
      serviceAccount: 'reports-api',
    });
    expect(byKind['lambda-function']).toMatchObject({ name: 'demo-report', roleName: 'demo-report-fn' });
    expect(byKind['lambda-function']?.settings).toMatchObject({
      handler: 'index.handler',
      runtime: 'nodejs20.x',
      timeout: 30,
    });

    const outputs = Object.fromEntries(first.outputs.map((o) => [o.logicalId, o.value]));
    expect(outputs.WebRoleArn).toBe(web.arn);
    expect(outputs.WebInstanceProfileArn).toBe(profile.arn);

    changes = [];
    const second = await apply(demo);
    expect(second.applied).toBe(false);
    expect(second.plan.every((c) => c.action === 'noop')).toBe(true);
    expect(second.text).toContain(
      'No changes.\nPlan: 0 to create, 0 to update, 0 to delete, 12 unchanged, 1 skipped.',
    );
    expect(changes).toEqual([]);
  });

  it('updates in place what changed: parameters, IMDS options, task definitions, thumbprints', async () => {
    await apply(demo);
    const before = await store.getWorkload(ACCOUNT, 'ec2-instance', 'demo-WebInstance');
    const edited = demo
      .replace('HttpPutResponseHopLimit: 1', 'HttpPutResponseHopLimit: 2')
      .replace('Command: [node, worker.js]', 'Command: [node, worker2.js]')
      .replace("'9e99a48a9960b14926bb7f3b02e22da2b0ab7280'", "'0000000000000000000000000000000000000000'");
    const result = await apply(edited, { parameters: { Env: 'prod' } });
    const updates = result.plan.filter((c) => c.action === 'update').map((c) => [c.logicalId, c.details]);
    expect(updates).toEqual([
      ['WebRole', ['max session duration', 'tags']],
      ['WebInstance', ['metadata options (httpPutResponseHopLimit 1 -> 2)']],
      ['OrdersTask', ['container definitions']],
      ['ClusterOidcProvider', ['thumbprints']],
      ['PaymentsIrsaRole', ['max session duration']],
    ]);
    expect((await store.getRole(ACCOUNT, 'demo-web')).tags).toContainEqual({ key: 'env', value: 'prod' });
    const after = await store.getWorkload(ACCOUNT, 'ec2-instance', 'demo-WebInstance');
    expect(after.settings.instanceId).toBe(before.settings.instanceId);
    expect(after.settings.metadataOptions).toMatchObject({ httpPutResponseHopLimit: 2 });
    const task = await store.getWorkload(ACCOUNT, 'ecs-task-definition', 'demo-orders');
    expect(task.settings).toMatchObject({ revision: 2, taskDefinitionArn: expect.stringMatching(/:2$/) });
    const provider = (await store.listOidcProviders(ACCOUNT))[0];
    expect(provider?.thumbprints).toEqual(['0000000000000000000000000000000000000000']);
    expect((await apply(edited, { parameters: { Env: 'prod' } })).applied).toBe(false);
  });

  it('replaces a permissions boundary policy whose description changes, keeping it on the roles', async () => {
    await apply(demo);
    const edited = demo.replace(
      'Description: Permissions boundary for the demo workload roles',
      'Description: Boundary of the demo workload roles',
    );
    const result = await apply(edited);
    expect(
      result.plan.filter((c) => c.action !== 'noop').map((c) => [c.action, c.logicalId, c.details]),
    ).toEqual([
      ['delete', 'WorkloadBoundary', ['replaces: description']],
      ['create', 'WorkloadBoundary', ['replaces: description']],
    ]);
    const arn = `arn:aws:iam::${ACCOUNT}:policy/demo-workload-boundary`;
    expect((await store.getPolicy(arn)).description).toBe('Boundary of the demo workload roles');
    for (const role of ['demo-web', 'demo-orders-task', 'demo-report-fn']) {
      expect((await store.getRole(ACCOUNT, role)).permissionsBoundaryArn).toBe(arn);
    }
    expect((await apply(edited)).applied).toBe(false);
  });

  it('deletes what the template no longer declares, and only that', async () => {
    await apply(demo);
    await apply(roleTemplate('bystander'), { stackName: 'other' });
    const withoutLambda = demo
      .replace(/ {2}ReportFunctionRole:[\s\S]*?(?= {2}# Not a type)/, '')
      .replace(/ {2}ReportLogGroup:[\s\S]*?(?=\nOutputs:)/, '')
      .replace(/ {2}ReportFunctionRoleArn:[\s\S]*?(?= {2}ProdOnlyNote)/, '');
    const result = await apply(withoutLambda);
    expect(result.plan.filter((c) => c.action === 'delete').map((c) => [c.kind, c.name])).toEqual([
      ['lambda-function', 'demo-report'],
      ['role', 'demo-report-fn'],
    ]);
    expect(await roleNames()).toEqual(
      ['bystander', 'demo-orders-task', 'demo-payments-irsa', 'demo-reports-pod', 'demo-web'].sort(),
    );
    expect((await store.listWorkloads(ACCOUNT)).map((w) => w.kind).sort()).toEqual([
      'ec2-instance',
      'ecs-task-definition',
      'eks-pod-identity',
    ]);
    // Deleting the stack removes all it owns, and leaves the other one alone.
    const gone = await deleteStack(store, { accountId: ACCOUNT, region: REGION, stackName: 'demo' });
    expect(gone.plan.every((c) => c.action === 'delete')).toBe(true);
    expect(gone.plan).toHaveLength(10);
    expect(await roleNames()).toEqual(['bystander']);
    expect(await store.listWorkloads(ACCOUNT)).toEqual([]);
    expect(await store.listOidcProviders(ACCOUNT)).toEqual([]);
    expect((await store.listPolicies(ACCOUNT)).items).toEqual([]);
    expect((await store.listInstanceProfiles(ACCOUNT)).items).toEqual([]);
  });

  it('hands the plan to onPlan before the first write', async () => {
    const seen: string[] = [];
    await apply(demo, {
      onPlan: (plan, text) => {
        expect(changes).toEqual([]);
        expect(plan).toHaveLength(12);
        seen.push(text);
      },
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain('Plan: 12 to create');
  });

  it('writes nothing on a dry run, and says what it would do', async () => {
    const result = await apply(demo, { dryRun: true });
    expect(result.applied).toBe(false);
    expect(result.text).toContain('+ create role WebRole (arn:aws:iam::111122223333:role/demo-web)');
    expect(result.plan.filter((c) => c.action === 'create')).toHaveLength(12);
    expect(await roleNames()).toEqual([]);
    expect(changes).toEqual([]);
    await apply(demo);
    const again = await apply(demo.replace('Timeout: 30', 'Timeout: 60'), { dryRun: true });
    expect(again.plan.filter((c) => c.action === 'update').map((c) => c.details)).toEqual([['timeout']]);
    expect((await store.getWorkload(ACCOUNT, 'lambda-function', 'demo-report')).settings.timeout).toBe(30);
  });
});

describe('applyTemplate: values known only after apply', () => {
  const template = `Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app
      ${TRUST}
  Reader:
    Type: AWS::IAM::Role
    Properties:
      RoleName: reader
      ${TRUST}
      Policies:
        - PolicyName: own-sessions-only
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: s3:GetObject
                Resource: '*'
                Condition: { StringLike: { 'aws:userid': !Sub '\${AppRole.RoleId}:*' } }
  Profile:
    Type: AWS::IAM::InstanceProfile
    Properties: { Roles: [!Ref AppRole] }
  Web:
    Type: AWS::EC2::Instance
    Properties: { IamInstanceProfile: !Ref Profile }
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties: { TaskRoleArn: !GetAtt AppRole.Arn }
Outputs:
  RoleId: { Value: !GetAtt AppRole.RoleId }
  InstanceId: { Value: !Ref Web }
  TaskArn: { Value: !Ref Task }
  Zone: { Value: !GetAtt Web.AvailabilityZone }
`;

  it('resolves RoleId, instance ids and task definition ARNs from the Store', async () => {
    const dry = await apply(template, { dryRun: true });
    expect(dry.outputs.find((o) => o.logicalId === 'RoleId')?.value).toBe(
      '<known after apply: AppRole.RoleId>',
    );
    expect(dry.text).toContain('+ create role Reader');

    const result = await apply(template);
    const role = await store.getRole(ACCOUNT, 'app');
    const web = (await store.listWorkloads(ACCOUNT, { kind: 'ec2-instance' }))[0]!;
    const task = (await store.listWorkloads(ACCOUNT, { kind: 'ecs-task-definition' }))[0]!;
    expect(Object.fromEntries(result.outputs.map((o) => [o.logicalId, o.value]))).toEqual({
      RoleId: role.roleId,
      InstanceId: web.settings.instanceId,
      TaskArn: task.settings.taskDefinitionArn,
      Zone: `${REGION}a`,
    });
    expect(role.roleId).toMatch(/^AROA/);
    // Written once, with the real value: nothing waiting for a value is written early.
    expect(changes.filter((c) => c.entity === 'role-policy' && c.key === 'reader')).toHaveLength(1);
    const policy = await store.getRolePolicy(ACCOUNT, 'reader', 'own-sessions-only');
    expect(policy.document).toContain(`"${role.roleId}:*"`);
    expect(web.roleName).toBe('app');
    // The generated family name follows CloudFormation's pattern.
    expect(task.name).toMatch(/^demo-Task-[A-Z0-9]{13}$/);
    expect((await apply(template)).applied).toBe(false);
  });

  it('refuses values credplane can never know, before writing', async () => {
    const text = roleTemplate(
      'bucketed',
      `      Policies:
        - PolicyName: bucket
          PolicyDocument:
            Version: '2012-10-17'
            Statement: [{ Effect: Allow, Action: s3:GetObject, Resource: !GetAtt Bucket.Arn }]
`,
      `  Bucket:
    Type: AWS::S3::Bucket
`,
    );
    const error = await rejection(apply(text));
    expect(error).toBeInstanceOf(StackResourceError);
    expect(error.code).toBe('ValidationError');
    expect(error.logicalId).toBe('AppRole');
    expect(error.path).toBe('Resources.AppRole.Properties.Policies[0].PolicyDocument.Statement[0].Resource');
    expect(error.message).toContain('AWS::S3::Bucket is not a type credplane acts on');
    expect(await roleNames()).toEqual([]);
  });
});

describe('applyTemplate: policies', () => {
  const managed = (statementAction: string, roles = '[!Ref AppRole]') => `Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app
      ${TRUST}
      Policies:
        - PolicyName: inline
          PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: Allow, Action: ${statementAction}, Resource: '*' }] }
  Shared:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      ManagedPolicyName: shared
      Roles: ${roles}
      PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: Allow, Action: ${statementAction}, Resource: '*' }] }
`;
  const sharedArn = `arn:aws:iam::${ACCOUNT}:policy/shared`;

  it('updates inline documents and makes a new default version of managed ones, pruning the oldest', async () => {
    await apply(managed('s3:GetObject'));
    expect(await store.listRolesForPolicy(sharedArn)).toEqual(['app']);
    const actions = [
      's3:PutObject',
      'sqs:SendMessage',
      'sqs:ReceiveMessage',
      'logs:PutLogEvents',
      'ec2:DescribeTags',
    ];
    for (const action of actions) {
      const result = await apply(managed(action));
      expect(result.plan.filter((c) => c.action === 'update').map((c) => [c.logicalId, c.details])).toEqual([
        ['AppRole', ['inline policies (~inline)']],
        ['Shared', ['policy document']],
      ]);
    }
    const versions = await store.listPolicyVersions(sharedArn);
    expect(versions.map((v) => v.versionId)).toEqual(['v6', 'v5', 'v4', 'v3', 'v2']);
    expect(versions[0]?.isDefaultVersion).toBe(true);
    expect(versions[0]?.document).toContain('ec2:DescribeTags');
    expect((await store.getRolePolicy(ACCOUNT, 'app', 'inline')).document).toContain('ec2:DescribeTags');
    expect((await apply(managed('ec2:DescribeTags'))).applied).toBe(false);
  });

  it('attaches and detaches through the policy and through the role without fighting', async () => {
    await apply(managed('s3:GetObject'));
    const both = managed('s3:GetObject').replace(
      '      Policies:',
      `      ManagedPolicyArns: ['${sharedArn}']\n      Policies:`,
    );
    // Both sides now want the attachment: the store keeps one, and re-applying is a no-op.
    expect((await apply(both)).plan.every((c) => c.action === 'noop')).toBe(true);
    // Only the role wants it: it stays.
    const roleOnly = managed('s3:GetObject', '[]').replace(
      '      Policies:',
      `      ManagedPolicyArns: ['${sharedArn}']\n      Policies:`,
    );
    expect((await apply(roleOnly)).plan.every((c) => c.action === 'noop')).toBe(true);
    expect(await store.listRolesForPolicy(sharedArn)).toEqual(['app']);
    // Neither wants it: detached once.
    await apply(managed('s3:GetObject', '[]'));
    expect(await store.listRolesForPolicy(sharedArn)).toEqual([]);
    expect((await apply(managed('s3:GetObject', '[]'))).applied).toBe(false);
  });

  it('puts, moves and removes AWS::IAM::Policy inline policies on the roles they name', async () => {
    const base = roleTemplate(
      'app',
      '',
      `  Second:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: second\n      ${TRUST}\n`,
    );
    const withPolicy = (roles: string) => `${base}  Extra:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: extra
      Roles: ${roles}
      PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: Allow, Action: sqs:SendMessage, Resource: '*' }] }
`;
    await apply(withPolicy('[!Ref AppRole]'));
    expect((await store.getRolePolicy(ACCOUNT, 'app', 'extra')).document).toContain('sqs:SendMessage');
    expect((await apply(withPolicy('[!Ref AppRole]'))).applied).toBe(false);
    await apply(withPolicy('[!Ref AppRole, !Ref Second]'));
    expect((await store.listRolePolicies(ACCOUNT, 'app')).items.map((p) => p.policyName)).toEqual(['extra']);
    expect((await store.listRolePolicies(ACCOUNT, 'second')).items.map((p) => p.policyName)).toEqual([
      'extra',
    ]);
    expect((await apply(withPolicy('[!Ref AppRole, !Ref Second]'))).applied).toBe(false);
    await apply(base);
    expect((await store.listRolePolicies(ACCOUNT, 'app')).items).toEqual([]);
    expect((await store.listRolePolicies(ACCOUNT, 'second')).items).toEqual([]);
    expect((await store.getRole(ACCOUNT, 'app')).tags.map((t) => t.key)).toEqual([STACK_TAG, LOGICAL_ID_TAG]);
  });

  it('rejects a bad policy document with MalformedPolicyDocument naming the resource, writing nothing', async () => {
    const text = `Resources:
  Boundary:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: Allow, Action: s3:GetObject, Resource: '*' }] }
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      ${TRUST}
      Policies:
        - PolicyName: ok
          PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: Allow, Action: s3:GetObject, Resource: '*' }] }
        - PolicyName: broken
          PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: Maybe, Action: s3:GetObject, Resource: '*' }] }
`;
    const error = await rejection(apply(text));
    expect(error).toBeInstanceOf(StackResourceError);
    expect(error).toMatchObject({ code: 'MalformedPolicyDocument', status: 400, logicalId: 'AppRole' });
    expect(error.path).toMatch(
      /^Resources\.AppRole\.Properties\.Policies\[1\]\.PolicyDocument\.Statement\[0\]/,
    );
    // The resource's own position: its properties start on line 7.
    expect(error.message).toMatch(/resource at line 7, column 5/);
    expect(await roleNames()).toEqual([]);
    expect((await store.listPolicies(ACCOUNT)).items).toEqual([]);
    expect(changes).toEqual([]);

    const trust = roleTemplate('app').replace(
      'Action: sts:AssumeRole',
      'Action: sts:AssumeRole, Resource: "*"',
    );
    const trustError = await rejection(apply(trust));
    expect(trustError).toMatchObject({ code: 'MalformedPolicyDocument', logicalId: 'AppRole' });
    expect(trustError.path).toMatch(
      /^Resources\.AppRole\.Properties\.AssumeRolePolicyDocument\.Statement\[0\]/,
    );
  });

  it('refuses a trust policy naming a user that does not exist, and binds an existing one by unique id', async () => {
    const named = (user: string) =>
      `Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { AWS: 'arn:aws:iam::${ACCOUNT}:user/${user}' }
            Action: sts:AssumeRole
`;
    const error = await rejection(apply(named('bob')));
    expect(error).toMatchObject({ code: 'MalformedPolicyDocument', logicalId: 'AppRole' });
    expect(error.message).toContain(`Invalid principal in policy: "AWS":"arn:aws:iam::${ACCOUNT}:user/bob"`);
    expect(await roleNames()).toEqual([]);

    const bob = await store.createUser(ACCOUNT, { userName: 'bob' });
    expect((await apply(named('bob'))).applied).toBe(true);
    await store.deleteUser(ACCOUNT, 'bob');
    const trust = (await store.getRole(ACCOUNT, 'app')).assumeRolePolicyDocument;
    expect(trust).toContain(bob.userId);
    expect(trust).not.toContain('user/bob');
  });

  it('keeps NoEcho values out of the error', async () => {
    const text = `Parameters:
  Effect: { Type: String, NoEcho: true }
${roleTemplate(
  'app',
  `      Policies:
        - PolicyName: p
          PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: !Ref Effect, Action: s3:GetObject, Resource: '*' }] }
`,
)}`;
    const error = await rejection(apply(text, { parameters: { Effect: 'Sekrit-Value' } }));
    expect(error).toMatchObject({ code: 'MalformedPolicyDocument', logicalId: 'AppRole' });
    expect(error.message).toContain('****');
    expect(error.message).not.toContain('Sekrit');
  });

  it('attaches AWS managed policies that exist and refuses ones that do not', async () => {
    const attach = (arn: string) => roleTemplate('app', `      ManagedPolicyArns: ['${arn}']\n`);
    await apply(attach('arn:aws:iam::aws:policy/ReadOnlyAccess'));
    expect((await store.listAttachedRolePolicies(ACCOUNT, 'app')).items).toEqual([
      { policyName: 'ReadOnlyAccess', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
    ]);
    const error = await rejection(apply(attach('arn:aws:iam::aws:policy/NoSuchPolicyAnywhere')));
    expect(error).toMatchObject({
      code: 'NoSuchEntity',
      status: 404,
      logicalId: 'AppRole',
      path: 'Resources.AppRole.Properties.ManagedPolicyArns[0]',
    });
    // The failed apply changed nothing: the old attachment is still there.
    expect((await store.listAttachedRolePolicies(ACCOUNT, 'app')).items).toHaveLength(1);
  });
});

describe('applyTemplate: ownership', () => {
  it('refuses a name made outside any stack or owned by another stack', async () => {
    await store.createRole(ACCOUNT, { roleName: 'hand-made', assumeRolePolicyDocument: '{}' });
    const error = await rejection(apply(roleTemplate('hand-made')));
    expect(error).toMatchObject({ code: 'EntityAlreadyExists', status: 409 });
    expect(error.message).toContain('AppRole: role hand-made already exists and is not managed by any stack');

    await apply(roleTemplate('taken'), { stackName: 'other' });
    const owned = await rejection(apply(roleTemplate('taken')));
    expect(owned.message).toContain('role taken already exists and is managed by stack other');
    expect(await roleNames()).toEqual(['hand-made', 'taken']);
    expect((await store.getRole(ACCOUNT, 'taken')).tags).toContainEqual({ key: STACK_TAG, value: 'other' });
  });

  it('rolls back every write when a later change fails', async () => {
    const text = `${roleTemplate('first')}  Attach:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: p
      Roles: [ghost]
      PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: Allow, Action: s3:GetObject, Resource: '*' }] }
`;
    const error = await rejection(apply(text));
    expect(error).toMatchObject({ code: 'NoSuchEntity', logicalId: 'Attach' });
    expect(await roleNames()).toEqual([]);
    expect(changes).toEqual([]);
  });

  it('reserves the credplane: tag prefix', async () => {
    const text = roleTemplate('app', `      Tags: [{ Key: 'credplane:stack', Value: other }]\n`);
    const error = await rejection(apply(text));
    expect(error).toMatchObject({
      code: 'InvalidInput',
      logicalId: 'AppRole',
      path: 'Resources.AppRole.Properties.Tags',
    });
  });

  it('replaces a role whose path changes and puts it back in its instance profile', async () => {
    const text = (path: string) =>
      `${roleTemplate('app', `      Path: ${path}\n`)}  Profile:\n    Type: AWS::IAM::InstanceProfile\n    Properties: { InstanceProfileName: app, Roles: [!Ref AppRole] }\n`;
    await apply(text('/'));
    const before = await store.getRole(ACCOUNT, 'app');
    const result = await apply(text('/team/'));
    expect(result.plan.filter((c) => c.action !== 'noop').map((c) => [c.action, c.kind])).toEqual([
      ['delete', 'role'],
      ['create', 'role'],
    ]);
    const after = await store.getRole(ACCOUNT, 'app');
    expect(after.arn).toBe(`arn:aws:iam::${ACCOUNT}:role/team/app`);
    expect(after.roleId).not.toBe(before.roleId);
    expect((await store.getInstanceProfile(ACCOUNT, 'app')).roles.map((r) => r.roleName)).toEqual(['app']);
    expect((await apply(text('/team/'))).applied).toBe(false);
  });

  it('rejects a stack name CloudFormation would not accept', async () => {
    await expect(apply(roleTemplate('app'), { stackName: 'no_underscores' })).rejects.toMatchObject({
      code: 'ValidationError',
    });
  });
});

describe('applyTemplate: EC2 instance metadata defaults of the account', () => {
  const instance = (metadata: string) => `Resources:
  BoxRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: box
      ${TRUST}
  BoxProfile:
    Type: AWS::IAM::InstanceProfile
    Properties:
      InstanceProfileName: box
      Roles: [!Ref BoxRole]
  Box:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-12345678
      IamInstanceProfile: !Ref BoxProfile${metadata}
`;
  const options = async () =>
    (await store.getWorkload(ACCOUNT, 'ec2-instance', 'demo-Box')).settings.metadataOptions;

  it('fills the options a template leaves out from the account defaults, as RunInstances does', async () => {
    await store.putAccountSetting(ACCOUNT, 'ec2:instance-metadata-defaults', {
      HttpTokens: 'required',
      HttpPutResponseHopLimit: 2,
    });
    await apply(instance('\n      MetadataOptions: { HttpPutResponseHopLimit: 1 }'));
    // The template's own value wins; what it leaves out comes from the account, else EC2's default.
    expect(await options()).toMatchObject({
      httpTokens: 'required',
      httpPutResponseHopLimit: 1,
      httpEndpoint: 'enabled',
    });
  });

  it('changes no existing instance when the account defaults change later', async () => {
    await apply(instance(''));
    expect(await options()).toMatchObject({ httpTokens: 'optional', httpPutResponseHopLimit: 1 });
    await store.putAccountSetting(ACCOUNT, 'ec2:instance-metadata-defaults', { HttpTokens: 'required' });
    const again = await apply(instance(''));
    expect(again.applied).toBe(false);
    expect(await options()).toMatchObject({ httpTokens: 'optional' });
  });

  it('takes EC2 defaults when the account has none', async () => {
    await apply(instance(''));
    expect(await options()).toMatchObject({
      httpTokens: 'optional',
      httpPutResponseHopLimit: 1,
      httpEndpoint: 'enabled',
      instanceMetadataTags: 'disabled',
    });
    const stored = await store.getWorkload(ACCOUNT, 'ec2-instance', 'demo-Box');
    expect(stored.settings).not.toHaveProperty('launchDefaulted');
  });
});

describe('an instance without an instance profile', () => {
  it('applies, bound to no role, and gets one when a profile is added later', async () => {
    const bare = `
Resources:
  Box:
    Type: AWS::EC2::Instance
    Properties: { ImageId: ami-0123456789abcdef0 }
`;
    await apply(bare);
    const box = await store.getWorkload(ACCOUNT, 'ec2-instance', 'demo-Box');
    expect([box.roleName, box.settings.instanceProfileName]).toEqual(['', undefined]);
    expect(box.settings.instanceId).toMatch(/^i-[0-9a-f]{17}$/);

    await apply(
      roleTemplate(
        'box-role',
        '',
        `  Profile:
    Type: AWS::IAM::InstanceProfile
    Properties: { Roles: [!Ref AppRole] }
  Box:
    Type: AWS::EC2::Instance
    Properties: { ImageId: ami-0123456789abcdef0, IamInstanceProfile: !Ref Profile }
`,
      ),
    );
    const withRole = await store.getWorkload(ACCOUNT, 'ec2-instance', 'demo-Box');
    expect(withRole.roleName).toBe('box-role');
    expect(withRole.settings.instanceId).toBe(box.settings.instanceId);
  });
});

describe("applyTemplate: Lambda's CreateFunction check on the execution role", () => {
  function functionStack(trust: string, functionName = 'fn-report'): string {
    return `Resources:
  FnRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: fn-role
      AssumeRolePolicyDocument: ${trust}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: ${functionName}
      Role: !GetAtt FnRole.Arn
      Runtime: nodejs20.x
      Handler: index.handler
      Code: { ZipFile: 'exports.handler = async () => 1;' }
`;
  }
  const statement = (principal: string, condition = '') =>
    `{ Version: '2012-10-17', Statement: [{ Effect: Allow, Principal: { Service: ${principal} }, Action: sts:AssumeRole${condition} }] }`;

  it('refuses a function whose role does not trust lambda.amazonaws.com, writing nothing', async () => {
    const error = await rejection(apply(functionStack(statement('ec2.amazonaws.com'))));
    expect(error).toBeInstanceOf(StackResourceError);
    expect(error.code).toBe('InvalidParameterValueException');
    expect(error.message).toContain('The role defined for the function cannot be assumed by Lambda.');
    expect(error.logicalId).toBe('Fn');
    expect(await roleNames()).toEqual([]);
    expect(await store.listWorkloads(ACCOUNT)).toEqual([]);
  });

  it("decides with the trust policy's conditions: a SourceArn naming another function is refused", async () => {
    const other = `, Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:lambda:${REGION}:${ACCOUNT}:function:other' } }`;
    expect((await rejection(apply(functionStack(statement('lambda.amazonaws.com', other))))).code).toBe(
      'InvalidParameterValueException',
    );
    const mine = `, Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:lambda:${REGION}:${ACCOUNT}:function:fn-*' } }`;
    expect((await apply(functionStack(statement('lambda.amazonaws.com', mine)))).applied).toBe(true);
  });

  it('accepts a role that trusts Lambda, and refuses an update that takes the trust away', async () => {
    expect((await apply(functionStack(statement('lambda.amazonaws.com')))).applied).toBe(true);
    // The role's trust changes before the function is replaced (a new name), as CloudFormation orders it.
    const error = await rejection(apply(functionStack(statement('ecs-tasks.amazonaws.com'), 'fn-renamed')));
    expect(error.code).toBe('InvalidParameterValueException');
    expect(JSON.parse((await store.getRole(ACCOUNT, 'fn-role')).assumeRolePolicyDocument)).toMatchObject({
      Statement: [{ Principal: { Service: 'lambda.amazonaws.com' } }],
    });
  });
});

describe('applyTemplate: service-linked roles', () => {
  const SLR = 'AWSServiceRoleForECS';
  const SLR_POLICY = 'arn:aws:iam::aws:policy/aws-service-role/AmazonECSServiceRolePolicy';
  const ecsTrust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  });
  /** The role as CreateServiceLinkedRole leaves it, plus `tags`. */
  async function serviceLinkedRole(tags: { key: string; value: string }[] = []): Promise<void> {
    await store.createRole(ACCOUNT, {
      roleName: SLR,
      path: '/aws-service-role/ecs.amazonaws.com/',
      assumeRolePolicyDocument: ecsTrust,
      tags,
    });
    await store.attachRolePolicy(ACCOUNT, SLR, SLR_POLICY);
  }
  async function unchanged(): Promise<void> {
    const role = await store.getRole(ACCOUNT, SLR);
    expect(JSON.parse(decodeURIComponent(role.assumeRolePolicyDocument))).toEqual(JSON.parse(ecsTrust));
    expect((await store.listAttachedRolePolicies(ACCOUNT, SLR)).items.map((a) => a.policyArn)).toEqual([
      SLR_POLICY,
    ]);
    expect((await store.listRolePolicies(ACCOUNT, SLR)).items).toEqual([]);
    expect((await store.listInstanceProfilesForRole(ACCOUNT, SLR)).items).toEqual([]);
  }

  it('attacker: creates no role under /aws-service-role/, writing nothing', async () => {
    const text = roleTemplate(SLR, '      Path: /aws-service-role/ecs.amazonaws.com/\n');
    const error = await rejection(apply(text));
    expect(error).toMatchObject({
      code: 'InvalidInput',
      logicalId: 'AppRole',
      path: 'Resources.AppRole.Properties.Path',
    });
    expect(error.message).toContain(
      "Path prefix '/aws-service-role/' can only be used for AWS Service linked Roles",
    );
    expect(await roleNames()).toEqual([]);
    expect(changes).toEqual([]);
  });

  it('attacker: puts no policy on one and puts it in no instance profile', async () => {
    await serviceLinkedRole();
    changes = [];
    const doc = `{ Version: '2012-10-17', Statement: [{ Effect: Allow, Action: '*', Resource: '*' }] }`;
    const templates: [string, string][] = [
      [
        'Inline',
        `Resources:\n  Inline:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyName: more\n      Roles: [${SLR}]\n      PolicyDocument: ${doc}\n`,
      ],
      [
        'Managed',
        `Resources:\n  Managed:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      ManagedPolicyName: more\n      Roles: [${SLR}]\n      PolicyDocument: ${doc}\n`,
      ],
      [
        'Profile',
        `Resources:\n  Profile:\n    Type: AWS::IAM::InstanceProfile\n    Properties: { InstanceProfileName: slr, Roles: [${SLR}] }\n`,
      ],
    ];
    for (const [logicalId, text] of templates) {
      const error = await rejection(apply(text));
      expect(error, logicalId).toMatchObject({
        code: 'UnmodifiableEntity',
        logicalId,
        path: `Resources.${logicalId}.Properties.Roles[0]`,
      });
    }
    await unchanged();
    expect(changes).toEqual([]);
  });

  it('attacker: neither deletes nor changes one tagged as the stack’s own', async () => {
    await serviceLinkedRole([
      { key: STACK_TAG, value: 'demo' },
      { key: LOGICAL_ID_TAG, value: 'AppRole' },
    ]);
    changes = [];
    // The template no longer "declares" it: the stack would delete it.
    const gone = await rejection(apply(roleTemplate('other').replace('AppRole:', 'Other:')));
    expect(gone).toMatchObject({ code: 'UnmodifiableEntity', status: 400 });
    const dropped = await rejection(
      deleteStack(store, { accountId: ACCOUNT, region: REGION, stackName: 'demo' }),
    );
    expect(dropped).toMatchObject({ code: 'UnmodifiableEntity' });
    // Declared with a trust of the attacker's choosing at the same path: an update, refused.
    const rewrite = roleTemplate(SLR, '      Path: /aws-service-role/ecs.amazonaws.com/\n');
    expect((await rejection(apply(rewrite))).code).toBe('InvalidInput');
    // Declared at another path: a replacement, which starts by deleting it; refused.
    expect((await rejection(apply(roleTemplate(SLR)))).code).toBe('UnmodifiableEntity');
    await unchanged();
    expect(await roleNames()).toEqual([SLR]);
    expect(changes).toEqual([]);
  });
});
