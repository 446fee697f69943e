import { describe, expect, it } from 'vitest';
import type { AuthenticatedCaller } from '../control/authenticate.js';
import { decide } from '../control/authorize.js';
import type { SessionClaims } from '../crypto/index.js';
import { compilePolicy, parsePolicy } from '../policy/index.js';
import { deliveryRecord } from './delivery-record.js';
import { buildAccessEvent, cloudTrailTime } from './record.js';
import { HIDDEN } from './redact.js';

const ACCOUNT = '111122223333';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const readReports = compilePolicy(
  parsePolicy({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadReports',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::data/reports/*',
      },
      { Sid: 'NoSecrets', Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::data/secret/*' },
    ],
  }),
  { id: 'ANPAREPORTS', name: 'reports-read', kind: 'identity' },
);

const session: SessionClaims = {
  accountId: ACCOUNT,
  roleArn: `arn:aws:iam::${ACCOUNT}:role/app/reporter`,
  roleId: 'AROAEXAMPLEROLEID0001',
  roleName: 'reporter',
  roleSessionName: 'i-0123456789abcdef0',
  issuedAt: Date.parse('2026-11-29T08:00:00Z') / 1000,
  expiresAt: Date.parse('2026-11-29T14:00:00Z') / 1000,
  sourceIdentity: 'alice',
};

const roleCaller: AuthenticatedCaller = {
  caller: {
    kind: 'AssumedRole',
    accountId: ACCOUNT,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/reporter/i-0123456789abcdef0`,
    userId: 'AROAEXAMPLEROLEID0001:i-0123456789abcdef0',
    principalArn: session.roleArn,
    accessKeyId: 'ASIAEXAMPLEKEY000001',
    session,
  },
  principal: {
    type: 'AssumedRole',
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/reporter/i-0123456789abcdef0`,
    account: ACCOUNT,
    roleArn: session.roleArn,
    roleId: session.roleId,
    userId: 'AROAEXAMPLEROLEID0001:i-0123456789abcdef0',
  },
  policies: { identity: [readReports] },
  region: 'eu-west-1',
  service: 's3',
  sourceIp: '127.0.0.1',
  userAgent: 'aws-sdk-js/3.0',
  requestTime: new Date('2026-11-29T09:00:00Z'),
};

const adminCaller: AuthenticatedCaller = {
  caller: {
    kind: 'User',
    accountId: ACCOUNT,
    arn: `arn:aws:iam::${ACCOUNT}:user/credplane-admin`,
    userId: 'AIDAEXAMPLEUSERID0001',
    principalArn: `arn:aws:iam::${ACCOUNT}:user/credplane-admin`,
    accessKeyId: 'AKIAEXAMPLEKEY000001',
    userName: 'credplane-admin',
  },
  principal: {
    type: 'User',
    arn: `arn:aws:iam::${ACCOUNT}:user/credplane-admin`,
    account: ACCOUNT,
    userId: 'AIDAEXAMPLEUSERID0001',
    userName: 'credplane-admin',
  },
  policies: {
    identity: [
      compilePolicy(
        parsePolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
        { id: 'credplane-admin', kind: 'identity' },
      ),
    ],
  },
  region: 'us-east-1',
  service: 'iam',
  sourceIp: '10.0.0.7',
  requestTime: new Date('2026-11-29T09:00:00Z'),
};

describe('cloudTrailTime', () => {
  it('drops milliseconds, as CloudTrail writes times', () => {
    expect(cloudTrailTime(new Date('2026-11-29T09:16:23.456Z'))).toBe('2026-11-29T09:16:23Z');
  });
});

describe('buildAccessEvent', () => {
  it('writes an AssumedRole caller exactly as CloudTrail does, with the deciding statement', () => {
    const resource = 'arn:aws:s3:::data/reports/q3.csv';
    const decision = decide(roleCaller, { action: 's3:GetObject', resource });
    const event = buildAccessEvent({
      channel: 'gateway',
      eventTime: new Date('2026-11-29T09:00:01.250Z'),
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      awsRegion: 'eu-west-1',
      sourceIPAddress: '127.0.0.1',
      caller: roleCaller,
      requestParameters: { bucketName: 'data', key: 'reports/q3.csv', Host: '127.0.0.1:7400' },
      resources: [{ ARN: resource, type: 'AWS::S3::Object' }],
      requestId: 'req-1',
      decision: 'allow',
      decisions: [{ action: 's3:GetObject', resource, decision }],
    });
    expect(event).toEqual({
      eventId: expect.stringMatching(UUID),
      eventTime: new Date('2026-11-29T09:00:01.250Z'),
      accountId: ACCOUNT,
      roleName: 'reporter',
      principalArn: session.roleArn,
      channel: 'gateway',
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      decision: 'allow',
      accesses: [{ action: 's3:GetObject', resource, allowed: true }],
      record: {
        eventVersion: '1.09',
        userIdentity: {
          type: 'AssumedRole',
          principalId: 'AROAEXAMPLEROLEID0001:i-0123456789abcdef0',
          arn: `arn:aws:sts::${ACCOUNT}:assumed-role/reporter/i-0123456789abcdef0`,
          accountId: ACCOUNT,
          accessKeyId: 'ASIAEXAMPLEKEY000001',
          sessionContext: {
            sessionIssuer: {
              type: 'Role',
              principalId: 'AROAEXAMPLEROLEID0001',
              arn: `arn:aws:iam::${ACCOUNT}:role/app/reporter`,
              accountId: ACCOUNT,
              userName: 'reporter',
            },
            attributes: { creationDate: '2026-11-29T08:00:00Z', mfaAuthenticated: 'false' },
            sourceIdentity: 'alice',
          },
        },
        eventTime: '2026-11-29T09:00:01Z',
        eventSource: 's3.amazonaws.com',
        eventName: 'GetObject',
        awsRegion: 'eu-west-1',
        sourceIPAddress: '127.0.0.1',
        userAgent: 'aws-sdk-js/3.0',
        requestParameters: { bucketName: 'data', key: 'reports/q3.csv', Host: '127.0.0.1:7400' },
        responseElements: null,
        requestID: 'req-1',
        eventID: event.eventId,
        readOnly: true,
        resources: [{ type: 'AWS::S3::Object', ARN: resource }],
        eventType: 'AwsApiCall',
        managementEvent: false,
        recipientAccountId: ACCOUNT,
        eventCategory: 'Data',
        credplane: {
          decision: 'allow',
          channel: 'gateway',
          checks: [
            {
              action: 's3:GetObject',
              resource,
              decision: 'Allow',
              decidingStatements: [
                {
                  policy: 'reports-read',
                  policyId: 'ANPAREPORTS',
                  policyKind: 'identity',
                  index: 0,
                  sid: 'ReadReports',
                  effect: 'Allow',
                },
              ],
            },
          ],
        },
      },
    });
  });

  it('records an explicit deny with its statement and counts the access as denied', () => {
    const resource = 'arn:aws:s3:::data/secret/key.pem';
    const decision = decide(roleCaller, { action: 's3:GetObject', resource });
    const event = buildAccessEvent({
      channel: 'gateway',
      eventTime: new Date('2026-11-29T09:00:02Z'),
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      awsRegion: 'eu-west-1',
      sourceIPAddress: '127.0.0.1',
      caller: roleCaller,
      errorCode: 'AccessDenied',
      errorMessage: 'User: ... with an explicit deny in an identity-based policy',
      requestId: 'req-2',
      decision: 'deny',
      decisions: [{ action: 's3:GetObject', resource, decision }],
    });
    const record = event.record as Record<string, unknown>;
    expect(record.errorCode).toBe('AccessDenied');
    expect(event.errorCode).toBe('AccessDenied');
    expect(event.accesses).toEqual([{ action: 's3:GetObject', resource, allowed: false }]);
    expect(record.credplane).toMatchObject({
      decision: 'deny',
      checks: [
        {
          decision: 'ExplicitDeny',
          decidingStatements: [{ policy: 'reports-read', index: 1, sid: 'NoSecrets', effect: 'Deny' }],
        },
      ],
    });
  });

  it('names what lacked an Allow for an implicit deny', () => {
    const resource = 'arn:aws:s3:::other/x';
    const decision = decide(roleCaller, { action: 's3:PutObject', resource });
    const event = buildAccessEvent({
      channel: 'gateway',
      eventTime: new Date(),
      eventSource: 's3.amazonaws.com',
      eventName: 'PutObject',
      awsRegion: 'eu-west-1',
      sourceIPAddress: '127.0.0.1',
      caller: roleCaller,
      requestId: 'req-3',
      decision: 'deny',
      decisions: [{ action: 's3:PutObject', resource, decision }],
    });
    const record = event.record as { readOnly: boolean; credplane: { checks: unknown[] } };
    expect(record.readOnly).toBe(false);
    expect(record.credplane.checks).toEqual([
      {
        action: 's3:PutObject',
        resource,
        decision: 'ImplicitDeny',
        decidingStatements: [],
        missingAllow: ['identity'],
      },
    ]);
  });

  it('writes the admin user as an IAMUser, with a management event and no role to aggregate', () => {
    const resource = `arn:aws:iam::${ACCOUNT}:role/web`;
    const decision = decide(adminCaller, { action: 'iam:CreateRole', resource });
    const event = buildAccessEvent({
      channel: 'iam',
      eventTime: new Date('2026-11-29T09:05:00Z'),
      eventSource: 'iam.amazonaws.com',
      eventName: 'CreateRole',
      awsRegion: 'us-east-1',
      sourceIPAddress: '10.0.0.7',
      caller: adminCaller,
      requestParameters: { roleName: 'web', assumeRolePolicyDocument: '{}' },
      responseElements: { role: { roleName: 'web', arn: resource } },
      resources: [{ ARN: resource, type: 'AWS::IAM::Role', accountId: ACCOUNT }],
      requestId: 'req-4',
      decision: 'allow',
      decisions: [{ action: 'iam:CreateRole', resource, decision }],
    });
    expect(event.roleName).toBeUndefined();
    expect(event.principalArn).toBe(`arn:aws:iam::${ACCOUNT}:user/credplane-admin`);
    const record = event.record as Record<string, unknown>;
    expect(record.userIdentity).toEqual({
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLEUSERID0001',
      arn: `arn:aws:iam::${ACCOUNT}:user/credplane-admin`,
      accountId: ACCOUNT,
      accessKeyId: 'AKIAEXAMPLEKEY000001',
      userName: 'credplane-admin',
    });
    expect(record).toMatchObject({
      eventTime: '2026-11-29T09:05:00Z',
      readOnly: false,
      managementEvent: true,
      eventCategory: 'Management',
      responseElements: { role: { roleName: 'web', arn: resource } },
      resources: [{ accountId: ACCOUNT, type: 'AWS::IAM::Role', ARN: resource }],
      recipientAccountId: ACCOUNT,
    });
    expect(record).not.toHaveProperty('userAgent');
    expect(record).not.toHaveProperty('errorCode');
  });

  it('writes an IMDS delivery as AssumeRole by ec2.amazonaws.com, key id kept, secrets never', () => {
    const event = buildAccessEvent(
      deliveryRecord({
        servicePrincipal: 'ec2.amazonaws.com',
        accountId: ACCOUNT,
        roleName: 'web',
        roleArn: `arn:aws:iam::${ACCOUNT}:role/web`,
        sessionName: 'i-0123456789abcdef0',
        durationSeconds: 21600,
        sourceArn: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0123456789abcdef0`,
        region: 'us-east-1',
        eventTime: new Date('2026-11-29T09:10:00.999Z'),
        decisions: [],
        issued: { accessKeyId: 'ASIADELIVERED0000001', expiration: new Date('2026-11-29T15:10:00Z') },
      }),
    );
    expect(event).toMatchObject({
      accountId: ACCOUNT,
      roleName: 'web',
      principalArn: `arn:aws:iam::${ACCOUNT}:role/web`,
      channel: 'imds',
      eventSource: 'sts.amazonaws.com',
      eventName: 'AssumeRole',
      decision: 'allow',
    });
    expect(event.accesses).toBeUndefined();
    const record = event.record as Record<string, unknown>;
    expect(record).toEqual({
      eventVersion: '1.09',
      userIdentity: { type: 'AWSService', invokedBy: 'ec2.amazonaws.com' },
      eventTime: '2026-11-29T09:10:00Z',
      eventSource: 'sts.amazonaws.com',
      eventName: 'AssumeRole',
      awsRegion: 'us-east-1',
      sourceIPAddress: 'ec2.amazonaws.com',
      userAgent: 'ec2.amazonaws.com',
      requestParameters: {
        roleArn: `arn:aws:iam::${ACCOUNT}:role/web`,
        roleSessionName: 'i-0123456789abcdef0',
        durationSeconds: 21600,
        sourceArn: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0123456789abcdef0`,
      },
      responseElements: {
        credentials: { accessKeyId: 'ASIADELIVERED0000001', expiration: '2026-11-29T15:10:00Z' },
      },
      requestID: expect.stringMatching(UUID),
      eventID: event.eventId,
      readOnly: true,
      resources: [{ accountId: ACCOUNT, type: 'AWS::IAM::Role', ARN: `arn:aws:iam::${ACCOUNT}:role/web` }],
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
      credplane: { decision: 'allow', channel: 'imds', checks: [] },
    });
  });

  it('writes a web identity caller as WebIdentityUser and hides the token', () => {
    const event = buildAccessEvent({
      channel: 'web-identity',
      eventTime: new Date(),
      eventSource: 'sts.amazonaws.com',
      eventName: 'AssumeRoleWithWebIdentity',
      awsRegion: 'us-east-1',
      sourceIPAddress: '127.0.0.1',
      accountId: ACCOUNT,
      roleName: 'api',
      webIdentity: {
        identityProvider: 'https://127.0.0.1:7300/oidc/demo',
        audience: 'sts.amazonaws.com',
        subject: 'system:serviceaccount:payments:api',
      },
      requestParameters: { roleArn: 'arn', webIdentityToken: 'eyJhbGciOi.secret.sig' },
      responseElements: {
        credentials: { accessKeyId: 'ASIA1', secretAccessKey: 'shh', sessionToken: 'tok', expiration: 'x' },
      },
      requestId: 'r',
      decision: 'allow',
    });
    const record = event.record as Record<string, Record<string, unknown>>;
    expect(record.userIdentity).toEqual({
      type: 'WebIdentityUser',
      principalId: '127.0.0.1:7300/oidc/demo:sts.amazonaws.com:system:serviceaccount:payments:api',
      userName: 'system:serviceaccount:payments:api',
      identityProvider: '127.0.0.1:7300/oidc/demo',
    });
    expect(record.requestParameters!.webIdentityToken).toBe(HIDDEN);
    expect(record.responseElements).toEqual({
      credentials: { accessKeyId: 'ASIA1', secretAccessKey: HIDDEN, sessionToken: HIDDEN, expiration: 'x' },
    });
    expect(JSON.stringify(event)).not.toMatch(/shh|"tok"|secret\.sig/);
  });

  it('refuses an event that names no account', () => {
    expect(() =>
      buildAccessEvent({
        channel: 'imds',
        eventTime: new Date(),
        eventSource: 'sts.amazonaws.com',
        eventName: 'AssumeRole',
        awsRegion: 'us-east-1',
        sourceIPAddress: 'x',
        requestId: 'r',
        decision: 'allow',
      }),
    ).toThrow(TypeError);
  });
});
