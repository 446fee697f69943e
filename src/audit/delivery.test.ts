/**
 * Credential deliveries in the access log: the shared `WorkloadIssuer` records one event per
 * credential set for each channel's service principal, records refusals, and refuses to hand
 * out credentials the log cannot take.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkloadIssuer } from '../delivery/workload-issuer.js';
import { ACCOUNT, createTestPlane, type TestPlane } from '../server/test-support/plane.js';
import type { AccessEventInput } from '../store/store.js';

let plane: TestPlane;
let offered: AccessEventInput[];
let accept: boolean;
let issuer: WorkloadIssuer;

const trust = (service: string): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Service', Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' },
    ],
  });

beforeEach(async () => {
  plane = await createTestPlane();
  offered = [];
  accept = true;
  issuer = new WorkloadIssuer({
    snapshot: plane.snapshot,
    keyRing: plane.keyRing,
    now: () => plane.clock.now,
    region: 'eu-central-1',
    accessLog: {
      commit: (event) => {
        if (accept) offered.push(event);
        return Promise.resolve(accept);
      },
    },
  });
});
afterEach(async () => plane.close());

describe('credential deliveries in the access log', () => {
  it.each([
    ['ecs-tasks.amazonaws.com', 'container'],
    ['lambda.amazonaws.com', 'lambda'],
    ['pods.eks.amazonaws.com', 'pod-identity'],
    ['ec2.amazonaws.com', 'imds'],
  ])('records one event per credential set issued for %s (%s)', async (service, channel) => {
    await plane.store.createRole(ACCOUNT, { roleName: 'app', assumeRolePolicyDocument: trust(service) });
    const creds = await issuer.issue({
      accountId: ACCOUNT,
      roleName: 'app',
      servicePrincipal: service,
      sessionName: 'workload-1',
    });
    expect(offered).toHaveLength(1);
    const [event] = offered;
    expect(event).toMatchObject({ channel, roleName: 'app', decision: 'allow', eventName: 'AssumeRole' });
    expect(event!.record).toMatchObject({
      awsRegion: 'eu-central-1',
      userIdentity: { type: 'AWSService', invokedBy: service },
      responseElements: { credentials: { accessKeyId: creds.accessKeyId } },
      credplane: {
        checks: [
          {
            action: 'sts:AssumeRole',
            decision: 'Allow',
            decidingStatements: [{ policyKind: 'trust', sid: 'Service' }],
          },
        ],
      },
    });
    const text = JSON.stringify(event);
    expect(text).not.toContain(creds.secretAccessKey);
    expect(text).not.toContain(creds.sessionToken);
  });

  it('records a refused delivery with AccessDenied', async () => {
    await plane.store.createRole(ACCOUNT, {
      roleName: 'app',
      assumeRolePolicyDocument: trust('lambda.amazonaws.com'),
    });
    await expect(
      issuer.issue({
        accountId: ACCOUNT,
        roleName: 'app',
        servicePrincipal: 'ec2.amazonaws.com',
        sessionName: 'i-1',
      }),
    ).rejects.toMatchObject({ code: 'AccessDenied' });
    expect(offered).toHaveLength(1);
    expect(offered[0]).toMatchObject({ channel: 'imds', decision: 'deny', errorCode: 'AccessDenied' });
    expect(offered[0]!.record).toMatchObject({
      errorCode: 'AccessDenied',
      responseElements: null,
      credplane: { checks: [{ action: 'sts:AssumeRole', decision: 'ImplicitDeny' }] },
    });
  });

  it('refuses to deliver when the log is full', async () => {
    await plane.store.createRole(ACCOUNT, {
      roleName: 'app',
      assumeRolePolicyDocument: trust('ec2.amazonaws.com'),
    });
    accept = false;
    await expect(
      issuer.issue({
        accountId: ACCOUNT,
        roleName: 'app',
        servicePrincipal: 'ec2.amazonaws.com',
        sessionName: 'i-1',
      }),
    ).rejects.toMatchObject({ code: 'ServiceUnavailable', status: 503 });
  });
});
