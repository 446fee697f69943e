import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT, createTestPlane, xmlValue, type TestPlane } from '../server/test-support/plane.js';
import { WorkloadIssuer } from './workload-issuer.js';

let plane: TestPlane;
let issuer: WorkloadIssuer;
beforeEach(async () => {
  plane = await createTestPlane();
  issuer = new WorkloadIssuer({
    snapshot: plane.snapshot,
    keyRing: plane.keyRing,
    now: () => plane.clock.now,
  });
});
afterEach(async () => plane.close());

const trustService = (service: string, condition?: object): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: service },
        Action: 'sts:AssumeRole',
        ...(condition ? { Condition: condition } : {}),
      },
    ],
  });

describe('WorkloadIssuer', () => {
  it('issues credentials when the trust policy allows the service, carrying the delivery context', async () => {
    await plane.store.createRole(ACCOUNT, {
      roleName: 'web',
      assumeRolePolicyDocument: trustService('ec2.amazonaws.com'),
    });
    const creds = await issuer.issue({
      accountId: ACCOUNT,
      roleName: 'web',
      servicePrincipal: 'ec2.amazonaws.com',
      sessionName: 'i-0123456789abcdef0',
      deliveryContext: { 'ec2:RoleDelivery': '2.0' },
    });
    expect(creds.roleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/web`);
    expect(creds.expiration.getTime() - plane.clock.now).toBeGreaterThanOrEqual(6 * 3600 * 1000 - 1000);
    const who = await plane.call('sts', creds, { Action: 'GetCallerIdentity', Version: '2011-06-15' });
    expect(xmlValue(who.text, 'Arn')).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/web/i-0123456789abcdef0`);
  });

  it('refuses a role whose trust policy names another service, or a condition that fails', async () => {
    await plane.store.createRole(ACCOUNT, {
      roleName: 'fn',
      assumeRolePolicyDocument: trustService('lambda.amazonaws.com'),
    });
    await expect(
      issuer.issue({
        accountId: ACCOUNT,
        roleName: 'fn',
        servicePrincipal: 'ec2.amazonaws.com',
        sessionName: 'i-1',
      }),
    ).rejects.toMatchObject({ code: 'AccessDenied' });
    await plane.store.createRole(ACCOUNT, {
      roleName: 'task',
      assumeRolePolicyDocument: trustService('ecs-tasks.amazonaws.com', {
        ArnLike: { 'aws:SourceArn': `arn:aws:ecs:us-east-1:${ACCOUNT}:task/prod/*` },
      }),
    });
    await expect(
      issuer.issue({
        accountId: ACCOUNT,
        roleName: 'task',
        servicePrincipal: 'ecs-tasks.amazonaws.com',
        sessionName: 't1',
        sourceArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task/dev/t1`,
      }),
    ).rejects.toMatchObject({ code: 'AccessDenied' });
    const ok = await issuer.issue({
      accountId: ACCOUNT,
      roleName: 'task',
      servicePrincipal: 'ecs-tasks.amazonaws.com',
      sessionName: 't1',
      sourceArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task/prod/t1`,
    });
    expect(ok.accessKeyId).toMatch(/^ASIA/);
  });

  it('refuses a role that does not exist', async () => {
    await expect(
      issuer.issue({
        accountId: ACCOUNT,
        roleName: 'ghost',
        servicePrincipal: 'ec2.amazonaws.com',
        sessionName: 'i-1',
      }),
    ).rejects.toMatchObject({ code: 'AccessDenied', status: 403 });
  });
});
