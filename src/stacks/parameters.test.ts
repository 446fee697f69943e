import { describe, expect, it } from 'vitest';
import { load, loadError, roleTemplate } from './test-support/load.js';

const PARAMS = `Parameters:
  Env:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
  Hours:
    Type: Number
    Default: 2
    MinValue: 1
    MaxValue: 12
  Prefix:
    Type: String
    Default: app
    AllowedPattern: '[a-z]+'
    MinLength: 2
    MaxLength: 8
  Zones:
    Type: List<Number>
    Default: "1,2"
  Subnets:
    Type: List<AWS::EC2::Subnet::Id>
    Default: subnet-1,subnet-2
  DbPassword:
    Type: String
    NoEcho: true
    MinLength: 12
    Default: correct-horse-battery`;

const ROLE_PROPS = `      RoleName: !Sub '\${Prefix}-\${Env}'
      Description: !Join [',', !Ref Zones]
      MaxSessionDuration: !Join ['', [!Ref Hours, '9000']]
`;

describe('Parameters', () => {
  it('uses defaults, and supplied values override them', () => {
    const byDefault = load(roleTemplate(PARAMS, ROLE_PROPS));
    expect(byDefault.roles[0]?.roleName).toBe('app-dev');
    expect(byDefault.roles[0]?.description).toBe('1,2');
    expect(byDefault.roles[0]?.maxSessionDuration).toBe(29000);
    const given = load(roleTemplate(PARAMS, ROLE_PROPS), {
      parameters: { Env: 'prod', Hours: 3, Zones: [4, 5] },
    });
    expect(given.roles[0]?.roleName).toBe('app-prod');
    expect(given.roles[0]?.maxSessionDuration).toBe(39000);
    expect(given.roles[0]?.description).toBe('4,5');
    const env = given.parameters.find((p) => p.name === 'Env');
    expect(env).toMatchObject({ value: 'prod', usedDefault: false });
  });

  it('splits and trims CommaDelimitedList and AWS list types', () => {
    const state = load(roleTemplate(PARAMS, `      Description: !Join ['|', !Ref Subnets]\n`), {
      parameters: { Subnets: ' subnet-a , subnet-b' },
    });
    expect(state.roles[0]?.description).toBe('subnet-a|subnet-b');
  });

  it('rejects a value outside AllowedValues, naming the parameter and its location', () => {
    const e = loadError(roleTemplate(PARAMS), { parameters: { Env: 'staging' } });
    expect(e.message).toContain("Parameter 'Env' must be one of AllowedValues (got 'staging')");
    expect(e.logicalId).toBe('Env');
    expect(e.path).toBe('Parameters.Env');
    expect(e.position).toEqual({ line: 3, column: 5 });
  });

  it('checks pattern, lengths, numbers and ranges', () => {
    const cases: [Record<string, string | number>, string][] = [
      [{ Prefix: 'App1' }, 'must match pattern [a-z]+'],
      [{ Prefix: 'a' }, 'length must be at least 2'],
      [{ Prefix: 'abcdefghij' }, 'length must be at most 8'],
      [{ Hours: 'two' }, "must be a number (got 'two')"],
      [{ Hours: 13 }, 'must be at most 12'],
      [{ Hours: 0 }, 'must be at least 1'],
      [{ Zones: '1,x' }, 'must be a number'],
    ];
    for (const [parameters, message] of cases) {
      expect(loadError(roleTemplate(PARAMS), { parameters }).message).toContain(message);
    }
  });

  it('uses ConstraintDescription when given', () => {
    const head = `Parameters:\n  P: { Type: String, AllowedPattern: '[0-9]+', ConstraintDescription: 'digits only' }`;
    expect(loadError(roleTemplate(head), { parameters: { P: 'x' } }).message).toContain(
      "Parameter 'P' failed to satisfy constraint: digits only (got 'x')",
    );
  });

  it('never echoes a NoEcho value: not in errors about it, not in errors elsewhere, not in the state', () => {
    const secret = 'hunter2-hunter2-leak';
    const short = 'tiny-secret';
    const tooShort = loadError(roleTemplate(PARAMS), { parameters: { DbPassword: short } });
    expect(tooShort.message).toContain(
      "Parameter 'DbPassword' failed to satisfy constraint: length must be at least 12",
    );
    expect(tooShort.message).not.toContain(short);
    // The secret flows into a property that rejects it: the schema message must not show it either.
    const misuse = loadError(roleTemplate(PARAMS, '      MaxSessionDuration: !Ref DbPassword\n'), {
      parameters: { DbPassword: secret },
    });
    expect(JSON.stringify(misuse.issues)).not.toContain(secret);
    expect(misuse.message).not.toContain(secret);
    const asName = loadError(roleTemplate(PARAMS, '      RoleName: !Sub "${DbPassword} x"\n'), {
      parameters: { DbPassword: secret },
    });
    expect(asName.message).not.toContain(secret);
    const ok = load(roleTemplate(PARAMS), { parameters: { DbPassword: secret } });
    expect(ok.parameters.find((p) => p.name === 'DbPassword')).toMatchObject({ value: '****', noEcho: true });
    expect(JSON.stringify(ok)).not.toContain(secret);
    expect(JSON.stringify(load(roleTemplate(PARAMS)))).not.toContain('correct-horse-battery');
  });

  it('reports unknown supplied parameters and missing values', () => {
    expect(loadError(roleTemplate(PARAMS), { parameters: { Nope: 'x' } }).message).toContain(
      'Parameters: [Nope] do not exist in the template',
    );
    const head = 'Parameters:\n  A: { Type: String }\n  B: { Type: Number }';
    expect(loadError(roleTemplate(head)).message).toContain('Parameters: [A, B] must have values');
  });

  it('rejects unknown parameter types, SSM types and unknown parameter properties', () => {
    expect(loadError(roleTemplate('Parameters:\n  A: { Type: Strin, Default: x }')).message).toContain(
      'unsupported parameter type Strin',
    );
    expect(
      loadError(roleTemplate("Parameters:\n  A: { Type: 'AWS::SSM::Parameter::Value<String>', Default: x }"))
        .message,
    ).toContain('does not read SSM parameters');
    const bad = loadError(roleTemplate('Parameters:\n  A:\n    Type: String\n    Defualt: x'));
    expect(bad.message).toContain('unsupported parameter property Defualt');
    expect(bad.position).toEqual({ line: 4, column: 5 });
  });
});
