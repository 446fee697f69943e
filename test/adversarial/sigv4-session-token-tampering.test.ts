/**
 * Property: a session token is honoured only exactly as this server sealed it, for the access key
 * it was issued with, while it is current, and only in a request whose signature covers what is
 * sent. An attacker holding one workload's session credentials (or a captured signed request)
 * cannot flip a byte of a token, swap in another session's token, bring a token sealed by another
 * server's key ring, use a token past its expiry or after its role revoked it, move a signature to
 * another service's scope, or replay a signature over a different body.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResponse } from '../../src/http/types.js';
import {
  ACCOUNT,
  createTestPlane,
  credentialsOf,
  xmlValue,
  type Credentials,
  type TestPlane,
} from '../../src/server/test-support/plane.js';

let plane: TestPlane;
let other: TestPlane;
let session: Credentials;
let second: Credentials;
let foreign: Credentials;

const trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
  ],
});
const WHO = { Action: 'GetCallerIdentity', Version: '2011-06-15' };

async function assume(on: TestPlane, role: string, name: string): Promise<Credentials> {
  const res = await on.call('sts', on.admin, {
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
    RoleSessionName: name,
  });
  expect(res.status).toBe(200);
  return credentialsOf(res.text);
}

/** Sends a request signed as given (region, service, body), optionally with the body changed afterwards. */
async function send(
  credentials: Credentials,
  options: { region?: string; service?: string; body?: string; sentBody?: string } = {},
): Promise<ApiResponse & { text: string }> {
  const body = options.body ?? new URLSearchParams(WHO).toString();
  const signer = new SignatureV4({
    credentials,
    region: options.region ?? 'us-east-1',
    service: options.service ?? 'sts',
    sha256: Sha256,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 7300,
      path: '/',
      headers: { host: '127.0.0.1:7300', 'content-type': 'application/x-www-form-urlencoded' },
      body,
    },
    { signingDate: new Date(plane.clock.now) },
  );
  const headers = signed.headers as Record<string, string>;
  const response = await plane.handler({
    method: 'POST',
    url: '/',
    rawHeaders: Object.entries(headers).flat(),
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: Buffer.from(options.sentBody ?? body),
    remoteAddress: '127.0.0.1',
    requestId: randomUUID(),
    receivedAt: plane.clock.now,
  });
  return { ...response, text: String(response.body ?? '') };
}

/** A presigned `GET /?Action=GetCallerIdentity…` URL, then `edit`ed, sent to the plane. */
async function presigned(
  credentials: Credentials,
  edit: (query: URLSearchParams) => void = () => {},
): Promise<ApiResponse & { text: string }> {
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'sts', sha256: Sha256 });
  const request = await signer.presign(
    {
      method: 'GET',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 7300,
      path: '/',
      query: { ...WHO },
      headers: { host: '127.0.0.1:7300' },
    },
    { signingDate: new Date(plane.clock.now), expiresIn: 300 },
  );
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(request.query ?? {})) query.set(k, String(v));
  edit(query);
  const response = await plane.handler({
    method: 'GET',
    url: `/?${query.toString().replace(/\+/g, '%20')}`,
    rawHeaders: ['host', '127.0.0.1:7300'],
    headers: { host: '127.0.0.1:7300' },
    body: Buffer.alloc(0),
    remoteAddress: '127.0.0.1',
    requestId: randomUUID(),
    receivedAt: plane.clock.now,
  });
  return { ...response, text: String(response.body ?? '') };
}

function expectRefused(res: { status: number; text: string }, code: string): void {
  expect(res.status).toBe(403);
  expect(xmlValue(res.text, 'Code')).toBe(code);
  expect(res.text).not.toContain('<Arn>');
}

/** `token` with the byte at `index` changed to another base64 character. */
function flip(token: string, index: number): string {
  const c = token[index]!;
  const replacement = c === 'A' ? 'B' : 'A';
  return token.slice(0, index) + replacement + token.slice(index + 1);
}

beforeAll(async () => {
  plane = await createTestPlane();
  other = await createTestPlane();
  for (const p of [plane, other]) {
    await p.store.createRole(ACCOUNT, { roleName: 'app', assumeRolePolicyDocument: trust });
  }
  session = await assume(plane, 'app', 'victim');
  second = await assume(plane, 'app', 'attacker');
  foreign = await assume(other, 'app', 'victim');
});

afterAll(async () => {
  await plane.close();
  await other.close();
});

describe('SigV4 with session tokens', () => {
  it('positive control: the genuine session signs GetCallerIdentity, signed and presigned', async () => {
    const res = await send(session);
    expect(res.status).toBe(200);
    expect(xmlValue(res.text, 'Arn')).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/app/victim`);
    const url = await presigned(session);
    expect(url.status).toBe(200);
    expect(xmlValue(url.text, 'Arn')).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/app/victim`);
  });

  it('refuses a token with one byte flipped, wherever the byte is (InvalidClientTokenId)', async () => {
    const token = session.sessionToken!;
    for (const index of [0, 8, Math.floor(token.length / 2), token.length - 2, token.length - 1]) {
      const res = await send({ ...session, sessionToken: flip(token, index) });
      expectRefused(res, 'InvalidClientTokenId');
    }
  });

  it("refuses another session's token beside this session's key id and secret", async () => {
    // Both are genuine tokens of this server; the token is bound to its own access key id.
    expectRefused(await send({ ...session, sessionToken: second.sessionToken! }), 'InvalidClientTokenId');
    // The other session's key id and token, signed with this session's secret: the signature fails.
    const mixed = await send({ ...second, secretAccessKey: session.secretAccessKey });
    expectRefused(mixed, 'SignatureDoesNotMatch');
  });

  it("refuses a session sealed by another server's key ring", async () => {
    // The same account, role and session name on another credplane: its ring is not this one's.
    expect((await other.call('sts', foreign, WHO)).status).toBe(200);
    expectRefused(await send(foreign), 'InvalidClientTokenId');
    expectRefused(await send({ ...session, sessionToken: foreign.sessionToken! }), 'InvalidClientTokenId');
  });

  it('refuses a presigned URL whose token was swapped or removed', async () => {
    const swapped = await presigned(session, (q) => q.set('X-Amz-Security-Token', second.sessionToken!));
    expectRefused(swapped, 'InvalidClientTokenId');
    const removed = await presigned(session, (q) => q.delete('X-Amz-Security-Token'));
    expectRefused(removed, 'InvalidClientTokenId');
    const flipped = await presigned(session, (q) =>
      q.set('X-Amz-Security-Token', flip(q.get('X-Amz-Security-Token')!, 10)),
    );
    expectRefused(flipped, 'InvalidClientTokenId');
  });

  it('refuses a signature scoped to another service', async () => {
    for (const service of ['s3', 'sqs', 'execute-api']) {
      const res = await send(session, { service });
      // The control plane serves STS and IAM only; another service's scope names no endpoint here.
      expectRefused(res, 'InvalidClientTokenId');
    }
  });

  it('refuses a signed request replayed with a different body (SignatureDoesNotMatch)', async () => {
    const res = await send(session, {
      body: new URLSearchParams(WHO).toString(),
      sentBody: new URLSearchParams({
        Action: 'AssumeRole',
        Version: '2011-06-15',
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/app`,
        RoleSessionName: 'replayed',
      }).toString(),
    });
    expectRefused(res, 'SignatureDoesNotMatch');
  });

  it('refuses a session after its role revoked it, and after the role is recreated under the same name', async () => {
    const victim = await assume(plane, 'app', 'revoked');
    await plane.store.putRolePolicy(
      ACCOUNT,
      'app',
      'read',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' }],
      }),
    );
    const getRole = { Action: 'GetRole', Version: '2010-05-08', RoleName: 'app' };
    expect((await plane.call('iam', victim, getRole)).status).toBe(200);
    plane.clock.now += 2000;
    await plane.store.revokeRoleSessions(ACCOUNT, 'app', new Date(plane.clock.now));
    const revoked = await plane.call('iam', victim, getRole);
    expect(revoked.status).toBe(403);
    expect(xmlValue(revoked.text, 'Code')).toBe('AccessDenied');
    // A session begun after the revocation is unaffected (the control of the check above).
    plane.clock.now += 2000;
    const fresh = await assume(plane, 'app', 'fresh');
    expect((await plane.call('iam', fresh, getRole)).status).toBe(200);

    // Deleted and recreated with the same name and policy: the old session is not the new role's.
    await plane.store.deleteRolePolicy(ACCOUNT, 'app', 'read');
    await plane.store.deleteRole(ACCOUNT, 'app');
    await plane.store.createRole(ACCOUNT, { roleName: 'app', assumeRolePolicyDocument: trust });
    await plane.store.putRolePolicy(
      ACCOUNT,
      'app',
      'read',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' }],
      }),
    );
    const stale = await plane.call('iam', fresh, getRole);
    expect(stale.status).toBe(403);
    expect(xmlValue(stale.text, 'Code')).toBe('AccessDenied');
  });

  it('refuses a token past its expiry (ExpiredToken), however often it was used before', async () => {
    const short = await plane.call('sts', plane.admin, {
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/app`,
      RoleSessionName: 'short',
      DurationSeconds: '900',
    });
    expect(short.status).toBe(200);
    const creds = credentialsOf(short.text);
    expect((await send(creds)).status).toBe(200);
    plane.clock.now += 901_000;
    expectRefused(await send(creds), 'ExpiredToken');
  });
});
