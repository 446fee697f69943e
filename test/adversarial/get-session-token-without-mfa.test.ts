/**
 * Property: credentials from `GetSessionToken` without MFA call no IAM operation and no STS
 * operation other than `AssumeRole` and `GetCallerIdentity` (AWS STS API Reference,
 * "GetSessionToken": "Cannot call any IAM API operations unless MFA authentication information is
 * included in the request" and "Cannot call any STS API except AssumeRole or GetCallerIdentity").
 * credplane takes no MFA, so its GetSessionToken sessions are always without it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  createTestPlane,
  credentialsOf,
  xmlValue,
  type Credentials,
  type TestPlane,
} from '../../src/server/test-support/plane.js';

let plane: TestPlane;
let session: Credentials;

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
  ],
});

beforeAll(async () => {
  plane = await createTestPlane();
  await plane.store.createRole(ACCOUNT, { roleName: 'app', assumeRolePolicyDocument: TRUST });
  const issued = await plane.call('sts', plane.admin, { Action: 'GetSessionToken', Version: '2011-06-15' });
  expect(issued.status).toBe(200);
  session = credentialsOf(issued.text);
});

afterAll(async () => {
  await plane.close();
});

describe('GetSessionToken credentials without MFA', () => {
  const iamCalls: Record<string, string>[] = [
    { Action: 'CreateRole', RoleName: 'escalated', AssumeRolePolicyDocument: TRUST },
    { Action: 'ListRoles' },
    { Action: 'GetRole', RoleName: 'app' },
    { Action: 'PutRolePolicy', RoleName: 'app', PolicyName: 'p', PolicyDocument: '{}' },
  ];
  for (const params of iamCalls) {
    it(`cannot call iam:${params.Action}`, async () => {
      const response = await plane.call('iam', session, { ...params, Version: '2010-05-08' });
      expect(response.status).toBe(403);
      expect(xmlValue(response.text, 'Code')).toBe('AccessDenied');
      expect(xmlValue(response.text, 'Message')).toContain(`iam:${params.Action}`);
    });
  }

  it('created nothing', async () => {
    expect(await plane.store.findRole(ACCOUNT, 'escalated')).toBeUndefined();
  });

  const stsCalls: Record<string, string>[] = [
    { Action: 'GetSessionToken' },
    { Action: 'DecodeAuthorizationMessage', EncodedMessage: 'x' },
  ];
  for (const params of stsCalls) {
    it(`cannot call sts:${params.Action}`, async () => {
      const response = await plane.call('sts', session, { ...params, Version: '2011-06-15' });
      expect(response.status).toBe(403);
      expect(xmlValue(response.text, 'Code')).toBe('AccessDenied');
    });
  }

  it('can call sts:GetCallerIdentity and sts:AssumeRole', async () => {
    const who = await plane.call('sts', session, { Action: 'GetCallerIdentity', Version: '2011-06-15' });
    expect(who.status).toBe(200);
    const assumed = await plane.call('sts', session, {
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/app`,
      RoleSessionName: 'from-session-token',
    });
    expect(assumed.status).toBe(200);
  });

  it('leaves the long-term key that issued them every IAM operation', async () => {
    const response = await plane.call('iam', plane.admin, { Action: 'ListRoles', Version: '2010-05-08' });
    expect(response.status).toBe(200);
  });
});
