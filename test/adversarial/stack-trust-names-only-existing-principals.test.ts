/**
 * Attack: a stack's role trusts `arn:aws:iam::<account>:role/deploy-bot`, a role that does not
 * exist (yet). `CreateRole` refuses such a trust policy ("Invalid principal in policy"): IAM binds
 * a named user or role to its unique id when the policy is stored, and there is none (IAM User
 * Guide, "IAM identifiers" → "Unique identifiers"). `credplane apply` checked only users, so it
 * stored the role ARN by name, and whoever may create roles later created `deploy-bot` with a trust
 * of their own, assumed it, and from it the stack's role.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyTemplate } from '../../src/stacks/apply.js';
import {
  ACCOUNT,
  createTestPlane,
  type Credentials,
  type TestPlane,
  xmlValue,
} from '../../src/server/test-support/plane.js';

const IAM = { Version: '2010-05-08' };
const STS = { Version: '2011-06-15' };
const REGION = 'us-east-1';

let plane: TestPlane;
beforeEach(async () => {
  plane = await createTestPlane();
});
afterEach(async () => {
  await plane.close();
});

async function admin(params: Record<string, string>): Promise<string> {
  const res = await plane.call('iam', plane.admin, { ...IAM, ...params });
  expect(res.status, res.text).toBe(200);
  return res.text;
}

const stackTrusting = (principal: string, extra = '') => `Resources:
  Deployer:
    Type: AWS::IAM::Role
    Properties:
      RoleName: stack-deployer
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement: [{ Effect: Allow, Principal: { AWS: '${principal}' }, Action: sts:AssumeRole }]
${extra}`;

const apply = (template: string) =>
  applyTemplate(plane.store, template, { accountId: ACCOUNT, region: REGION, stackName: 'demo' });

const BOT = `arn:aws:iam::${ACCOUNT}:role/deploy-bot`;

describe('a stack role’s trust policy', () => {
  it('naming a role that does not exist is refused, and nothing is created', async () => {
    await expect(apply(stackTrusting(BOT))).rejects.toMatchObject({ code: 'MalformedPolicyDocument' });
    expect(await plane.store.findRole(ACCOUNT, 'stack-deployer')).toBeUndefined();

    // What the refusal prevents: the attacker makes deploy-bot and is let into the stack's role.
    await admin({ Action: 'CreateUser', UserName: 'mallory' });
    const key = await admin({ Action: 'CreateAccessKey', UserName: 'mallory' });
    const mallory: Credentials = {
      accessKeyId: xmlValue(key, 'AccessKeyId')!,
      secretAccessKey: xmlValue(key, 'SecretAccessKey')!,
    };
    await admin({
      Action: 'CreateRole',
      RoleName: 'deploy-bot',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/mallory` },
            Action: 'sts:AssumeRole',
          },
        ],
      }),
    });
    expect(await plane.store.findRole(ACCOUNT, 'stack-deployer')).toBeUndefined();
    const assumed = await plane.call('sts', mallory, {
      ...STS,
      Action: 'AssumeRole',
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/stack-deployer`,
      RoleSessionName: 'mallory',
    });
    expect(assumed.status).not.toBe(200);
  });

  it('naming a role with another path than the one that exists is refused', async () => {
    await admin({
      Action: 'CreateRole',
      RoleName: 'deploy-bot',
      Path: '/ci/',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    });
    await expect(apply(stackTrusting(BOT))).rejects.toMatchObject({ code: 'MalformedPolicyDocument' });
    await apply(stackTrusting(`arn:aws:iam::${ACCOUNT}:role/ci/deploy-bot`));
    expect(await plane.store.findRole(ACCOUNT, 'stack-deployer')).toBeDefined();
  });

  it('naming a role the same stack declares is accepted', async () => {
    const bot = `  Bot:
    Type: AWS::IAM::Role
    Properties:
      RoleName: deploy-bot
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement: [{ Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: sts:AssumeRole }]
`;
    await apply(stackTrusting(BOT, bot));
    expect(await plane.store.findRole(ACCOUNT, 'stack-deployer')).toBeDefined();
    expect(await plane.store.findRole(ACCOUNT, 'deploy-bot')).toBeDefined();
  });

  it('changed on a later apply to name a role that does not exist is refused, the old trust kept', async () => {
    await admin({ Action: 'CreateUser', UserName: 'ops' });
    const ops = `arn:aws:iam::${ACCOUNT}:user/ops`;
    await apply(stackTrusting(ops));
    await expect(apply(stackTrusting(BOT))).rejects.toMatchObject({ code: 'MalformedPolicyDocument' });
    expect((await plane.store.findRole(ACCOUNT, 'stack-deployer'))!.assumeRolePolicyDocument).toContain(ops);
  });
});
