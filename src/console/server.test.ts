/**
 * The console's trust boundary, attacked: who may get a session, what a session may change, what
 * another origin may do, and that hostile names stay data. Through the plane's route table, over
 * a SQLite store.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleError, Overview, SessionInfo } from './contract.js';
import { LOGIN_TOKEN_TTL_MS } from './login-token.js';
import { IDLE_MS } from './session.js';
import {
  ACCOUNT,
  assumeRole,
  cookiePair,
  createConsolePlane,
  createRole,
  loginWithKey,
  loginWithToken,
  ORIGIN,
  send,
  type Browser,
  type ConsolePlane,
} from './test-support/console-plane.js';

let plane: ConsolePlane;
let reader: Browser;

const API = '/credplane/console/api/';
const code = (json: unknown): string | undefined => (json as ConsoleError | undefined)?.error.code;

beforeAll(async () => {
  plane = await createConsolePlane();
  await createRole(plane, 'reader', {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' }],
  });
  await createRole(plane, 'web', {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: '*' }],
  });
  reader = await loginWithKey(plane, await assumeRole(plane, 'reader'));
});

afterAll(async () => {
  await plane?.close();
});

describe('without a session', () => {
  it('answers 401 NotAuthenticated to every API path, with no cookie or a forged one', async () => {
    for (const path of ['session', 'overview', 'roles/web', 'graph', 'events']) {
      const none = await send(plane, 'GET', API + path);
      expect([none.status, code(none.json)]).toEqual([401, 'NotAuthenticated']);
      const forged = await send(plane, 'GET', API + path, {
        browser: { cookie: `credplane_console=${'A'.repeat(43)}` },
      });
      expect([forged.status, code(forged.json)]).toEqual([401, 'NotAuthenticated']);
    }
    const malformed = await send(plane, 'GET', `${API}session`, {
      browser: { cookie: 'credplane_console=../../etc; other=1' },
    });
    expect(malformed.status).toBe(401);
  });
});

describe('the login token', () => {
  it('creates a session once, with a HttpOnly SameSite=Strict cookie, and redirects away from the token', async () => {
    const token = plane.console.issueLoginToken();
    expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16);
    const first = await send(plane, 'GET', `/credplane/console/login?token=${token}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/credplane/console/');
    const cookie = first.headers['set-cookie']!;
    expect(cookie).toMatch(/^credplane_console=[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/credplane/console');
    const session = await send(plane, 'GET', `${API}session`, { browser: { cookie: cookiePair(cookie)! } });
    expect(session.status).toBe(200);
    const info = session.json as SessionInfo;
    expect(info.principal).toMatchObject({ type: 'user', name: 'credplane-admin', accountId: ACCOUNT });
    expect(info.can).toEqual({ changeRolePolicies: true, runLab: true });

    const again = await send(plane, 'GET', `/credplane/console/login?token=${token}`);
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe('/credplane/console/?login=expired');
    expect(again.headers['set-cookie']).toBeUndefined();
  });

  it('is refused once expired, and when it was never issued', async () => {
    const token = plane.console.issueLoginToken();
    plane.clock.now += LOGIN_TOKEN_TTL_MS + 1000;
    try {
      const late = await send(plane, 'GET', `/credplane/console/login?token=${token}`);
      expect(late.headers['set-cookie']).toBeUndefined();
    } finally {
      plane.clock.now -= LOGIN_TOKEN_TTL_MS + 1000;
    }
    const made = await send(plane, 'GET', `/credplane/console/login?token=${'x'.repeat(43)}`);
    expect(made.headers['set-cookie']).toBeUndefined();
    const none = await send(plane, 'GET', '/credplane/console/login');
    expect(none.headers['set-cookie']).toBeUndefined();
  });
});

describe('signing in with an access key', () => {
  it('refuses a wrong secret and an unknown key alike, and accepts the admin key', async () => {
    const wrong = await send(plane, 'POST', `${API}login`, {
      body: { accessKeyId: plane.admin.accessKeyId, secretAccessKey: 'x'.repeat(40) },
    });
    const unknown = await send(plane, 'POST', `${API}login`, {
      body: { accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: plane.admin.secretAccessKey },
    });
    expect([wrong.status, code(wrong.json)]).toEqual([401, 'NotAuthenticated']);
    expect(unknown.json).toEqual(wrong.json);
    const bad = await send(plane, 'POST', `${API}login`, { body: { accessKeyId: 1 } });
    expect([bad.status, code(bad.json)]).toEqual([400, 'ValidationError']);
    const admin = await loginWithKey(plane, plane.admin);
    const session = await send(plane, 'GET', `${API}session`, { browser: admin });
    expect((session.json as SessionInfo).principal.type).toBe('user');
  });

  it('refuses a login posted from another origin', async () => {
    const reply = await send(plane, 'POST', `${API}login`, {
      body: plane.admin,
      headers: { origin: 'http://evil.example' },
    });
    expect([reply.status, code(reply.json)]).toEqual([403, 'AccessDenied']);
    expect(reply.headers['set-cookie']).toBeUndefined();
  });
});

describe('changes', () => {
  it('need the session’s CSRF token, and the own origin when an Origin is sent', async () => {
    const admin = await loginWithToken(plane);
    const url = `${API}roles/web/least-privilege/rollback`;
    const without = await send(plane, 'POST', url, { browser: admin, csrf: null, body: {} });
    expect([without.status, code(without.json)]).toEqual([403, 'InvalidCsrfToken']);
    const wrong = await send(plane, 'POST', url, { browser: admin, csrf: reader.csrf!, body: {} });
    expect([wrong.status, code(wrong.json)]).toEqual([403, 'InvalidCsrfToken']);
    const crossOrigin = await send(plane, 'POST', url, {
      browser: admin,
      body: {},
      headers: { origin: 'http://127.0.0.1:7300.evil.example' },
    });
    expect([crossOrigin.status, code(crossOrigin.json)]).toEqual([403, 'AccessDenied']);
    const nullOrigin = await send(plane, 'POST', url, {
      browser: admin,
      body: {},
      headers: { origin: 'null' },
    });
    expect(nullOrigin.status).toBe(403);
    // With both, the request reaches the endpoint: this role has no snapshot to roll back to.
    const same = await send(plane, 'POST', url, { browser: admin, body: {}, headers: { origin: ORIGIN } });
    expect([same.status, code(same.json)]).toEqual([404, 'NoSuchEntity']);
  });

  it('refuses logout without the CSRF token; after logout the cookie is dead', async () => {
    const admin = await loginWithToken(plane);
    expect((await send(plane, 'POST', `${API}logout`, { browser: admin, csrf: null })).status).toBe(403);
    const out = await send(plane, 'POST', `${API}logout`, { browser: admin });
    expect(out.status).toBe(204);
    expect(out.headers['set-cookie']).toContain('Max-Age=0');
    expect((await send(plane, 'GET', `${API}session`, { browser: admin })).status).toBe(401);
  });

  it('ends an idle session', async () => {
    const admin = await loginWithToken(plane);
    plane.clock.now += IDLE_MS + 1000;
    try {
      expect((await send(plane, 'GET', `${API}session`, { browser: admin })).status).toBe(401);
    } finally {
      plane.clock.now -= IDLE_MS + 1000;
    }
  });
});

describe('a read-only principal', () => {
  it('sees the screens, is told it can change nothing, and gets AccessDenied on apply, rollback and the lab', async () => {
    const session = (await send(plane, 'GET', `${API}session`, { browser: reader })).json as SessionInfo;
    expect(session.principal).toMatchObject({ type: 'role', name: 'reader' });
    expect(session.can).toEqual({ changeRolePolicies: false, runLab: false });
    expect((await send(plane, 'GET', `${API}roles/web`, { browser: reader })).status).toBe(200);
    expect((await send(plane, 'GET', `${API}roles/web/least-privilege`, { browser: reader })).status).toBe(
      200,
    );
    expect((await send(plane, 'GET', `${API}graph`, { browser: reader })).status).toBe(200);
    // ec2:DescribeInstances is not iam:Get*/List*: the overview leaves the instances out.
    await plane.store.putWorkload(ACCOUNT, { kind: 'ec2-instance', name: 'web-1', roleName: 'web' });
    await plane.store.putWorkload(ACCOUNT, { kind: 'lambda-function', name: 'fn', roleName: 'web' });
    const names = async (browser: Browser): Promise<string[]> => {
      const reply = await send(plane, 'GET', `${API}overview`, { browser });
      expect(reply.status).toBe(200);
      return (reply.json as Overview).workloads.map((w) => w.name).sort();
    };
    expect(await names(reader)).toEqual(['fn']);
    expect(await names(await loginWithToken(plane))).toEqual(['fn', 'web-1']);
    // cloudtrail:LookupEvents is not either.
    expect(code((await send(plane, 'GET', `${API}events`, { browser: reader })).json)).toBe('AccessDenied');
    for (const url of [
      `${API}roles/web/least-privilege/apply`,
      `${API}roles/web/least-privilege/rollback`,
      `${API}lab/ssrf`,
    ]) {
      const reply = await send(plane, 'POST', url, { browser: reader, body: {} });
      expect([url, reply.status, code(reply.json)]).toEqual([url, 403, 'AccessDenied']);
      expect((reply.json as ConsoleError).error.message).toContain('is not authorized to perform');
    }
    // Nothing changed: the role still has its own policy.
    const page = await send(plane, 'GET', `${API}roles/web`, { browser: reader });
    expect(page.text).toContain('s3:PutObject');
  });

  it('is not told whether a role it may not read exists', async () => {
    await createRole(plane, 'narrow', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'iam:GetRole', Resource: `arn:aws:iam::${ACCOUNT}:role/web` }],
    });
    const narrow = await loginWithKey(plane, await assumeRole(plane, 'narrow'));
    const missing = await send(plane, 'GET', `${API}roles/nope`, { browser: narrow });
    const other = await send(plane, 'GET', `${API}roles/reader`, { browser: narrow });
    expect(code(missing.json)).toBe('AccessDenied');
    expect(code(other.json)).toBe('AccessDenied');
  });
});

describe('hostile values', () => {
  it('come back JSON-escaped, never as markup', async () => {
    const hostile = `<script>alert("x")</script>'"&`;
    await createRole(plane, 'hostile', undefined, { Description: hostile });
    const admin = await loginWithToken(plane);
    const page = await send(plane, 'GET', `${API}roles/hostile`, { browser: admin });
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('<script>');
    expect(page.text).toContain('\\u003cscript\\u003e');
    expect((page.json as { description: string }).description).toBe(hostile);
    expect(page.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['cache-control']).toBe('no-store');
  });
});

describe('static files', () => {
  it('says the console is not built when dist/console-ui is missing', async () => {
    const reply = await send(plane, 'GET', '/credplane/console/');
    expect(reply.status).toBe(503);
    expect(reply.text).toContain('npm run build');
  });

  it('serves the build with a strict CSP, index.html for app routes, and nothing outside it', async () => {
    const root = path.join(plane.dir, 'ui');
    fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>console</title>');
    fs.writeFileSync(path.join(root, 'assets', 'app-1.js'), 'export {};');
    fs.writeFileSync(path.join(plane.dir, 'secret.txt'), 'secret');
    const built = await createConsolePlane({ uiRoot: root });
    try {
      const index = await send(built, 'GET', '/credplane/console/');
      expect(index.status).toBe(200);
      expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
      const csp = index.headers['content-security-policy']!;
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(index.headers['x-content-type-options']).toBe('nosniff');
      expect(index.headers['referrer-policy']).toBe('no-referrer');
      const js = await send(built, 'GET', '/credplane/console/assets/app-1.js');
      expect([js.status, js.headers['content-type'], js.text]).toEqual([
        200,
        'text/javascript; charset=utf-8',
        'export {};',
      ]);
      const route = await send(built, 'GET', '/credplane/console/roles/web');
      expect(route.text).toContain('<title>console</title>');
      for (const evil of [
        '/credplane/console/../secret.txt',
        '/credplane/console/assets/../../secret.txt',
        '/credplane/console/%2e%2e/secret.txt',
        '/credplane/console/%2E%2E%2Fsecret.txt',
        '/credplane/console/index.html%00.js',
        '/credplane/console/..%5csecret.txt',
        '/credplane/console/%zz',
      ]) {
        const reply = await send(built, 'GET', evil);
        expect([evil, reply.status]).toEqual([evil, 400]);
        expect(reply.text).not.toContain('secret');
      }
      const unknownApi = await send(built, 'GET', `${API}nothing`);
      expect([unknownApi.status, code(unknownApi.json)]).toEqual([401, 'NotAuthenticated']);
      const admin = await loginWithToken(built);
      const unknown = await send(built, 'GET', `${API}nothing`, { browser: admin });
      expect([unknown.status, code(unknown.json)]).toEqual([404, 'NoSuchEntity']);
      const malformed = await send(built, 'GET', `${API}roles/%E0%A4%A`, { browser: admin });
      expect([malformed.status, code(malformed.json)]).toEqual([400, 'ValidationError']);
    } finally {
      await built.close();
    }
  });
});
