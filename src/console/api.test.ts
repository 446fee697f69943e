/**
 * The console's screens through its JSON API, over a SQLite store and the plane's route table:
 * overview, role page, activity (list, detail, live stream), least privilege apply and rollback.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessEventInput } from '../store/store.js';
import type {
  ActivityDetail,
  ActivityEvent,
  ActivityPage,
  ChangeResult,
  LeastPrivilegeView,
  Overview,
  RolePage,
  AccessGraph,
} from './contract.js';
import {
  ACCOUNT,
  assumeRole,
  createConsolePlane,
  createRole,
  loginWithKey,
  loginWithToken,
  send,
  type Browser,
  type ConsolePlane,
} from './test-support/console-plane.js';

let plane: ConsolePlane;
let admin: Browser;
const API = '/credplane/console/api/';

function event(overrides: Partial<AccessEventInput>): AccessEventInput {
  const eventId = randomUUID();
  return {
    eventId,
    eventTime: new Date(),
    accountId: ACCOUNT,
    channel: 'gateway',
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    decision: 'allow',
    record: { eventID: eventId },
    ...overrides,
  };
}

beforeAll(async () => {
  plane = await createConsolePlane({ streamPollMs: 50 });
  await createRole(plane, 'web', {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: '*' },
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' },
    ],
  });
  await createRole(plane, 'reader', {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' }],
  });
  await plane.store.putWorkload(ACCOUNT, { kind: 'lambda-function', name: 'thumbnails', roleName: 'web' });
  await plane.store.putWorkload(ACCOUNT, { kind: 'eks-service-account', name: 'shop/api', roleName: 'web' });
  await plane.store.appendAccessEvents([
    event({
      channel: 'lambda',
      eventSource: 'sts.amazonaws.com',
      eventName: 'AssumeRole',
      roleName: 'web',
      eventTime: new Date(Date.now() - 60_000),
    }),
    event({
      roleName: 'web',
      principalArn: `arn:aws:iam::${ACCOUNT}:role/web`,
      accesses: [{ action: 's3:GetObject', resource: 'arn:aws:s3:::photos/cat.jpg', allowed: true }],
    }),
  ]);
  admin = await loginWithToken(plane);
});

afterAll(async () => {
  await plane?.close();
});

describe('GET api/overview', () => {
  it('lists workloads by channel with their role and last delivery, and shared roles', async () => {
    const reply = await send(plane, 'GET', `${API}overview`, { browser: admin });
    expect(reply.status).toBe(200);
    const overview = reply.json as Overview;
    expect(overview.account).toBe(ACCOUNT);
    const fn = overview.workloads.find((w) => w.name === 'thumbnails')!;
    expect(fn).toMatchObject({ channel: 'function', roleName: 'web', kind: 'lambda-function' });
    expect(fn.lastDelivery).toBeDefined();
    const pod = overview.workloads.find((w) => w.name === 'shop/api')!;
    expect(pod.channel).toBe('pod');
    expect(pod.lastDelivery).toBeUndefined();
    const web = overview.roles.find((r) => r.name === 'web')!;
    expect(web.workloadCount).toBe(2);
    expect(web.lastUsed).toBeDefined();
    expect(overview.roles.find((r) => r.name === 'reader')!.workloadCount).toBe(0);
    // The one-role-per-workload rule, as a posture finding on the shared role.
    expect(overview.findings.some((f) => f.subject.name === 'web')).toBe(true);
    expect(web.findingCount).toBeGreaterThan(0);
    expect(overview.deliveries.hours).toHaveLength(24);
    expect(overview.deliveries.byChannel.function!.reduce((a, b) => a + b, 0)).toBe(1);
  });
});

describe('GET api/roles/<name>', () => {
  it('shows each policy pretty-printed with its findings located in that text, and last access', async () => {
    const reply = await send(plane, 'GET', `${API}roles/web`, { browser: admin });
    expect(reply.status).toBe(200);
    const page = reply.json as RolePage;
    expect(page.arn).toBe(`arn:aws:iam::${ACCOUNT}:role/web`);
    expect(page.policies.map((p) => p.kind)).toEqual(['trust', 'inline']);
    const inline = page.policies[1]!;
    expect(inline.text.split('\n').length).toBeGreaterThan(5);
    const passRole = inline.findings.find((f) => f.code === 'PASS_ROLE_WITH_STAR_IN_RESOURCE')!;
    expect(passRole).toBeDefined();
    const line = inline.text.split('\n')[passRole.location!.line! - 1]!;
    expect(line).toMatch(/Resource|PassRole/);
    expect(page.workloads.map((w) => w.name).sort()).toEqual(['shop/api', 'thumbnails']);
    const s3 = page.lastAccessed.find((s) => s.service === 's3')!;
    expect(s3.actions).toEqual([
      expect.objectContaining({
        action: 's3:GetObject',
        resource: 'arn:aws:s3:::photos/cat.jpg',
        allowed: 1,
      }),
    ]);
    expect(s3.unusedActions).toEqual(expect.arrayContaining(['s3:PutObject', 's3:DeleteObject']));
    expect(s3.unusedActions).not.toContain('s3:GetObject');
    expect(page.lastAccessed.find((s) => s.service === 'iam')).toMatchObject({
      actions: [],
      unusedActions: ['iam:PassRole'],
    });
    expect(page.decisions.allow.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    expect(page.findings.length).toBeGreaterThan(0);
  });

  it('answers NoSuchEntity for a role that does not exist', async () => {
    const reply = await send(plane, 'GET', `${API}roles/nope`, { browser: admin });
    expect(reply.status).toBe(404);
  });
});

describe('GET api/graph', () => {
  it('links workloads to roles and roles to the services, actions and resources they used', async () => {
    const graph = (await send(plane, 'GET', `${API}graph`, { browser: admin })).json as AccessGraph;
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/web`;
    expect(graph.nodes.find((n) => n.id === roleArn)).toMatchObject({
      kind: 'role',
      href: '/credplane/console/roles/web',
    });
    expect(graph.edges).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'uses',
          source: 'workload:lambda-function:thumbnails',
          target: roleArn,
        }),
        expect.objectContaining({ kind: 'grants', source: roleArn, target: 'service:s3' }),
        expect.objectContaining({
          kind: 'grants',
          source: 'action:s3:GetObject',
          target: 'resource:arn:aws:s3:::photos/cat.jpg',
        }),
      ]),
    );
  });
});

describe('GET api/graph, escalation', () => {
  it('adds the engine-decided escalation edges and paths, and hides roles the caller may not read', async () => {
    await createRole(plane, 'escalator', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'iam:PutRolePolicy', Resource: '*' }],
    });
    const graph = (await send(plane, 'GET', `${API}graph`, { browser: admin })).json as AccessGraph;
    const from = `arn:aws:iam::${ACCOUNT}:role/escalator`;
    const edge = graph.edges.find((e) => e.kind === 'put-role-policy' && e.source === from);
    expect(edge?.actions).toContain('iam:PutRolePolicy');
    expect(graph.escalations.some((f) => f.subject.name === 'escalator')).toBe(true);

    await createRole(plane, 'narrow-graph', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*' },
        { Effect: 'Allow', Action: 'iam:GetRole', Resource: `arn:aws:iam::${ACCOUNT}:role/web` },
      ],
    });
    const narrow = await loginWithKey(plane, await assumeRole(plane, 'narrow-graph'));
    const seen = (await send(plane, 'GET', `${API}graph`, { browser: narrow })).json as AccessGraph;
    const roles = seen.nodes.filter((n) => n.kind === 'role').map((n) => n.label);
    expect(roles).toEqual(['web']);
    expect(seen.edges.every((e) => !e.source.endsWith(':role/escalator'))).toBe(true);
  });
});

describe('activity', () => {
  it('lists events newest first with filters and pages, and explains a denial', async () => {
    // A denied IAM call, logged with its encoded authorization message.
    const reader = await assumeRole(plane, 'reader');
    const denied = await plane.call('iam', reader, {
      Action: 'DeleteRole',
      Version: '2010-05-08',
      RoleName: 'web',
    });
    expect(denied.status).toBe(403);
    const all = (await send(plane, 'GET', `${API}events?limit=2`, { browser: admin })).json as ActivityPage;
    expect(all.events).toHaveLength(2);
    expect(all.next).toBeDefined();
    expect(all.events[0]!.eventTime >= all.events[1]!.eventTime).toBe(true);
    const older = (await send(plane, 'GET', `${API}events?limit=500&before=${all.next}`, { browser: admin }))
      .json as ActivityPage;
    const seen = new Set(all.events.map((e) => e.eventId));
    expect(older.events.some((e) => seen.has(e.eventId))).toBe(false);

    const denials = (await send(plane, 'GET', `${API}events?decision=deny&service=iam`, { browser: admin }))
      .json as ActivityPage;
    expect(denials.events.length).toBe(1);
    const denial = denials.events[0]!;
    expect(denial).toMatchObject({ eventName: 'DeleteRole', decision: 'deny', errorCode: 'AccessDenied' });
    const byPrincipal = (
      await send(plane, 'GET', `${API}events?principal=reader&action=iam:DeleteRole`, {
        browser: admin,
      })
    ).json as ActivityPage;
    expect(byPrincipal.events.map((e) => e.eventId)).toEqual([denial.eventId]);

    const detail = (
      await send(plane, 'GET', `${API}events/${denial.eventId}?at=${denial.eventTime}`, {
        browser: admin,
      })
    ).json as ActivityDetail;
    expect(detail.event.eventId).toBe(denial.eventId);
    const explanation = detail.explanation as { allowed: boolean; context: { action: string } };
    expect(explanation.allowed).toBe(false);
    expect(explanation.context.action).toBe('iam:DeleteRole');

    const bad = await send(plane, 'GET', `${API}events?before=garbage`, { browser: admin });
    expect(bad.status).toBe(400);
    const missing = await send(plane, 'GET', `${API}events/${randomUUID()}`, { browser: admin });
    expect(missing.status).toBe(404);
  });

  it('streams new events as server-sent events, and refuses a stream without a session', async () => {
    const server = http.createServer((req, res) => {
      if (!plane.console.take(req, res)) {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${API}events/stream`;
    try {
      const refused = await fetch(url);
      expect(refused.status).toBe(401);
      const controller = new AbortController();
      const response = await fetch(url, { headers: { cookie: admin.cookie! }, signal: controller.signal });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      const reader = response.body!.getReader();
      const fresh = event({ eventName: 'PutObject', roleName: 'web' });
      await plane.store.appendAccessEvents([fresh]);
      let text = '';
      while (!text.includes(fresh.eventId)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString('utf8');
      }
      const data = /event: access\nid: [^\n]+\ndata: ([^\n]+)/.exec(text)![1]!;
      expect((JSON.parse(data) as ActivityEvent).eventId).toBe(fresh.eventId);
      // Closing the console ends the stream, so a server can stop.
      plane.console.close();
      for (;;) if ((await reader.read()).done) break;
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('least privilege', () => {
  it('shows the generated policy and the diff, applies it with a snapshot, and rolls it back', async () => {
    const view = (await send(plane, 'GET', `${API}roles/web/least-privilege`, { browser: admin }))
      .json as LeastPrivilegeView;
    expect(view.current.map((c) => c.name)).toEqual(['app']);
    expect(view.generated?.text).toContain('s3:GetObject');
    expect(view.generated?.text).not.toContain('s3:PutObject');
    expect(view.removed).toEqual(expect.arrayContaining(['s3:PutObject', 's3:DeleteObject']));
    expect(view.diff).toContain('-');
    expect(view.snapshots).toEqual([]);

    const applied = (await send(plane, 'POST', `${API}roles/web/least-privilege/apply`, { browser: admin }))
      .json as ChangeResult;
    expect(applied.changes).toEqual(['PutRolePolicy credplane-least-privilege', 'DeleteRolePolicy app']);
    const after = (await send(plane, 'GET', `${API}roles/web/least-privilege`, { browser: admin }))
      .json as LeastPrivilegeView;
    expect(after.current.map((c) => c.name)).toEqual(['credplane-least-privilege']);
    expect(after.snapshots.map((s) => s.snapshotId)).toEqual([applied.snapshotId]);

    const rolled = (
      await send(plane, 'POST', `${API}roles/web/least-privilege/rollback`, {
        browser: admin,
        body: { snapshotId: applied.snapshotId },
      })
    ).json as ChangeResult;
    expect(rolled.changes).toEqual(['PutRolePolicy app', 'DeleteRolePolicy credplane-least-privilege']);
    const restored = (await send(plane, 'GET', `${API}roles/web`, { browser: admin })).json as RolePage;
    expect(restored.policies.find((p) => p.kind === 'inline')?.text).toContain('s3:PutObject');
  });
});
