/**
 * Property: `credplane apply` changes only what the stack owns, in its own account, and a value
 * given to it (a parameter) is data, never template: it is not re-expanded by `Fn::Sub`, cannot
 * override a pseudo parameter, and an alias bomb is refused before anything is written. A refused
 * apply writes nothing. See "Pseudo parameters reference" and "Fn::Sub" in the AWS CloudFormation
 * User Guide.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyTemplate, type ApplyOptions } from '../../src/stacks/apply.js';
import { openStore } from '../../src/store/open.js';
import type { Store, StoreChange } from '../../src/store/store.js';

const ACCOUNT = '123456789012';
let store: Store;
let changes: StoreChange[];

const TRUST = `AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement: [{ Effect: Allow, Principal: { Service: ecs-tasks.amazonaws.com }, Action: sts:AssumeRole }]`;

function apply(text: string, options: Partial<ApplyOptions> = {}) {
  return applyTemplate(store, text, {
    accountId: ACCOUNT,
    region: 'us-east-1',
    stackName: 'mine',
    ...options,
  });
}

async function refusal(work: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await work;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected the apply to be refused');
}

const taskTemplate = (family: string, roleArn: string) => `Resources:
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: ${family}
      TaskRoleArn: ${roleArn}
      ContainerDefinitions: [{ Name: main, Image: busybox }]
`;

beforeEach(async () => {
  store = await openStore(':memory:');
  await store.createAccount({ accountId: ACCOUNT });
  await apply(
    `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: theirs
      ${TRUST}
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: theirs
      TaskRoleArn: !GetAtt Role.Arn
      ContainerDefinitions: [{ Name: main, Image: busybox }]
`,
    { stackName: 'theirs' },
  );
  changes = [];
  store.onChange((c) => changes.push(c));
});
afterEach(async () => store.close());

describe('templates cannot escalate', () => {
  it("positive control: a stack creates its own role and task, then refuses another stack's names", async () => {
    const ok = await apply(`Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: mine
      ${TRUST}
`);
    expect(ok.applied).toBe(true);
    expect(changes.length).toBeGreaterThan(0);
  });

  it("refuses to take over another stack's workload to give it this stack's role", async () => {
    await apply(`Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: mine
      ${TRUST}
`);
    changes = [];
    const error = await refusal(apply(taskTemplate('theirs', `arn:aws:iam::${ACCOUNT}:role/mine`)));
    expect(error.code).toBe('EntityAlreadyExists');
    expect(error.message).toContain('managed by stack theirs');
    expect(changes).toEqual([]);
  });

  it("refuses to take over another stack's role, even to change only its trust policy to *", async () => {
    const error = await refusal(
      apply(`Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: theirs
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement: [{ Effect: Allow, Principal: { AWS: '*' }, Action: sts:AssumeRole }]
`),
    );
    expect(error.code).toBe('EntityAlreadyExists');
    expect(changes).toEqual([]);
    expect((await store.getRole(ACCOUNT, 'theirs')).assumeRolePolicyDocument).not.toContain('"*"');
  });

  it('refuses a role of another account for a workload (ValidationError), writing nothing', async () => {
    const error = await refusal(apply(taskTemplate('mine', 'arn:aws:iam::999999999999:role/admin')));
    expect(error.code).toBe('ValidationError');
    expect(changes).toEqual([]);
  });

  it('does not re-expand a parameter value inside Fn::Sub, nor let one override a pseudo parameter', async () => {
    const template = `Parameters:
  Suffix: { Type: String }
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub 'mine-\${Suffix}'
      Description: !Sub '\${AWS::AccountId}/\${Suffix}'
      ${TRUST}
`;
    await apply(template, { parameters: { Suffix: 'x' } });
    const injected = await refusal(apply(template, { parameters: { Suffix: '${AWS::AccountId}' } }));
    // The literal "${AWS::AccountId}" is not a valid role name: refused as data, not expanded.
    expect(injected.message).not.toContain(ACCOUNT + '-');
    expect((await store.getRole(ACCOUNT, 'mine-x')).description).toBe(`${ACCOUNT}/x`);
    const pseudo = await refusal(
      apply(template, { parameters: { Suffix: 'y', 'AWS::AccountId': '999999999999' } }),
    );
    expect(pseudo.message).toMatch(/AWS::AccountId/);
    expect((await store.listRoles(ACCOUNT)).items.map((r) => r.roleName).sort()).toEqual([
      'mine-x',
      'theirs',
    ]);
  });

  it('refuses a stack name that would climb out of its namespace of tags and names', async () => {
    for (const stackName of ['../theirs', 'theirs/x', '', 'a'.repeat(200)]) {
      const error = await refusal(
        apply(
          `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      ${TRUST}
`,
          { stackName },
        ),
      );
      expect(error.message.length).toBeGreaterThan(0);
    }
    expect(changes).toEqual([]);
  });

  it('refuses an alias bomb before writing anything', async () => {
    const lines = ['Resources: {}', 'Metadata:', '  a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i += 1) {
      const prev = String.fromCharCode(97 + i);
      const next = String.fromCharCode(98 + i);
      lines.push(`  ${next}: &${next} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    const error = await refusal(apply(`${lines.join('\n')}\n`));
    expect(error.message).toContain('more than');
    expect(changes).toEqual([]);
  });
});
