/**
 * Attacks on the console's activity endpoints (docs/console.md):
 *
 * 1. The live event stream (`GET api/events/stream`, `cloudtrail:LookupEvents`) was authorized once,
 *    when it opened: a stream opened before the principal's policy was removed, its key deleted or
 *    its console session logged out kept delivering every new access event of the account. The
 *    console promises that a change takes effect on its next request; a stream is a long request,
 *    so each delivery must be authorized as a new one would be.
 * 2. `GET api/events/<id>` returned the decoded authorization message (what
 *    `sts:DecodeAuthorizationMessage` returns: the deciding statements of another principal's
 *    policies) to any caller allowed `cloudtrail:LookupEvents`, even one denied
 *    `sts:DecodeAuthorizationMessage`. IAM: "The decoded message includes … the policies … so access
 *    to it must be controlled by the sts:DecodeAuthorizationMessage action."
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDetail, ActivityPage } from '../../src/console/contract.js';
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
} from '../../src/console/test-support/console-plane.js';

const API = '/credplane/console/api/';
let plane: ConsolePlane;
let server: http.Server;
let streamUrl: string;

beforeAll(async () => {
  plane = await createConsolePlane({ streamPollMs: 30 });
  server = http.createServer((req, res) => {
    if (!plane.console.take(req, res)) {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  streamUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${API}events/stream`;
});

afterAll(async () => {
  plane?.console.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await plane?.close();
});

async function appendEvent(): Promise<string> {
  const eventId = randomUUID();
  await plane.store.appendAccessEvents([
    {
      eventId,
      eventTime: new Date(),
      accountId: ACCOUNT,
      channel: 'gateway',
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      decision: 'allow',
      roleName: 'payroll',
      record: { eventID: eventId, requestParameters: { key: 'salaries.csv' } },
    },
  ]);
  return eventId;
}

/** An open stream, read in the background: what it delivered so far and whether it ended. */
interface Stream {
  text: () => string;
  ended: () => boolean;
  cancel: () => Promise<void>;
}

async function openStream(browser: Browser): Promise<Stream> {
  const response = await fetch(streamUrl, { headers: { cookie: browser.cookie! } });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  let text = '';
  let ended = false;
  void (async () => {
    for (;;) {
      const next = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (next.done) break;
      text += Buffer.from(next.value).toString('utf8');
    }
    ended = true;
  })();
  return { text: () => text, ended: () => ended, cancel: () => reader.cancel().catch(() => undefined) };
}

/** Waits until `predicate` holds or `ms` pass. */
async function waitFor(predicate: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

describe('the event stream is authorized for every delivery, not only when it opened', () => {
  it('stops delivering once the principal’s policy no longer allows cloudtrail:LookupEvents', async () => {
    await createRole(plane, 'auditor', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'cloudtrail:LookupEvents', Resource: '*' }],
    });
    const auditor = await loginWithKey(plane, await assumeRole(plane, 'auditor'));
    const stream = await openStream(auditor);
    const before = await appendEvent();
    await waitFor(() => stream.text().includes(before), 3000);
    expect(stream.text()).toContain(before);

    const removed = await plane.call('iam', plane.admin, {
      Action: 'DeleteRolePolicy',
      Version: '2010-05-08',
      RoleName: 'auditor',
      PolicyName: 'app',
    });
    expect(removed.status).toBe(200);
    // A new request is refused at once…
    const list = await send(plane, 'GET', `${API}events`, { browser: auditor });
    expect(list.status).toBe(403);
    // …and so must the open stream's next delivery be.
    const after = await appendEvent();
    await waitFor(() => stream.ended() || stream.text().includes(after), 3000);
    await stream.cancel();
    expect(stream.text()).not.toContain(after);
  });

  it('stops delivering once the console session logged out', async () => {
    const admin = await loginWithToken(plane);
    const stream = await openStream(admin);
    const out = await send(plane, 'POST', `${API}logout`, {
      browser: admin,
      headers: { origin: 'http://127.0.0.1:7300' },
    });
    expect(out.status).toBe(204);
    const after = await appendEvent();
    await waitFor(() => stream.ended() || stream.text().includes(after), 3000);
    await stream.cancel();
    expect(stream.text()).not.toContain(after);
  });
});

describe('an event’s decoded authorization message needs sts:DecodeAuthorizationMessage', () => {
  it('is not decoded for a caller allowed LookupEvents but denied DecodeAuthorizationMessage', async () => {
    await createRole(plane, 'log-reader', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'cloudtrail:LookupEvents', Resource: '*' },
        { Effect: 'Deny', Action: 'sts:DecodeAuthorizationMessage', Resource: '*' },
      ],
    });
    await createRole(plane, 'payroll', {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'SecretPayrollBucketOnlyFromVpn',
          Effect: 'Deny',
          Action: 'iam:ListRoles',
          Resource: '*',
        },
      ],
    });
    // The payroll role is refused: its denial is logged with the sealed message.
    const denied = await plane.call('iam', await assumeRole(plane, 'payroll'), {
      Action: 'ListRoles',
      Version: '2010-05-08',
    });
    expect(denied.status).toBe(403);
    expect(denied.text).toContain('Encoded authorization failure message');

    const admin = await loginWithToken(plane);
    const page = (
      await send(plane, 'GET', `${API}events?decision=deny&principal=payroll`, { browser: admin })
    ).json as ActivityPage;
    const listed = page.events.find((e) => e.eventName === 'ListRoles');
    expect(listed).toBeDefined();
    const url = `${API}events/${listed!.eventId}?at=${encodeURIComponent(listed!.eventTime)}`;
    // The admin (allowed everything) sees the decoded message.
    const full = (await send(plane, 'GET', url, { browser: admin })).json as ActivityDetail;
    expect(JSON.stringify(full.explanation)).toContain('SecretPayrollBucketOnlyFromVpn');

    const reader = await loginWithKey(plane, await assumeRole(plane, 'log-reader'));
    const reply = await send(plane, 'GET', url, { browser: reader });
    expect(reply.status).toBe(200);
    const detail = reply.json as ActivityDetail;
    expect(JSON.stringify(detail.explanation ?? null)).not.toContain('matchedStatements');
  });
});
