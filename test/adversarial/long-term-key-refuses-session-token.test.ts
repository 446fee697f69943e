/**
 * Property: a long-term access key (`AKIA…`) is used alone. A request that pairs one with an
 * `X-Amz-Security-Token` is refused with `InvalidClientTokenId`, as STS and IAM answer, rather
 * than served as the key's user with the token ignored — whatever the token is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  createTestPlane,
  credentialsOf,
  xmlValue,
  type TestPlane,
} from '../../src/server/test-support/plane.js';

let plane: TestPlane;
let realToken: string;

beforeAll(async () => {
  plane = await createTestPlane();
  await plane.store.createRole(ACCOUNT, {
    roleName: 'app',
    assumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
      ],
    }),
  });
  const assumed = await plane.call('sts', plane.admin, {
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: `arn:aws:iam::${ACCOUNT}:role/app`,
    RoleSessionName: 'session',
  });
  expect(assumed.status).toBe(200);
  realToken = credentialsOf(assumed.text).sessionToken!;
});

afterAll(async () => {
  await plane.close();
});

describe('a long-term key signed with a session token', () => {
  for (const [label, token] of [
    ['a genuine session token of another key', () => realToken],
    ['a made-up token', () => 'not-a-token'],
  ] as const) {
    it(`is refused by STS and IAM with InvalidClientTokenId (${label})`, async () => {
      const credentials = { ...plane.admin, sessionToken: token() };
      const sts = await plane.call('sts', credentials, {
        Action: 'GetCallerIdentity',
        Version: '2011-06-15',
      });
      expect(sts.status).toBe(403);
      expect(xmlValue(sts.text, 'Code')).toBe('InvalidClientTokenId');
      expect(xmlValue(sts.text, 'Message')).toBe('The security token included in the request is invalid.');
      const iam = await plane.call('iam', credentials, { Action: 'ListRoles', Version: '2010-05-08' });
      expect(iam.status).toBe(403);
      expect(xmlValue(iam.text, 'Code')).toBe('InvalidClientTokenId');
    });
  }

  it('is served without the token', async () => {
    const sts = await plane.call('sts', plane.admin, { Action: 'GetCallerIdentity', Version: '2011-06-15' });
    expect(sts.status).toBe(200);
  });
});
