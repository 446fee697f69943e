/**
 * Attacks on the console from outside the session model:
 *
 * - DNS rebinding: a page on `attacker.example` whose name is re-pointed at 127.0.0.1 talks to the
 *   console as a same-origin page (the Origin check compares against `Host`, which is then the
 *   attacker's name). The console answers only requests addressed to a loopback IP literal,
 *   `localhost`, or a name the operator listed (`--console-host`), as Jupyter's
 *   `local_hostnames` does.
 * - One principal allowed `cloudtrail:LookupEvents` opening every event stream, so that the
 *   administrator's Activity screen gets 503: streams are shared per principal as well as in all.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleError } from '../../src/console/contract.js';
import {
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
let admin: Browser;

beforeAll(async () => {
  plane = await createConsolePlane({
    allowedHosts: ['credplane.internal'],
    maxStreams: 4,
    maxStreamsPerPrincipal: 2,
  });
  await createRole(plane, 'reader', {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'cloudtrail:LookupEvents', Resource: '*' }],
  });
  admin = await loginWithToken(plane);
});

afterAll(async () => {
  await plane?.close();
});

describe('DNS rebinding', () => {
  it('refuses every console request addressed to a name it does not know', async () => {
    for (const host of ['attacker.example:7300', 'attacker.example', '127.0.0.1.nip.io:7300']) {
      for (const [method, url] of [
        ['GET', `${API}session`],
        ['GET', `${API}overview`],
        ['POST', `${API}login`],
        ['GET', '/credplane/console/'],
        ['GET', '/credplane/console/login?token=x'],
      ] as const) {
        const reply = await send(plane, method, url, {
          browser: admin,
          headers: { host, origin: `http://${host}` },
          ...(method === 'POST' ? { body: {} } : {}),
        });
        expect([host, url, reply.status], reply.text).toEqual([host, url, 403]);
        expect((reply.json as ConsoleError | undefined)?.error.code).toBe('AccessDenied');
      }
    }
    const missing = await send(plane, 'GET', `${API}session`, { browser: admin, headers: { host: '' } });
    expect(missing.status).toBe(403);
  });

  it('answers loopback literals, localhost and the names the operator listed', async () => {
    for (const host of [
      '127.0.0.1:7300',
      'localhost:7300',
      'LOCALHOST',
      '[::1]:7300',
      'credplane.internal:7300',
    ]) {
      const reply = await send(plane, 'GET', `${API}session`, { browser: admin, headers: { host } });
      expect([host, reply.status]).toEqual([host, 200]);
    }
  });
});

describe('event streams', () => {
  it('one principal cannot take every stream', async () => {
    const reader = await loginWithKey(plane, await assumeRole(plane, 'reader'));
    const server = http.createServer((req, res) => {
      if (!plane.console.take(req, res)) {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/credplane/console/api/events/stream`;
    const opened: AbortController[] = [];
    const open = async (browser: Browser): Promise<number> => {
      const controller = new AbortController();
      const res = await fetch(url, { headers: { cookie: browser.cookie! }, signal: controller.signal });
      if (res.status === 200) opened.push(controller);
      else await res.body?.cancel();
      return res.status;
    };
    try {
      expect(await open(reader)).toBe(200);
      expect(await open(reader)).toBe(200);
      expect(await open(reader)).toBe(503);
      expect(await open(admin)).toBe(200);
    } finally {
      for (const c of opened) c.abort();
      plane.console.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
