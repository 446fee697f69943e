import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../store/store.js';
import { openStore } from '../store/open.js';
import { applyTemplate } from './apply.js';
import { readCurrentStack, readCurrentState } from './current.js';
import { planChanges } from './diff.js';
import { LOGICAL_ID_TAG, STACK_TAG } from './ownership.js';
import { ACCOUNT, load, REGION } from './test-support/load.js';

let store: Store;
beforeEach(async () => {
  store = await openStore(':memory:');
  await store.createAccount({ accountId: ACCOUNT });
});
afterEach(async () => {
  await store.close();
});

const TEMPLATE = `Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app
      Description: the app
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement: [{ Effect: Allow, Principal: { Service: lambda.amazonaws.com }, Action: sts:AssumeRole }]
      Tags: [{ Key: team, Value: payments }]
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: fn
      Role: !GetAtt AppRole.Arn
      Code: { ZipFile: 'exports.handler = async () => 1' }
`;
const apply = (stackName = 'demo') =>
  applyTemplate(store, TEMPLATE, { accountId: ACCOUNT, region: REGION, stackName });

describe('readCurrentState', () => {
  it('describes what a stack owns as the template described it, without the ownership tags', async () => {
    await apply();
    const current = await readCurrentState(store, { accountId: ACCOUNT, stackName: 'demo', region: REGION });
    expect(current.roles).toHaveLength(1);
    expect(current.roles[0]).toMatchObject({
      stack: 'demo',
      logicalId: 'AppRole',
      roleName: 'app',
      description: 'the app',
      tags: [{ key: 'team', value: 'payments' }],
    });
    expect(current.workloads[0]).toMatchObject({
      kind: 'lambda-function',
      name: 'fn',
      stack: 'demo',
      logicalId: 'Fn',
    });
    const desired = load(TEMPLATE);
    expect(planChanges(desired, current).map((c) => c.action)).toEqual(['noop', 'noop']);
    // The tags are there in the Store, just not shown as the role's own.
    expect((await store.getRole(ACCOUNT, 'app')).tags).toContainEqual({ key: STACK_TAG, value: 'demo' });
    expect((await store.getRole(ACCOUNT, 'app')).tags).toContainEqual({
      key: LOGICAL_ID_TAG,
      value: 'AppRole',
    });
  });

  it('leaves out other stacks and hand-made records, unless the template names them', async () => {
    await apply('other');
    await store.createRole(ACCOUNT, {
      roleName: 'manual',
      assumeRolePolicyDocument: '{"Statement":[]}',
      description: '',
    });
    expect(allNames(await readCurrentState(store, { accountId: ACCOUNT, stackName: 'demo' }))).toEqual([]);
    const desired = load(`Resources:
  A: { Type: AWS::IAM::Role, Properties: { RoleName: app, AssumeRolePolicyDocument: {} } }
  B: { Type: AWS::IAM::Role, Properties: { RoleName: manual, AssumeRolePolicyDocument: {} } }
`);
    const current = await readCurrentState(store, { accountId: ACCOUNT, stackName: 'demo', desired });
    expect(current.roles.map((r) => [r.roleName, r.stack])).toEqual([
      ['app', 'other'],
      ['manual', undefined],
    ]);
    // An empty description is no description.
    expect(current.roles[1]).not.toHaveProperty('description');
    expect(() => planChanges(desired, current)).toThrow(
      /role app already exists and is managed by stack other/,
    );
  });

  it("resolves only the stack's own logical ids, and not under another name", async () => {
    await apply();
    const { resolver } = await readCurrentStack(store, { accountId: ACCOUNT, stackName: 'demo' });
    const roleId = (await store.getRole(ACCOUNT, 'app')).roleId;
    const ask = (physicalName?: string, type = 'AWS::IAM::Role') =>
      resolver({
        logicalId: 'AppRole',
        type,
        attribute: 'RoleId',
        ...(physicalName ? { physicalName } : {}),
      });
    expect(ask('app')).toBe(roleId);
    expect(ask('renamed')).toBeUndefined();
    expect(ask('app', 'AWS::IAM::User')).toBeUndefined();
    const other = await readCurrentStack(store, { accountId: ACCOUNT, stackName: 'other' });
    expect(
      other.resolver({ logicalId: 'AppRole', type: 'AWS::IAM::Role', attribute: 'RoleId' }),
    ).toBeUndefined();
  });
});

function allNames(state: Awaited<ReturnType<typeof readCurrentState>>): string[] {
  return [...state.roles.map((r) => r.roleName), ...state.workloads.map((w) => w.name)];
}
