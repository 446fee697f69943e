/**
 * The console's API across processes: `credplane up` prints a one-time login URL; a client follows
 * it as a browser would (cookie, CSRF token, same-origin POSTs) and uses every screen's endpoint,
 * watches an STS call arrive on the event stream, applies least privilege and rolls it back, and
 * logs out.
 */
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type {
  ActivityPage,
  ChangeResult,
  LeastPrivilegeView,
  Overview,
  RolePage,
  SessionInfo,
} from '../../src/console/contract.js';
import { ACCOUNT, ADMIN, startCredplane, tempDir, type Credplane } from './support.js';

process.env.AWS_EC2_METADATA_DISABLED = 'true';
const isolation = tempDir('console-env');
fs.writeFileSync(path.join(isolation, 'none'), '');
process.env.AWS_CONFIG_FILE = path.join(isolation, 'none');
process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(isolation, 'none');

let plane: Credplane;
const trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
  ],
});

beforeAll(async () => {
  plane = await startCredplane();
  const iam = new IAMClient({ endpoint: plane.url, region: 'us-east-1', credentials: ADMIN, maxAttempts: 1 });
  await iam.send(new CreateRoleCommand({ RoleName: 'web', AssumeRolePolicyDocument: trust }));
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'web',
      PolicyName: 'app',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['sts:GetCallerIdentity', 's3:GetObject', 's3:PutObject'],
            Resource: '*',
          },
        ],
      }),
    }),
  );
}, 60_000);

afterAll(async () => {
  await plane?.stop();
});

/** Reads server-sent events until `done` says so. */
async function readUntil(body: ReadableStream<Uint8Array>, done: (text: string) => boolean): Promise<string> {
  const reader = body.getReader();
  let text = '';
  const deadline = Date.now() + 20_000;
  while (!done(text) && Date.now() < deadline) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    text += Buffer.from(value).toString('utf8');
  }
  await reader.cancel();
  return text;
}

it('signs in with the banner’s URL and drives every screen’s endpoint', async () => {
  const loginUrl =
    /console: (http:\/\/127\.0\.0\.1:\d+\/credplane\/console\/login\?token=[A-Za-z0-9_-]+)/.exec(
      plane.banner,
    )?.[1];
  expect(loginUrl).toBeDefined();
  const login = await fetch(loginUrl!, { redirect: 'manual' });
  expect(login.status).toBe(303);
  expect(login.headers.get('location')).toBe('/credplane/console/');
  const cookie = login.headers.get('set-cookie')!.split(';', 1)[0]!;
  // The token was spent.
  const again = await fetch(loginUrl!, { redirect: 'manual' });
  expect(again.headers.get('set-cookie')).toBeNull();

  const api = `${plane.url}/credplane/console/api/`;
  const get = async <T>(p: string): Promise<T> => {
    const res = await fetch(api + p, { headers: { cookie } });
    expect([p, res.status]).toEqual([p, 200]);
    return (await res.json()) as T;
  };
  const session = await get<SessionInfo>('session');
  expect(session.principal.name).toBe('credplane-admin');
  const post = (p: string, body: unknown = {}): Promise<Response> =>
    fetch(api + p, {
      method: 'POST',
      headers: {
        cookie,
        'x-csrf-token': session.csrfToken,
        origin: plane.url,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });

  const overview = await get<Overview>('overview');
  expect(overview.roles.map((r) => r.name)).toContain('web');
  const role = await get<RolePage>('roles/web');
  expect(role.policies.find((p) => p.kind === 'inline')?.text).toContain('s3:PutObject');

  // The stream, then an STS call as the role: its events arrive live.
  const stream = await fetch(`${api}events/stream`, { headers: { cookie } });
  expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const admin = { endpoint: plane.url, region: 'us-east-1', credentials: ADMIN, maxAttempts: 1 };
  const assumed = await new STSClient(admin).send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/web`, RoleSessionName: 'console-e2e' }),
  );
  const c = assumed.Credentials!;
  await new STSClient({
    endpoint: plane.url,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    },
  }).send(new GetCallerIdentityCommand({}));
  const streamed = await readUntil(stream.body!, (t) => t.includes('"eventName":"GetCallerIdentity"'));
  expect(streamed).toContain('event: access');
  expect(streamed).toContain('"eventName":"GetCallerIdentity"');

  const events = await get<ActivityPage>('events?service=sts');
  expect(events.events.map((e) => e.eventName)).toEqual(
    expect.arrayContaining(['AssumeRole', 'GetCallerIdentity']),
  );
  // The role used sts:GetCallerIdentity only; the aggregates arrive with the log's next batch.
  let view: LeastPrivilegeView | undefined;
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    view = await get<LeastPrivilegeView>('roles/web/least-privilege');
    if (view.removed.includes('s3:PutObject')) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(view?.removed).toContain('s3:PutObject');

  const applied = await post('roles/web/least-privilege/apply');
  expect(applied.status).toBe(200);
  const change = (await applied.json()) as ChangeResult;
  expect(change.changes).toContain('DeleteRolePolicy app');
  const rolled = await post('roles/web/least-privilege/rollback', { snapshotId: change.snapshotId });
  expect(rolled.status).toBe(200);
  expect(((await rolled.json()) as ChangeResult).changes).toContain('PutRolePolicy app');

  // Without the CSRF token, nothing changes.
  const forged = await fetch(`${api}logout`, { method: 'POST', headers: { cookie } });
  expect(forged.status).toBe(403);
  expect((await post('logout')).status).toBe(204);
  expect((await fetch(`${api}session`, { headers: { cookie } })).status).toBe(401);
}, 90_000);

it('stops cleanly with an event stream open', async () => {
  const token = /login\?token=([A-Za-z0-9_-]+)/.exec(plane.banner)?.[1];
  expect(token).toBeDefined();
  const login = await fetch(`${plane.url}/credplane/console/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: plane.url },
    body: JSON.stringify(ADMIN),
  });
  const cookie = login.headers.get('set-cookie')!.split(';', 1)[0]!;
  const stream = await fetch(`${plane.url}/credplane/console/api/events/stream`, { headers: { cookie } });
  expect(stream.status).toBe(200);
  const ended = readUntil(stream.body!, () => false).catch(() => '');
  expect(await plane.stop()).toBe(0);
  await ended;
}, 60_000);
