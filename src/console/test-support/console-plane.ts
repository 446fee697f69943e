/**
 * An in-process control plane over a SQLite store in a temporary directory, with the access log
 * written straight to the store, and a console client that sends requests through the plane's
 * route table as a browser would (cookie, `Origin`, `X-CSRF-Token`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ApiRequest, ApiResponse } from '../../http/types.js';
import { openStore } from '../../store/open.js';
import {
  ACCOUNT,
  createTestPlane,
  credentialsOf,
  type Credentials,
  type TestPlane,
} from '../../server/test-support/plane.js';
import type { PlaneConfig } from '../../composition/plane.js';

export { ACCOUNT };
export const HOST = '127.0.0.1:7300';
export const ORIGIN = `http://${HOST}`;

export interface ConsolePlane extends TestPlane {
  dir: string;
}

export async function createConsolePlane(console: PlaneConfig['console'] = {}): Promise<ConsolePlane> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-console-'));
  const store = await openStore(path.join(dir, 'credplane.db'));
  const plane = await createTestPlane({
    store,
    accessLog: {
      commit: async (event) => {
        await store.appendAccessEvents([event]);
        return true;
      },
    },
    console: { uiRoot: path.join(dir, 'no-ui'), ...console },
  });
  return {
    ...plane,
    dir,
    close: async () => {
      await plane.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: unknown;
}

export interface Browser {
  cookie?: string;
  csrf?: string;
}

export async function send(
  plane: TestPlane,
  method: string,
  url: string,
  options: { browser?: Browser; body?: unknown; headers?: Record<string, string>; csrf?: string | null } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { host: HOST, ...options.headers };
  if (options.browser?.cookie !== undefined) headers.cookie = options.browser.cookie;
  const csrf = options.csrf === undefined ? options.browser?.csrf : options.csrf;
  if (method === 'POST' && csrf !== undefined && csrf !== null) headers['x-csrf-token'] = csrf;
  const body = options.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(options.body));
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const request: ApiRequest = {
    method,
    url,
    rawHeaders: Object.entries(headers).flat(),
    headers,
    body,
    remoteAddress: '127.0.0.1',
    requestId: randomUUID(),
    receivedAt: Date.now(),
  };
  const response: ApiResponse = await plane.handler(request);
  const text = Buffer.isBuffer(response.body) ? response.body.toString('utf8') : (response.body ?? '');
  let json: unknown;
  try {
    json = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers ?? {}, text, json };
}

/** The cookie pair (`name=value`) a `Set-Cookie` header sets. */
export function cookiePair(setCookie: string | undefined): string | undefined {
  return setCookie?.split(';', 1)[0];
}

/** Signs in with the login token, then reads the session (its CSRF token). */
export async function loginWithToken(plane: TestPlane): Promise<Browser> {
  const token = plane.console.issueLoginToken();
  const login = await send(plane, 'GET', `/credplane/console/login?token=${token}`);
  const cookie = cookiePair(login.headers['set-cookie']);
  const session = await send(plane, 'GET', '/credplane/console/api/session', {
    browser: { cookie: cookie! },
  });
  return { cookie: cookie!, csrf: (session.json as { csrfToken: string }).csrfToken };
}

export async function loginWithKey(plane: TestPlane, credentials: Credentials): Promise<Browser> {
  const reply = await send(plane, 'POST', '/credplane/console/api/login', {
    body: credentials,
    headers: { origin: ORIGIN },
  });
  if (reply.status !== 200) throw new Error(`login failed: ${reply.status} ${reply.text}`);
  return {
    cookie: cookiePair(reply.headers['set-cookie'])!,
    csrf: (reply.json as { csrfToken: string }).csrfToken,
  };
}

const TRUST_ACCOUNT = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
  ],
});

/** Creates a role through the IAM API (as the admin) with one inline policy. */
export async function createRole(
  plane: TestPlane,
  roleName: string,
  policy: object | undefined,
  extra: Record<string, string> = {},
): Promise<void> {
  const created = await plane.call('iam', plane.admin, {
    Action: 'CreateRole',
    Version: '2010-05-08',
    RoleName: roleName,
    AssumeRolePolicyDocument: TRUST_ACCOUNT,
    ...extra,
  });
  if (created.status !== 200) throw new Error(created.text);
  if (policy === undefined) return;
  const put = await plane.call('iam', plane.admin, {
    Action: 'PutRolePolicy',
    Version: '2010-05-08',
    RoleName: roleName,
    PolicyName: 'app',
    PolicyDocument: JSON.stringify(policy),
  });
  if (put.status !== 200) throw new Error(put.text);
}

/** Role session credentials, as the admin assuming `roleName`. */
export async function assumeRole(plane: TestPlane, roleName: string): Promise<Credentials> {
  const reply = await plane.call('sts', plane.admin, {
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
    RoleSessionName: 'console',
  });
  if (reply.status !== 200) throw new Error(reply.text);
  return credentialsOf(reply.text);
}
