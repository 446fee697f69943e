import { describe, expect, it } from 'vitest';
import { generatedName, nameSuffix } from './physical.js';
import { ACCOUNT, fakeResolver, load, loadError, REGION } from './test-support/load.js';

const TRUST = 'AssumeRolePolicyDocument: { Version: "2012-10-17", Statement: [] }';

describe('Conditions', () => {
  const text = `Parameters:
  Env: { Type: String, Default: dev }
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Always:
    Type: AWS::IAM::Role
    Properties: { RoleName: always, ${TRUST} }
  ProdOnly:
    Type: AWS::IAM::Role
    Condition: IsProd
    Properties: { RoleName: prod-only, ${TRUST} }
Outputs:
  ProdArn:
    Condition: IsProd
    Value: !GetAtt ProdOnly.Arn
  Either:
    Value: !If [IsProd, !GetAtt ProdOnly.Arn, none]
`;
  it('leaves out resources and outputs whose condition is false, and only evaluates the chosen If branch', () => {
    const dev = load(text);
    expect(dev.roles.map((r) => r.roleName)).toEqual(['always']);
    expect(dev.outputs).toEqual([{ logicalId: 'Either', value: 'none' }]);
    expect(dev.order).toEqual(['Always']);
    const prod = load(text, { parameters: { Env: 'prod' } });
    expect(prod.roles.map((r) => r.roleName)).toEqual(['always', 'prod-only']);
    expect(prod.outputs.map((o) => o.logicalId)).toEqual(['ProdArn', 'Either']);
  });

  it('rejects a reference to a resource whose condition is false', () => {
    const bad = text.replace(
      'Properties: { RoleName: always,',
      'Properties: { RoleName: always, Description: !Ref ProdOnly,',
    );
    const e = loadError(bad);
    expect(e.message).toContain('ProdOnly is not created (its Condition is false)');
    expect(e.logicalId).toBe('Always');
  });

  it('rejects undefined conditions, non-boolean conditions and condition cycles', () => {
    expect(
      loadError(text.replace('Condition: IsProd\n    Properties', 'Condition: Nope\n    Properties')).message,
    ).toContain('condition Nope is not defined');
    const notBool = loadError(text.replace('IsProd: !Equals [!Ref Env, prod]', 'IsProd: !Ref Env'));
    expect(notBool.message).toContain('must be a condition function');
    const cycle = loadError(
      text.replace(
        'IsProd: !Equals [!Ref Env, prod]',
        'IsProd: !Not [!Condition Other]\n  Other: !And [!Condition IsProd, !Equals [a, a]]',
      ),
    );
    expect(cycle.message).toContain('Circular dependency between conditions: IsProd -> Other -> IsProd');
    const getAtt = loadError(
      text.replace('IsProd: !Equals [!Ref Env, prod]', 'IsProd: !Equals [!GetAtt Always.Arn, x]'),
    );
    expect(getAtt.message).toContain('Conditions cannot use Fn::GetAtt');
  });
});

describe('Mappings', () => {
  it('rejects missing maps and keys, and malformed mappings', () => {
    const base = (value: string, mappings = 'Mappings:\n  M:\n    k: { v: x }\n') => `${mappings}Resources:
  R:
    Type: AWS::IAM::Role
    Properties: { Description: ${value}, ${TRUST} }
`;
    expect(load(base('!FindInMap [M, k, v]')).roles[0]?.description).toBe('x');
    expect(loadError(base('!FindInMap [N, k, v]')).message).toContain('mapping N is not defined');
    expect(loadError(base('!FindInMap [M, q, v]')).message).toContain('key q is not in mapping M');
    expect(loadError(base('!FindInMap [M, k, w]')).message).toContain('key w is not in M.k');
    expect(loadError(base('x', 'Mappings:\n  M: [a]\n')).message).toContain(
      'a mapping must be a map of maps',
    );
  });
});

describe('dependencies', () => {
  it('orders resources so that dependencies come first (Ref, GetAtt, Sub, DependsOn)', () => {
    const state = load(`Resources:
  Profile:
    Type: AWS::IAM::InstanceProfile
    Properties: { Roles: [!Ref Role] }
  Fn:
    Type: AWS::Lambda::Function
    DependsOn: Queue
    Properties: { Role: !Sub '\${Role.Arn}', Code: ./src }
  Queue:
    Type: AWS::SQS::Queue
  Role:
    Type: AWS::IAM::Role
    Properties: { ${TRUST} }
`);
    expect(state.order).toEqual(['Role', 'Profile', 'Queue', 'Fn']);
  });

  it('names the cycle', () => {
    const e = loadError(`Resources:
  A:
    Type: AWS::IAM::Role
    Properties: { Description: !GetAtt B.Arn, ${TRUST} }
  B:
    Type: AWS::IAM::Role
    Properties: { Description: !Sub '\${C}', ${TRUST} }
  C:
    Type: AWS::IAM::Role
    DependsOn: [A]
    Properties: { ${TRUST} }
`);
    expect(e.message).toContain('Circular dependency between resources: A -> B -> C -> A');
    const self = loadError(
      `Resources:\n  A:\n    Type: AWS::IAM::Role\n    Properties: { Description: !Ref A, ${TRUST} }\n`,
    );
    expect(self.message).toContain('A -> A');
  });

  it('rejects references and DependsOn that lead nowhere, at their location', () => {
    const e = loadError(`Resources:
  A:
    Type: AWS::IAM::Role
    DependsOn: Ghost
    Properties:
      Description: !Ref Missing
      ${TRUST}
`);
    expect(e.issues.map((i) => i.message)).toEqual([
      'Unresolved reference: Missing is not a parameter, pseudo parameter or resource',
      'DependsOn names Ghost, which is not a resource',
    ]);
    expect(e.issues[0]).toMatchObject({ logicalId: 'A', position: { line: 6, column: 25 } });
  });
});

describe('resource types', () => {
  it('lists unknown types as skipped, never drops them, and answers Ref/GetAtt through the resolver', () => {
    const state = load(`Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties: { BucketName: data }
  Topic:
    Type: Custom::Thing
  Role:
    Type: AWS::IAM::Role
    Properties:
      Description: !GetAtt Bucket.Arn
      ${TRUST}
`);
    expect(state.skipped).toEqual([
      { logicalId: 'Bucket', type: 'AWS::S3::Bucket', position: { line: 3, column: 5 } },
      { logicalId: 'Topic', type: 'Custom::Thing', position: { line: 6, column: 5 } },
    ]);
    expect(state.roles[0]?.description).toBe('<known after apply: Bucket.Arn>');
    expect(state.order).toContain('Topic');
  });

  it('rejects unknown properties on supported types at the property, with every broken resource listed', () => {
    const e = loadError(`Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      ${TRUST}
      RoleNam: typo
  Profile:
    Type: AWS::IAM::InstanceProfile
    Properties:
      Roles: [a, b]
`);
    expect(e.issues).toHaveLength(2);
    expect(e.issues[0]).toMatchObject({
      logicalId: 'AppRole',
      path: 'Resources.AppRole.Properties.RoleNam',
      position: { line: 6, column: 16 },
      message: 'unsupported property RoleNam for AWS::IAM::Role',
    });
    expect(e.issues[1]).toMatchObject({ logicalId: 'Profile', path: 'Resources.Profile.Properties.Roles' });
    expect(e.message).toContain(
      'Resources.AppRole.Properties.RoleNam (line 6, column 16): unsupported property RoleNam',
    );
  });

  it('rejects bad values with their path and location', () => {
    const cases: [string, string, string][] = [
      ['MaxSessionDuration: 60', 'MaxSessionDuration', 'must be at least 3600'],
      ['MaxSessionDuration: soon', 'MaxSessionDuration', 'must be an integer'],
      ['RoleName: "has space"', 'RoleName', 'must match'],
      ['Path: no-slash', 'Path', 'must start and end with /'],
      ['ManagedPolicyArns: [not-an-arn]', 'ManagedPolicyArns[0]', 'must be an ARN'],
      [
        'Policies: [{ PolicyName: p }]',
        'Policies[0].PolicyDocument',
        'required property PolicyDocument is missing',
      ],
      [
        'Policies: [{ PolicyName: p, PolicyDocument: "{not json" }]',
        'Policies[0].PolicyDocument',
        'policy document',
      ],
      ['Tags: [{ Key: a }]', 'Tags[0].Value', 'required property Value is missing'],
    ];
    for (const [line, path, message] of cases) {
      const e = loadError(
        `Resources:\n  AppRole:\n    Type: AWS::IAM::Role\n    Properties:\n      ${TRUST}\n      ${line}\n`,
      );
      expect(e.path, line).toBe(`Resources.AppRole.Properties.${path}`);
      expect(e.message, line).toContain(message);
      expect(e.position?.line, line).toBe(6);
    }
    const missing = loadError(
      'Resources:\n  AppRole:\n    Type: AWS::IAM::Role\n    Properties: { RoleName: x }\n',
    );
    expect(missing.message).toContain('required property AssumeRolePolicyDocument is missing');
  });

  it('rejects unknown resource attributes, bad logical ids and missing Type', () => {
    expect(loadError(`Resources:\n  A:\n    Type: AWS::IAM::Role\n    Propertes: {}\n`).message).toContain(
      'unsupported resource attribute Propertes',
    );
    expect(loadError(`Resources:\n  a-b:\n    Type: AWS::IAM::Role\n`).message).toContain(
      'must be alphanumeric',
    );
    expect(loadError(`Resources:\n  A:\n    Properties: {}\n`).message).toContain('Type is required');
    expect(loadError(`Resources: {}\n`).message).toContain('at least one resource');
    expect(loadError(`Foo: 1\nResources:\n  A: { Type: X::Y::Z }\n`).message).toContain(
      'unknown template section Foo',
    );
    expect(
      loadError(`Transform: AWS::Serverless-2016-10-31\nResources:\n  A: { Type: X::Y::Z }\n`).message,
    ).toContain('Transform');
  });

  it('builds every supported type into its record, with AWS defaults filled in', () => {
    const state = load(
      `Resources:
  Boundary:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Path: /boundaries/
      PolicyDocument: '{"Version":"2012-10-17","Statement":[]}'
      Roles: [!Ref Role]
  Role:
    Type: AWS::IAM::Role
    Properties:
      Path: /apps/
      ${TRUST}
  Extra:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: extra
      PolicyDocument: { Statement: [] }
      Roles: [!Ref Role]
  Profile:
    Type: AWS::IAM::InstanceProfile
    Properties: { Roles: [!Ref Role] }
  Provider:
    Type: AWS::IAM::OIDCProvider
    Properties:
      Url: https://token.example.com/cluster/
      ClientIdList: [sts.amazonaws.com]
      ThumbprintList: ['9E99A48A9960B14926BB7F3B02E22DA2B0AB7280']
  Instance:
    Type: AWS::EC2::Instance
    Properties:
      IamInstanceProfile: !Ref Profile
      SubnetId: subnet-1
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      TaskRoleArn: !GetAtt Role.Arn
      NetworkMode: awsvpc
      ContainerDefinitions:
        - { Name: app, Image: img, Essential: true, Environment: [{ Name: A, Value: 1 }] }
  Assoc:
    Type: AWS::EKS::PodIdentityAssociation
    Properties: { ClusterName: c, Namespace: ns, ServiceAccount: sa, RoleArn: !GetAtt Role.Arn }
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt Role.Arn
      Code: ./functions/hello
      Environment: { Variables: { TASK: !Ref Task, N: 5 } }
`,
      { resolver: fakeResolver },
    );
    const role = state.roles[0]!;
    expect(role.roleName).toBe(
      generatedName({ stackName: 'demo', accountId: ACCOUNT, region: REGION, partition: 'aws' }, 'Role', 64),
    );
    expect(role.roleName).toMatch(/^demo-Role-[A-Z0-9]{13}$/);
    expect(role).toMatchObject({
      path: '/apps/',
      maxSessionDuration: 3600,
      arn: `arn:aws:iam::${ACCOUNT}:role/apps/${role.roleName}`,
    });
    expect(state.managedPolicies[0]).toMatchObject({
      path: '/boundaries/',
      roles: [role.roleName],
      document: { Version: '2012-10-17', Statement: [] },
    });
    expect(state.managedPolicies[0]?.arn).toMatch(
      /^arn:aws:iam::111122223333:policy\/boundaries\/demo-Boundary-/,
    );
    expect(state.rolePolicies[0]).toMatchObject({
      kind: 'role-policy',
      policyName: 'extra',
      roles: [role.roleName],
    });
    expect(state.instanceProfiles[0]?.roles).toEqual([role.roleName]);
    expect(state.oidcProviders[0]).toMatchObject({
      url: 'token.example.com/cluster',
      arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.example.com/cluster`,
      thumbprints: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'],
    });
    const [instance, task, assoc, fn] = state.workloads;
    expect(instance).toMatchObject({
      kind: 'ec2-instance',
      name: 'demo-Instance',
      instanceProfileName: state.instanceProfiles[0]?.instanceProfileName,
      metadataOptions: {
        httpTokens: 'optional',
        httpPutResponseHopLimit: 1,
        httpEndpoint: 'enabled',
        instanceMetadataTags: 'disabled',
      },
    });
    expect(task).toMatchObject({
      kind: 'ecs-task-definition',
      taskRoleArn: role.arn,
      containers: [{ name: 'app', image: 'img', environment: [{ name: 'A', value: '1' }] }],
    });
    expect(task?.name).toMatch(/^demo-Task-[A-Z0-9]{13}$/);
    expect(assoc).toMatchObject({ kind: 'eks-pod-identity', name: 'c/ns/sa', roleArn: role.arn });
    expect(fn).toMatchObject({
      kind: 'lambda-function',
      roleArn: role.arn,
      code: { path: './functions/hello' },
      timeout: 3,
      memorySize: 128,
      environment: { TASK: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${task?.name}:1`, N: '5' },
    });
    const warned = state.warnings.map((w) => w.path);
    expect(warned).toContain('Resources.Instance.Properties.SubnetId');
    expect(warned).toContain('Resources.Task.Properties.NetworkMode');
    expect(warned).toContain('Resources.Task.Properties.ContainerDefinitions[0]');
    expect(state.warnings.find((w) => w.path.endsWith('SubnetId'))?.position).toEqual({
      line: 32,
      column: 17,
    });
  });

  it('rejects type-specific mistakes', () => {
    const one = (type: string, props: string) =>
      loadError(`Resources:\n  R:\n    Type: ${type}\n    Properties: ${props}\n`);
    expect(one('AWS::IAM::Policy', '{ PolicyName: p, PolicyDocument: {} }').message).toContain(
      'at least one of Roles',
    );
    expect(one('AWS::IAM::OIDCProvider', '{ Url: "http://x" }').message).toContain('https://');
    expect(one('AWS::IAM::OIDCProvider', '{ Url: "https://x", ThumbprintList: [abc] }').message).toContain(
      '40 hex',
    );
    expect(one('AWS::EC2::Instance', '{ MetadataOptions: { HttpTokens: sometimes } }').message).toContain(
      'must be one of optional, required',
    );
    expect(
      one('AWS::EC2::Instance', '{ MetadataOptions: { HttpPutResponseHopLimit: 65 } }').message,
    ).toContain('at most 64');
    expect(one('AWS::Lambda::Function', '{ Role: r, Code: {} }').message).toContain('Code needs ZipFile');
    expect(one('AWS::Lambda::Function', '{ Role: r, Code: ./x, Timeout: 901 }').message).toContain(
      'at most 900',
    );
    expect(
      one('AWS::ECS::TaskDefinition', '{ ContainerDefinitions: [{ Name: a, Image: b, Bogus: 1 }] }').message,
    ).toContain('unsupported property Bogus');
  });
});

describe('generated names', () => {
  const env = { stackName: 'demo', accountId: ACCOUNT, region: REGION, partition: 'aws' };
  it('are stable per stack and logical id, and differ across stacks, accounts and regions', () => {
    expect(nameSuffix(env, 'AppRole')).toBe(nameSuffix(env, 'AppRole'));
    expect(nameSuffix(env, 'AppRole')).toMatch(/^[A-Z0-9]{13}$/);
    const others = [
      nameSuffix(env, 'OtherRole'),
      nameSuffix({ ...env, stackName: 'demo2' }, 'AppRole'),
      nameSuffix({ ...env, accountId: '444455556666' }, 'AppRole'),
      nameSuffix({ ...env, region: 'eu-west-1' }, 'AppRole'),
    ];
    expect(new Set([nameSuffix(env, 'AppRole'), ...others]).size).toBe(5);
  });

  it('fit the type limit by shortening the longer of stack name and logical id', () => {
    const long = { ...env, stackName: 'a-very-long-stack-name-that-goes-on-and-on-and-on' };
    const name = generatedName(long, 'AnEvenLongerLogicalIdForTheRole', 64);
    expect(name.length).toBe(64);
    expect(name).toMatch(/^a-very-long-stack-na[a-z-]*-AnEvenLonger[A-Za-z]*-[A-Z0-9]{13}$/);
  });
});
