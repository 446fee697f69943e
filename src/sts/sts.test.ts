/**
 * STS through the real control-plane handler: SigV4 verification, trust and identity policy
 * evaluation, sealed session tokens (AWS STS API Reference; IAM User Guide "Role
 * chaining", "Session policies", "Passing session tags", "Revoking IAM role temporary credentials").
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  createTestPlane,
  credentialsOf,
  xmlValue,
  type Credentials,
  type TestPlane,
} from '../server/test-support/plane.js';

let plane: TestPlane;
beforeEach(async () => {
  plane = await createTestPlane();
});
afterEach(async () => {
  await plane.close();
});

const trust = (principal: unknown, actions: string[] = ['sts:AssumeRole'], extra: object = {}): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: principal, Action: actions, ...extra }],
  });

async function role(
  name: string,
  trustPolicy: string,
  inline?: object,
  maxSessionDuration?: number,
): Promise<string> {
  const created = await plane.store.createRole(ACCOUNT, {
    roleName: name,
    assumeRolePolicyDocument: trustPolicy,
    ...(maxSessionDuration === undefined ? {} : { maxSessionDuration }),
  });
  if (inline !== undefined) await plane.store.putRolePolicy(ACCOUNT, name, 'inline', JSON.stringify(inline));
  return created.arn;
}

const allow = (action: string | string[], resource = '*'): object => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: action, Resource: resource }],
});

async function assume(
  credentials: Credentials,
  roleArn: string,
  more: Record<string, string> = {},
): Promise<{ status: number; text: string; creds: Credentials }> {
  const res = await plane.call('sts', credentials, {
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: roleArn,
    RoleSessionName: 'test-session',
    ...more,
  });
  return {
    status: res.status,
    text: res.text,
    creds: res.status === 200 ? credentialsOf(res.text) : credentials,
  };
}

const identity = async (credentials: Credentials): Promise<{ status: number; text: string }> =>
  plane.call('sts', credentials, { Action: 'GetCallerIdentity', Version: '2011-06-15' });

describe('GetCallerIdentity', () => {
  it('reports the admin user for the long-term key', async () => {
    const res = await identity(plane.admin);
    expect(res.status).toBe(200);
    expect(xmlValue(res.text, 'Arn')).toBe(`arn:aws:iam::${ACCOUNT}:user/credplane-admin`);
    expect(xmlValue(res.text, 'UserId')).toMatch(/^AIDA[A-Z0-9]{17}$/);
    expect(xmlValue(res.text, 'Account')).toBe(ACCOUNT);
  });

  it('refuses a request with no signature (MissingAuthenticationToken, 403)', async () => {
    const res = await plane.call('sts', undefined, { Action: 'GetCallerIdentity', Version: '2011-06-15' });
    expect(res.status).toBe(403);
    expect(xmlValue(res.text, 'Code')).toBe('MissingAuthenticationToken');
  });

  it('refuses an unknown access key (InvalidClientTokenId) and a wrong secret (SignatureDoesNotMatch)', async () => {
    const unknown = await identity({
      accessKeyId: 'AKIAAAAAAAAAAAAAAAAA',
      secretAccessKey: plane.admin.secretAccessKey,
    });
    expect(xmlValue(unknown.text, 'Code')).toBe('InvalidClientTokenId');
    const wrong = await identity({ ...plane.admin, secretAccessKey: 'x'.repeat(40) });
    expect(wrong.status).toBe(403);
    expect(xmlValue(wrong.text, 'Code')).toBe('SignatureDoesNotMatch');
  });

  it('answers an unknown action with InvalidAction', async () => {
    const res = await plane.call('sts', plane.admin, { Action: 'GetFlag', Version: '2011-06-15' });
    expect(res.status).toBe(400);
    expect(xmlValue(res.text, 'Code')).toBe('InvalidAction');
  });
});

describe('clock skew (STS and IAM): 15 minutes, then SignatureDoesNotMatch 403', () => {
  // AWS answers e.g. "Signature expired: 20190101T000000Z is now earlier than 20190101T001501Z
  // (20190101T003001Z - 15 min.)" with SignatureDoesNotMatch; SDKs that correct their clock (JS SDK
  // v3: the response Date header, then a retry of SignatureDoesNotMatch) rely on that code.
  const MIN = 60_000;
  for (const service of ['sts', 'iam'] as const) {
    const params =
      service === 'sts'
        ? { Action: 'GetCallerIdentity', Version: '2011-06-15' }
        : { Action: 'ListRoles', Version: '2010-05-08' };
    it(`${service}: accepts 14 min of skew either way`, async () => {
      for (const skew of [-14 * MIN, 14 * MIN]) {
        const res = await plane.call(service, plane.admin, params, plane.clock.now + skew);
        expect(res.status, `${skew}`).toBe(200);
      }
    });
    it(`${service}: beyond 15 min, SignatureDoesNotMatch 403 "Signature expired … - 15 min."`, async () => {
      const old = await plane.call(service, plane.admin, params, plane.clock.now - 16 * MIN);
      expect(old.status).toBe(403);
      expect(xmlValue(old.text, 'Code')).toBe('SignatureDoesNotMatch');
      expect(xmlValue(old.text, 'Message')).toMatch(
        /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/,
      );
      const future = await plane.call(service, plane.admin, params, plane.clock.now + 16 * MIN);
      expect(future.status).toBe(403);
      expect(xmlValue(future.text, 'Code')).toBe('SignatureDoesNotMatch');
      expect(xmlValue(future.text, 'Message')).toMatch(/^Signature not yet current: .* \+ 15 min\.\)$/);
    });
  }
});

describe('AssumeRole', () => {
  it('returns credentials whose GetCallerIdentity is the assumed-role session', async () => {
    const arn = await role('deployer', trust({ AWS: `arn:aws:iam::${ACCOUNT}:root` }));
    const res = await assume(plane.admin, arn);
    expect(res.status).toBe(200);
    expect(res.creds.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(xmlValue(res.text, 'Expiration')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const roleId = (await plane.store.getRole(ACCOUNT, 'deployer')).roleId;
    expect(xmlValue(res.text, 'AssumedRoleId')).toBe(`${roleId}:test-session`);
    expect(res.text).not.toContain('PackedPolicySize');
    const who = await identity(res.creds);
    expect(xmlValue(who.text, 'Arn')).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/deployer/test-session`);
    expect(xmlValue(who.text, 'UserId')).toBe(`${roleId}:test-session`);
  });

  it('is denied when the trust policy does not allow the caller, with an encoded message that decodes', async () => {
    const arn = await role('locked', trust({ Service: 'ec2.amazonaws.com' }));
    const res = await assume(plane.admin, arn);
    expect(res.status).toBe(403);
    expect(xmlValue(res.text, 'Code')).toBe('AccessDenied');
    const message = xmlValue(res.text, 'Message')!;
    expect(message).toContain(
      `User: arn:aws:iam::${ACCOUNT}:user/credplane-admin is not authorized to perform: sts:AssumeRole on resource: ${arn}`,
    );
    // The control plane's own APIs: no period before the encoded message (the gateway's have one).
    expect(message).toMatch(
      /^User: \S+ is not authorized to perform: sts:AssumeRole on resource: \S+ because no [a-z-]+ policy allows the sts:AssumeRole action Encoded authorization failure message: [A-Za-z0-9_-]+$/,
    );
    const encoded = /Encoded authorization failure message: ([A-Za-z0-9_-]+)/.exec(message)?.[1];
    expect(encoded).toBeDefined();
    const decoded = await plane.call('sts', plane.admin, {
      Action: 'DecodeAuthorizationMessage',
      Version: '2011-06-15',
      EncodedMessage: encoded!,
    });
    expect(decoded.status).toBe(200);
    const doc = JSON.parse(xmlValue(decoded.text, 'DecodedMessage')!);
    expect(doc.allowed).toBe(false);
    expect(doc.context.action).toBe('sts:AssumeRole');
    expect(doc.context.resource).toBe(arn);
    const bad = await plane.call('sts', plane.admin, {
      Action: 'DecodeAuthorizationMessage',
      Version: '2011-06-15',
      EncodedMessage: `${encoded!.slice(0, -4)}AAAA`,
    });
    expect(xmlValue(bad.text, 'Code')).toBe('InvalidAuthorizationMessageException');
  });

  it('answers AccessDenied, not NoSuchEntity, for a role that does not exist', async () => {
    const res = await assume(plane.admin, `arn:aws:iam::${ACCOUNT}:role/nobody`);
    expect(res.status).toBe(403);
    expect(xmlValue(res.text, 'Code')).toBe('AccessDenied');
  });

  it('validates parameters with the model constraints', async () => {
    const arn = await role('v', trust({ AWS: ACCOUNT }));
    expect(xmlValue((await assume(plane.admin, arn, { RoleSessionName: 'a' })).text, 'Code')).toBe(
      'ValidationError',
    );
    expect(xmlValue((await assume(plane.admin, arn, { DurationSeconds: '899' })).text, 'Code')).toBe(
      'ValidationError',
    );
    const tooLong = await assume(plane.admin, arn, { DurationSeconds: '7200' });
    expect(xmlValue(tooLong.text, 'Message')).toContain('MaxSessionDuration');
  });

  it('chains roles with the one-hour limit and records the chain', async () => {
    const first = await role('first', trust({ AWS: ACCOUNT }), allow('sts:AssumeRole'), 43_200);
    const second = await role('second', trust({ AWS: first }), undefined, 43_200);
    const a = await assume(plane.admin, first, { DurationSeconds: '7200' });
    expect(a.status).toBe(200);
    const over = await assume(a.creds, second, { DurationSeconds: '7200' });
    expect(over.status).toBe(400);
    expect(xmlValue(over.text, 'Message')).toContain('1 hour session limit');
    const b = await assume(a.creds, second);
    expect(b.status).toBe(200);
    expect(xmlValue((await identity(b.creds)).text, 'Arn')).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/second/test-session`,
    );
  });

  it('needs an identity-policy Allow when the trust policy only names the account', async () => {
    const target = await role('target', trust({ AWS: ACCOUNT }));
    const noRights = await role('no-rights', trust({ AWS: ACCOUNT }), allow('s3:GetObject'));
    const session = await assume(plane.admin, noRights);
    const res = await assume(session.creds, target);
    expect(res.status).toBe(403);
    expect(xmlValue(res.text, 'Message')).toContain(
      'because no identity-based policy allows the sts:AssumeRole action',
    );
  });

  it('a trust policy with Principal AWS "*" narrowed by aws:PrincipalArn is not limited by the caller\'s boundary or session policy', async () => {
    // IAM User Guide, "Policy evaluation for requests within a single account": "Permissions
    // boundaries and session policies do not limit permissions granted using the aws:PrincipalArn
    // condition key with a wildcard(*) in the Principal element".
    const bounded = await role('bounded', trust({ AWS: ACCOUNT }), allow('*'));
    const boundary = await plane.store.createPolicy(ACCOUNT, {
      policyName: 'ec2-only',
      document: JSON.stringify(allow('ec2:*')),
    });
    await plane.store.putRolePermissionsBoundary(ACCOUNT, 'bounded', boundary.arn);
    const target = await role(
      'wildcard-trust',
      trust({ AWS: '*' }, ['sts:AssumeRole'], { Condition: { ArnEquals: { 'aws:PrincipalArn': bounded } } }),
    );
    const session = await assume(plane.admin, bounded);
    expect(session.status).toBe(200);
    expect((await assume(session.creds, target)).status).toBe(200);
    const limited = await assume(plane.admin, bounded, { Policy: JSON.stringify(allow('ec2:*')) });
    expect((await assume(limited.creds, target)).status).toBe(200);
    // The condition still narrows: another role gets nothing from the wildcard.
    const stranger = await role('stranger', trust({ AWS: ACCOUNT }), allow('*'));
    const strangerSession = await assume(plane.admin, stranger);
    expect((await assume(strangerSession.creds, target)).status).toBe(403);
  });

  it('limits a session with its session policy (Policy parameter) and reports PackedPolicySize', async () => {
    const target = await role('target2', trust({ AWS: ACCOUNT }));
    const broad = await role('broad', trust({ AWS: ACCOUNT }), allow('*'));
    const limited = await assume(plane.admin, broad, { Policy: JSON.stringify(allow('s3:*')) });
    expect(limited.status).toBe(200);
    expect(Number(xmlValue(limited.text, 'PackedPolicySize'))).toBeGreaterThan(0);
    const res = await assume(limited.creds, target);
    expect(res.status).toBe(403);
    expect(xmlValue(res.text, 'Message')).toContain('no session policy allows');
    const malformed = await assume(plane.admin, broad, { Policy: '{"Statement":' });
    expect(xmlValue(malformed.text, 'Code')).toBe('MalformedPolicyDocument');
  });

  it('needs sts:TagSession for session tags, and tags become aws:PrincipalTag', async () => {
    const noTags = await role('no-tags', trust({ AWS: ACCOUNT }));
    const denied = await assume(plane.admin, noTags, {
      'Tags.member.1.Key': 'team',
      'Tags.member.1.Value': 'pay',
    });
    expect(denied.status).toBe(403);
    expect(xmlValue(denied.text, 'Message')).toContain('sts:TagSession');
    const target = await role(
      'pay-only',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: ACCOUNT },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:PrincipalTag/team': 'pay' } },
          },
        ],
      }),
    );
    const tagged = await role(
      'tagged',
      trust({ AWS: ACCOUNT }, ['sts:AssumeRole', 'sts:TagSession']),
      allow('sts:AssumeRole'),
    );
    const payTeam = await assume(plane.admin, tagged, {
      'Tags.member.1.Key': 'team',
      'Tags.member.1.Value': 'pay',
    });
    expect(payTeam.status).toBe(200);
    expect((await assume(payTeam.creds, target)).status).toBe(200);
    const opsTeam = await assume(plane.admin, tagged, {
      'Tags.member.1.Key': 'team',
      'Tags.member.1.Value': 'ops',
    });
    expect((await assume(opsTeam.creds, target)).status).toBe(403);
  });

  it('checks ExternalId conditions', async () => {
    const arn = await role(
      'vendor',
      trust({ AWS: ACCOUNT }, ['sts:AssumeRole'], {
        Condition: { StringEquals: { 'sts:ExternalId': 'xyz-123' } },
      }),
    );
    expect((await assume(plane.admin, arn)).status).toBe(403);
    expect((await assume(plane.admin, arn, { ExternalId: 'wrong-1' })).status).toBe(403);
    expect((await assume(plane.admin, arn, { ExternalId: 'xyz-123' })).status).toBe(200);
  });
});

describe('session credentials over time', () => {
  it('expire: a request after Expiration gets ExpiredToken (403)', async () => {
    const arn = await role('short', trust({ AWS: ACCOUNT }));
    const session = await assume(plane.admin, arn, { DurationSeconds: '900' });
    plane.clock.now += 901_000;
    const res = await identity(session.creds);
    expect(res.status).toBe(403);
    expect(xmlValue(res.text, 'Code')).toBe('ExpiredToken');
  });

  it('reject a tampered session token (InvalidClientTokenId)', async () => {
    const arn = await role('tamper', trust({ AWS: ACCOUNT }));
    const { creds } = await assume(plane.admin, arn);
    const token = creds.sessionToken!;
    const flipped = token.slice(0, 40) + (token[40] === 'A' ? 'B' : 'A') + token.slice(41);
    const res = await identity({ ...creds, sessionToken: flipped });
    expect(xmlValue(res.text, 'Code')).toBe('InvalidClientTokenId');
  });

  it('are revoked: sessions issued before the revocation are denied every authorized action', async () => {
    const target = await role('target3', trust({ AWS: ACCOUNT }));
    const arn = await role('revocable', trust({ AWS: ACCOUNT }), allow('sts:AssumeRole'));
    const before = await assume(plane.admin, arn);
    expect((await assume(before.creds, target)).status).toBe(200);
    await plane.store.revokeRoleSessions(ACCOUNT, 'revocable', new Date(plane.clock.now));
    const denied = await assume(before.creds, target);
    expect(denied.status).toBe(403);
    expect(xmlValue(denied.text, 'Message')).toContain('with an explicit deny in an identity-based policy');
    // As on AWS, GetCallerIdentity needs no permission and still answers.
    expect((await identity(before.creds)).status).toBe(200);
    plane.clock.now += 2000;
    const after = await assume(plane.admin, arn);
    expect((await assume(after.creds, target)).status).toBe(200);
  });
});

describe('GetSessionToken', () => {
  it('gives the admin a session that acts as the admin user', async () => {
    const res = await plane.call('sts', plane.admin, {
      Action: 'GetSessionToken',
      Version: '2011-06-15',
      DurationSeconds: '900',
    });
    expect(res.status).toBe(200);
    const creds = credentialsOf(res.text);
    const who = await identity(creds);
    expect(xmlValue(who.text, 'Arn')).toBe(`arn:aws:iam::${ACCOUNT}:user/credplane-admin`);
    const again = await plane.call('sts', creds, { Action: 'GetSessionToken', Version: '2011-06-15' });
    expect(again.status).toBe(403);
    expect(xmlValue(again.text, 'Code')).toBe('AccessDenied');
  });
});
