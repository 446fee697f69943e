import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveryRecord } from '../../audit/delivery-record.js';
import { buildAccessEvent } from '../../audit/record.js';
import type { Store } from '../../store/store.js';
import {
  ACCT,
  allow,
  event,
  load,
  memoryStore,
  policy,
  role,
  trustService,
} from '../test-support/fixtures.js';
import { adminAccessFindings } from './admin-access.js';
import { sessionDurationFindings } from './session-duration.js';
import { roleSharingFindings } from './shared-roles.js';

let store: Store;
beforeEach(async () => {
  store = await memoryStore();
});
afterEach(() => store.close());

const adminCodes = async (): Promise<string[]> =>
  adminAccessFindings(await load(store)).map((f) => `${f.code} ${f.subject.name}`);

describe('ROLE_ALLOWS_FULL_ADMIN', () => {
  it('flags *:* on *, and AdministratorAccess attached', async () => {
    await role(store, 'a', { inline: { all: policy(allow('*:*')) } });
    await role(store, 'b');
    await store.attachRolePolicy(ACCT, 'b', 'arn:aws:iam::aws:policy/AdministratorAccess');
    const findings = adminAccessFindings(await load(store));
    expect(findings.map((f) => `${f.code} ${f.subject.name}`)).toEqual([
      'ROLE_ALLOWS_FULL_ADMIN a',
      'ROLE_ALLOWS_FULL_ADMIN b',
    ]);
    expect(findings[1]?.details?.policies).toEqual(['arn:aws:iam::aws:policy/AdministratorAccess']);
  });

  it('does not flag PowerUserAccess, nor * capped by a permissions boundary', async () => {
    await role(store, 'power');
    await store.attachRolePolicy(ACCT, 'power', 'arn:aws:iam::aws:policy/PowerUserAccess');
    await role(store, 'capped', { inline: { all: policy(allow('*')) } });
    const boundary = await store.createPolicy(ACCT, {
      policyName: 'cap',
      document: policy(allow('s3:GetObject')),
    });
    await store.putRolePermissionsBoundary(ACCT, 'capped', boundary.arn);
    expect(await adminCodes()).toEqual([]);
  });
});

describe('PASS_ROLE_ON_STAR', () => {
  it('flags iam:PassRole on * and on every role of the account', async () => {
    await role(store, 'a', { inline: { p: policy(allow('iam:PassRole')) } });
    await role(store, 'b', { inline: { p: policy(allow('iam:Pass*', `arn:aws:iam::${ACCT}:role/*`)) } });
    expect(await adminCodes()).toEqual(['PASS_ROLE_ON_STAR a', 'PASS_ROLE_ON_STAR b']);
  });

  it('does not flag PassRole on named roles or limited by iam:PassedToService', async () => {
    await role(store, 'a', {
      inline: { p: policy(allow('iam:PassRole', `arn:aws:iam::${ACCT}:role/app-*`)) },
    });
    await role(store, 'b', {
      inline: {
        p: policy(
          allow('iam:PassRole', '*', {
            Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
          }),
        ),
      },
    });
    expect(await adminCodes()).toEqual([]);
  });
});

describe('LONG_MAX_SESSION_DURATION', () => {
  it('flags more than 4 hours', async () => {
    await role(store, 'long', { maxSessionDuration: 12 * 3600 });
    expect(sessionDurationFindings(await load(store)).map((f) => f.subject.name)).toEqual(['long']);
  });

  it('does not flag 4 hours or the 1-hour default', async () => {
    await role(store, 'four', { maxSessionDuration: 4 * 3600 });
    await role(store, 'default');
    expect(sessionDurationFindings(await load(store))).toEqual([]);
  });
});

describe('ROLE_SHARED_BY_WORKLOADS / _UNRELATED_WORKLOADS', () => {
  async function workload(
    kind: 'ec2-instance' | 'lambda-function',
    name: string,
    roleName: string,
  ): Promise<void> {
    await store.putWorkload(ACCT, { kind, name, roleName, settings: {} });
  }

  it('flags a role declared for two instances (WARNING) and for an instance and a function (SECURITY_WARNING)', async () => {
    await role(store, 'fleet');
    await role(store, 'mixed', { trust: trustService('lambda.amazonaws.com') });
    await workload('ec2-instance', 'a', 'fleet');
    await workload('ec2-instance', 'b', 'fleet');
    await workload('ec2-instance', 'c', 'mixed');
    await workload('lambda-function', 'f', 'mixed');
    const findings = roleSharingFindings(await load(store));
    expect(findings.map((f) => [f.code, f.severity, f.subject.name])).toEqual([
      ['ROLE_SHARED_BY_WORKLOADS', 'WARNING', 'fleet'],
      ['ROLE_SHARED_BY_UNRELATED_WORKLOADS', 'SECURITY_WARNING', 'mixed'],
    ]);
    expect(findings[1]?.details?.workloads).toEqual(['ec2-instance/c', 'lambda-function/f']);
  });

  it('flags a role the log shows delivered to two instances though one is declared', async () => {
    await role(store, 'web');
    await workload('ec2-instance', 'a', 'web');
    const delivery = (instanceId: string) =>
      event(new Date(), {
        roleName: 'web',
        channel: 'imds',
        eventSource: 'ec2.amazonaws.com',
        eventName: 'GetRoleCredentials',
        record: {
          userIdentity: { type: 'AWSService', invokedBy: 'ec2.amazonaws.com' },
          requestParameters: { instanceId },
        },
      });
    await store.appendAccessEvents([delivery('i-1'), delivery('i-2'), delivery('i-1')]);
    const findings = roleSharingFindings(await load(store));
    expect(findings.map((f) => f.code)).toEqual(['ROLE_SHARED_BY_WORKLOADS']);
    expect(findings[0]?.details?.observedSources).toEqual(['imds:i-1', 'imds:i-2']);
  });

  it('reads the workload from the access log records of credential deliveries', async () => {
    await role(store, 'web');
    await role(store, 'fn', { trust: trustService('lambda.amazonaws.com') });
    const deliver = (roleName: string, servicePrincipal: string, sessionName: string, sourceArn: string) =>
      buildAccessEvent(
        deliveryRecord({
          servicePrincipal,
          accountId: ACCT,
          roleName,
          sessionName,
          durationSeconds: 3600,
          sourceArn,
          region: 'us-east-1',
          eventTime: new Date(),
          decisions: [],
        }),
      );
    await store.appendAccessEvents([
      deliver('web', 'ec2.amazonaws.com', 'i-0aaa', `arn:aws:ec2:us-east-1:${ACCT}:instance/i-0aaa`),
      deliver('web', 'ec2.amazonaws.com', 'i-0aaa', `arn:aws:ec2:us-east-1:${ACCT}:instance/i-0aaa`),
      deliver('web', 'lambda.amazonaws.com', 'report', `arn:aws:lambda:us-east-1:${ACCT}:function:report`),
      deliver('fn', 'lambda.amazonaws.com', 'report', `arn:aws:lambda:us-east-1:${ACCT}:function:report`),
    ]);
    const findings = roleSharingFindings(await load(store));
    expect(findings.map((f) => [f.code, f.subject.name, f.details?.observedSources])).toEqual([
      ['ROLE_SHARED_BY_UNRELATED_WORKLOADS', 'web', ['imds:i-0aaa', 'lambda:report']],
    ]);
  });

  it('does not flag one role per workload, even with many deliveries to it', async () => {
    await role(store, 'a');
    await role(store, 'b');
    await workload('ec2-instance', 'a', 'a');
    await workload('ec2-instance', 'b', 'b');
    const delivery = event(new Date(), {
      roleName: 'a',
      channel: 'imds',
      record: { requestParameters: { instanceId: 'i-a' } },
    });
    await store.appendAccessEvents([delivery, { ...delivery, eventId: 'x' }]);
    expect(roleSharingFindings(await load(store))).toEqual([]);
  });
});
