import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyTemplate } from '../../stacks/apply.js';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/store.js';
import { findFunction } from './functions.js';

const ACCOUNT = '123456789012';
const where = { accountId: ACCOUNT, region: 'us-east-1', partition: 'aws' };
let store: Store;

beforeEach(async () => {
  store = await openStore(':memory:');
  await store.createAccount({ accountId: ACCOUNT });
});
afterEach(() => store.close());

const template = (reserved: string): string => `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: fn-role
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement: [{ Effect: Allow, Principal: { Service: lambda.amazonaws.com }, Action: sts:AssumeRole }]
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: fn
      Role: !GetAtt Role.Arn
      Code: { ZipFile: 'exports.handler = async () => 1' }
${reserved}`;

describe('findFunction', () => {
  it("carries the template's ReservedConcurrentExecutions to the function host, and a change applies", async () => {
    const apply = (text: string) =>
      applyTemplate(store, text, { accountId: ACCOUNT, region: 'us-east-1', stackName: 's' });
    await apply(template(''));
    expect((await findFunction(store, where, 'fn')).reservedConcurrentExecutions).toBeUndefined();
    await apply(template('      ReservedConcurrentExecutions: 2\n'));
    expect((await findFunction(store, where, 'fn')).reservedConcurrentExecutions).toBe(2);
    await apply(template('      ReservedConcurrentExecutions: 0\n'));
    expect((await findFunction(store, where, 'fn')).reservedConcurrentExecutions).toBe(0);
  });
});
