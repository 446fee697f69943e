/**
 * Attack: make `credplane apply` delete (or take over) a role that is not its own.
 *
 * A stack owns the roles, managed policies, instance profiles and OIDC providers that carry its
 * `credplane:stack` / `credplane:logical-id` tags (`src/stacks/ownership.ts`), and an apply
 * deletes the records it owns that the template no longer declares. A caller allowed only
 * `iam:TagRole` could tag someone else's role `credplane:stack=<stack>`, and the next apply of that
 * stack — run by an administrator — would delete it (or `UntagRole` a stack's role to make the
 * apply refuse it). The `credplane:` prefix is therefore reserved as IAM reserves `aws:` ("User-defined
 * tag keys can't start with 'aws:'", IAM's `InvalidInput`; CloudFormation's own
 * `aws:cloudformation:*` tags are out of users' reach the same way): no IAM call may set or remove
 * such a key, in any letter case.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyTemplate } from '../../src/stacks/apply.js';
import { ACCOUNT, createTestPlane, type TestPlane } from '../../src/server/test-support/plane.js';

const REGION = 'us-east-1';

const IAM = { Version: '2010-05-08' };
const errorCode = (text: string) => /<Code>([^<]+)<\/Code>/.exec(text)?.[1];

let plane: TestPlane;
beforeEach(async () => {
  plane = await createTestPlane();
});
afterEach(async () => {
  await plane.close();
});

const iam = (params: Record<string, string>) => plane.call('iam', plane.admin, { ...IAM, ...params });

const trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

const stackTemplate = `Resources:
  Kept:
    Type: AWS::IAM::Role
    Properties:
      RoleName: stack-role
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement: [{ Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: sts:AssumeRole }]
`;

describe('the credplane: tag prefix', () => {
  it('cannot be set on a role, so no caller can hand a role to a stack to delete', async () => {
    expect(
      (await iam({ Action: 'CreateRole', RoleName: 'victim', AssumeRolePolicyDocument: trust })).status,
    ).toBe(200);
    for (const key of ['credplane:stack', 'CredPlane:Stack', 'CREDPLANE:logical-id', 'credplane:policy:x']) {
      const tagged = await iam({
        Action: 'TagRole',
        RoleName: 'victim',
        'Tags.member.1.Key': key,
        'Tags.member.1.Value': 'demo',
      });
      expect(tagged.status, `${key}: ${tagged.text}`).toBe(400);
      expect(errorCode(tagged.text)).toBe('InvalidInput');
      expect(tagged.text).toContain('credplane:');
    }
    const created = await iam({
      Action: 'CreateRole',
      RoleName: 'forged',
      AssumeRolePolicyDocument: trust,
      'Tags.member.1.Key': 'credplane:stack',
      'Tags.member.1.Value': 'demo',
    });
    expect(created.status, created.text).toBe(400);
    expect(errorCode(created.text)).toBe('InvalidInput');
    expect(await plane.store.findRole(ACCOUNT, 'forged')).toBeUndefined();

    // The stack applied now (and again without the role) leaves the victim alone.
    await applyTemplate(plane.store, stackTemplate, {
      accountId: ACCOUNT,
      region: REGION,
      stackName: 'demo',
    });
    await applyTemplate(plane.store, stackTemplate.replace('stack-role', 'stack-role-2'), {
      accountId: ACCOUNT,
      region: REGION,
      stackName: 'demo',
    });
    expect(await plane.store.findRole(ACCOUNT, 'stack-role')).toBeUndefined();
    const victim = await plane.store.findRole(ACCOUNT, 'victim');
    expect(victim?.roleName).toBe('victim');
    expect(victim?.tags ?? []).toEqual([]);
  });

  it('cannot be removed from a stack role, nor set on users, policies, profiles or providers', async () => {
    await applyTemplate(plane.store, stackTemplate, {
      accountId: ACCOUNT,
      region: REGION,
      stackName: 'demo',
    });
    const untagged = await iam({
      Action: 'UntagRole',
      RoleName: 'stack-role',
      'TagKeys.member.1': 'Credplane:stack',
    });
    expect(untagged.status, untagged.text).toBe(400);
    expect(errorCode(untagged.text)).toBe('InvalidInput');
    const role = await plane.store.findRole(ACCOUNT, 'stack-role');
    expect(role?.tags.map((t) => t.key)).toContain('credplane:stack');

    const tag = { 'Tags.member.1.Key': 'credplane:stack', 'Tags.member.1.Value': 'demo' };
    const attempts: Record<string, string>[] = [
      { Action: 'CreateUser', UserName: 'u', ...tag },
      { Action: 'CreatePolicy', PolicyName: 'p', PolicyDocument: trustlessPolicy(), ...tag },
      { Action: 'CreateInstanceProfile', InstanceProfileName: 'ip', ...tag },
    ];
    for (const attempt of attempts) {
      const res = await iam(attempt);
      expect(res.status, `${attempt.Action}: ${res.text}`).toBe(400);
      expect(errorCode(res.text)).toBe('InvalidInput');
    }
    expect(await plane.store.findUser(ACCOUNT, 'u')).toBeUndefined();

    expect((await iam({ Action: 'CreateUser', UserName: 'plain' })).status).toBe(200);
    const userTag = await iam({ Action: 'TagUser', UserName: 'plain', ...tag });
    expect(userTag.status, userTag.text).toBe(400);
    const userUntag = await iam({
      Action: 'UntagUser',
      UserName: 'plain',
      'TagKeys.member.1': 'credplane:stack',
    });
    expect(userUntag.status, userUntag.text).toBe(400);
    // Ordinary keys still work.
    const ok = await iam({
      Action: 'TagRole',
      RoleName: 'stack-role',
      'Tags.member.1.Key': 'team',
      'Tags.member.1.Value': 'credplane:stack',
    });
    expect(ok.status, ok.text).toBe(200);
  });
});

function trustlessPolicy(): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
  });
}
