import { describe, expect, it } from 'vitest';
import { ACCOUNT, fakeResolver, load, loadError } from './test-support/load.js';

/** Loads a template whose only output is `expr` (YAML), returning the output's value. */
function output(expr: string, head = '', options = {}): string {
  const text = `${head}
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app
      AssumeRolePolicyDocument: { Statement: [] }
Outputs:
  O:
    Value: ${expr}
`;
  const state = load(text, { resolver: fakeResolver, ...options });
  return state.outputs[0]?.value ?? '(none)';
}

const PARAMS = `Parameters:
  Env: { Type: String, Default: dev }
  Names: { Type: CommaDelimitedList, Default: "a, b ,c" }
Conditions:
  IsDev: !Equals [!Ref Env, dev]
  IsProd: { "Fn::Equals": [{ Ref: Env }, prod] }
Mappings:
  Regions:
    us-east-1: { Short: use1, Zones: [a, b] }`;

describe('intrinsic functions (short and long forms)', () => {
  const cases: [string, string, string][] = [
    ['Ref parameter', '!Ref Env', 'dev'],
    ['Ref parameter (long)', '{ Ref: Env }', 'dev'],
    ['Ref pseudo AccountId', '!Ref AWS::AccountId', ACCOUNT],
    ['Ref pseudo Region', '{ Ref: "AWS::Region" }', 'us-east-1'],
    ['Ref pseudo Partition', '!Ref AWS::Partition', 'aws'],
    ['Ref pseudo StackName', '!Ref AWS::StackName', 'demo'],
    ['Ref pseudo URLSuffix', '!Ref AWS::URLSuffix', 'amazonaws.com'],
    ['Ref role = role name', '!Ref AppRole', 'app'],
    ['GetAtt dotted', '!GetAtt AppRole.Arn', `arn:aws:iam::${ACCOUNT}:role/app`],
    ['GetAtt list', '!GetAtt [AppRole, Arn]', `arn:aws:iam::${ACCOUNT}:role/app`],
    ['GetAtt long', '{ "Fn::GetAtt": [AppRole, Arn] }', `arn:aws:iam::${ACCOUNT}:role/app`],
    ['GetAtt RoleId via resolver', '!GetAtt AppRole.RoleId', 'AROAAPPROLEXXXXXXXXXX'.slice(0, 21)],
    [
      'Sub string',
      '!Sub "${AWS::Region}-${Env}-${AppRole}-${AppRole.Arn}"',
      `us-east-1-dev-app-arn:aws:iam::${ACCOUNT}:role/app`,
    ],
    ['Sub escape', '!Sub "${!Literal}-${Env}"', '${Literal}-dev'],
    ['Sub with map', '!Sub ["${A}/${Env}", { A: !Ref AWS::AccountId }]', `${ACCOUNT}/dev`],
    ['Sub long', '{ "Fn::Sub": ["x${V}", { V: "1" }] }', 'x1'],
    ['Join', '!Join [":", [a, !Ref Env, 3]]', 'a:dev:3'],
    ['Join long over a list parameter', '{ "Fn::Join": ["+", { Ref: Names }] }', 'a+b+c'],
    ['Select', '!Select [1, !Ref Names]', 'b'],
    ['Select long', '{ "Fn::Select": ["2", [x, y, z]] }', 'z'],
    ['Split then Select', '!Select [1, !Split ["/", "a/b/c"]]', 'b'],
    ['Split long', '{ "Fn::Join": ["", { "Fn::Split": ["-", "a-b"] }] }', 'ab'],
    ['If true', '!If [IsDev, yes, no]', 'yes'],
    ['If false (long)', '{ "Fn::If": [IsProd, yes, no] }', 'no'],
    ['FindInMap', '!FindInMap [Regions, !Ref "AWS::Region", Short]', 'use1'],
    ['FindInMap long', '{ "Fn::Join": [",", { "Fn::FindInMap": [Regions, us-east-1, Zones] }] }', 'a,b'],
    ['Base64', '!Base64 "hello"', 'aGVsbG8='],
    ['Base64 long', '{ "Fn::Base64": { "Fn::Sub": "${Env}" } }', 'ZGV2'],
    ['ImportValue', '!ImportValue shared-vpc', 'vpc-123'],
    ['ImportValue long', '{ "Fn::ImportValue": { "Fn::Sub": "shared-${Env}" } }', 'from-dev'],
  ];
  for (const [name, expr, expected] of cases) {
    it(name, () => {
      expect(output(expr, PARAMS, { imports: { 'shared-vpc': 'vpc-123', 'shared-dev': 'from-dev' } })).toBe(
        expected,
      );
    });
  }

  it('Equals, Not, And, Or and Condition in Conditions (short and long)', () => {
    const head = `Parameters:
  Env: { Type: String, Default: dev }
  Count: { Type: Number, Default: 3 }
Conditions:
  IsDev: !Equals [!Ref Env, dev]
  NotDev: !Not [!Condition IsDev]
  Both: !And [!Condition IsDev, !Equals [!Ref Count, 3]]
  Either: { "Fn::Or": [{ Condition: NotDev }, { "Fn::Equals": [a, a] }] }
  Neither: { "Fn::Not": [{ "Fn::Or": [{ Condition: NotDev }, { Condition: NotDev }] }] }`;
    const value =
      '!Join [",", [!If [IsDev, d, x], !If [NotDev, n, x], !If [Both, b, x], !If [Either, e, x], !If [Neither, z, x]]]';
    expect(output(value, head)).toBe('d,x,b,e,z');
  });

  it('AWS::NoValue removes a property and a list item', () => {
    const text = `Conditions:
  No: !Equals [a, b]
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app
      Description: !If [No, "never", !Ref AWS::NoValue]
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/ReadOnlyAccess
        - !If [No, "arn:aws:iam::aws:policy/AdministratorAccess", { Ref: "AWS::NoValue" }]
      AssumeRolePolicyDocument: { Statement: [] }
`;
    const role = load(text).roles[0]!;
    expect(role.description).toBeUndefined();
    expect(role.managedPolicyArns).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess']);
  });

  it('rejects unsupported and misused functions with their location', () => {
    const getAzs = loadError(
      `Resources:\n  R:\n    Type: AWS::S3::Bucket\n    Properties:\n      X: !Select [0, !GetAZs ""]\n`,
    );
    expect(getAzs.message).toContain('Fn::GetAZs is not supported');
    expect(getAzs.logicalId).toBe('R');
    expect(getAzs.position?.line).toBe(5);
    const cidr = loadError(
      `Resources:\n  R:\n    Type: AWS::S3::Bucket\n    Properties:\n      X: !Cidr [a, 1, 2]\n`,
    );
    expect(cidr.message).toContain('Fn::Cidr is not supported by credplane');
    const long = loadError(
      `Resources:\n  R:\n    Type: AWS::S3::Bucket\n    Properties:\n      X: { "Fn::Nope": 1 }\n`,
    );
    expect(long.message).toContain('Fn::Nope is not supported');
    const badJoin = loadError(
      `Resources:\n  R:\n    Type: AWS::S3::Bucket\n    Properties:\n      X: !Join [",", a]\n`,
    );
    expect(badJoin.message).toContain('Fn::Join needs the values as a list');
    const badSelect = loadError(
      `Resources:\n  R:\n    Type: AWS::S3::Bucket\n    Properties:\n      X: !Select [5, [a]]\n`,
    );
    expect(badSelect.message).toContain('outside the list');
    const unclosed = loadError(
      `Resources:\n  R:\n    Type: AWS::S3::Bucket\n    Properties:\n      X: !Sub "a-\${Oops"\n`,
    );
    expect(unclosed.message).toContain('unclosed');
    const refFn = loadError(
      `Resources:\n  R:\n    Type: AWS::S3::Bucket\n    Properties:\n      X: !Ref [a]\n`,
    );
    expect(refFn.message).toContain('Ref needs a name as a literal string');
    const noImport = loadError(
      `Resources:\n  R:\n    Type: AWS::S3::Bucket\n    Properties:\n      X: !ImportValue missing\n`,
    );
    expect(noImport.message).toContain('no export named missing');
    const badAttr = loadError(
      `${'Resources:\n  A:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {}\n'}  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      X: !GetAtt A.Nope\n`,
    );
    expect(badAttr.message).toContain('has no attribute Nope');
    expect(badAttr.logicalId).toBe('B');
  });

  it('values known only after apply become placeholders with a warning', () => {
    const text = `Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app
      AssumeRolePolicyDocument: { Statement: [] }
Outputs:
  Id: { Value: !GetAtt AppRole.RoleId }
`;
    const state = load(text);
    expect(state.outputs[0]?.value).toBe('<known after apply: AppRole.RoleId>');
    expect(state.warnings.map((w) => w.message)).toContain('AppRole.RoleId is known only after apply');
  });
});
