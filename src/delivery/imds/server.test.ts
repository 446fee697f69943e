import type http from 'node:http';
import { mapDatabaseError } from '../../store/database-errors.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImdsServer, handleImdsRequest, type ImdsEndpoint, type ImdsState } from './server.js';
import { ImdsTokens } from './tokens.js';
import type { MetadataDirectory } from './tree.js';

const T0 = 1_800_000_000_000;
const tokens = new ImdsTokens();
const tree: MetadataDirectory = {
  latest: {
    'meta-data': {
      'instance-id': 'i-0123456789abcdef0',
      iam: { 'security-credentials': { role: (delivery) => `creds for ${delivery}` } },
    },
  },
};

function state(options: Partial<ImdsState['options']> = {}): ImdsState {
  return {
    binding: { instanceId: 'i-0123456789abcdef0', generation: 'g' },
    options: { httpTokens: 'optional', httpEndpoint: 'enabled', httpPutResponseHopLimit: 1, ...options },
    tree,
  };
}

const put = (
  headers: http.IncomingHttpHeaders = { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' },
  url = '/latest/api/token',
) => ({ method: 'PUT', url, headers });
const get = (url: string, headers: http.IncomingHttpHeaders = {}) => ({ method: 'GET', url, headers });

async function tokenFor(s: ImdsState, ttl = '21600'): Promise<string> {
  const res = await handleImdsRequest(s, tokens, put({ 'x-aws-ec2-metadata-token-ttl-seconds': ttl }), T0);
  expect(res.status).toBe(200);
  return String(res.body);
}

describe('token API', () => {
  it('200: issues a token, echoes the TTL, text/plain, hop limit attached', async () => {
    const res = await handleImdsRequest(
      state({ httpPutResponseHopLimit: 2 }),
      tokens,
      put({ 'x-aws-ec2-metadata-token-ttl-seconds': '300' }),
      T0,
    );
    expect(res.status).toBe(200);
    expect(res.headers['x-aws-ec2-metadata-token-ttl-seconds']).toBe('300');
    expect(res.headers['content-type']).toBe('text/plain');
    expect(String(res.body)).not.toMatch(/\s/);
    expect(res.hopLimit).toBe(2);
  });

  it('400: TTL missing, zero, negative, too large, not an integer', async () => {
    for (const ttl of [undefined, '0', '-5', '21601', 'abc', '3.5']) {
      const headers = ttl === undefined ? {} : { 'x-aws-ec2-metadata-token-ttl-seconds': ttl };
      expect((await handleImdsRequest(state(), tokens, put(headers), T0)).status).toBe(400);
    }
  });

  it('403: X-Forwarded-For on the PUT, and a versioned token path', async () => {
    const xff = { 'x-aws-ec2-metadata-token-ttl-seconds': '60', 'x-forwarded-for': '203.0.113.7' };
    expect((await handleImdsRequest(state(), tokens, put(xff), T0)).status).toBe(403);
    expect(
      (await handleImdsRequest(state(), tokens, put(undefined, '/2021-03-23/api/token'), T0)).status,
    ).toBe(403);
  });

  it('405: other methods on the token path, PUT elsewhere, POST', async () => {
    expect((await handleImdsRequest(state(), tokens, get('/latest/api/token'), T0)).status).toBe(405);
    expect((await handleImdsRequest(state(), tokens, put(undefined, '/latest/meta-data/'), T0)).status).toBe(
      405,
    );
    expect(
      (
        await handleImdsRequest(
          state(),
          tokens,
          { method: 'POST', url: '/latest/meta-data/', headers: {} },
          T0,
        )
      ).status,
    ).toBe(405);
  });

  it('403 everywhere when HttpEndpoint=disabled', async () => {
    const s = state({ httpEndpoint: 'disabled' });
    expect((await handleImdsRequest(s, tokens, put(), T0)).status).toBe(403);
    expect((await handleImdsRequest(s, tokens, get('/latest/meta-data/instance-id'), T0)).status).toBe(403);
  });
});

describe('metadata GET', () => {
  it('optional: v1 without a token, v2 with one, different delivery versions', async () => {
    const s = state();
    const v1 = await handleImdsRequest(s, tokens, get('/latest/meta-data/iam/security-credentials/role'), T0);
    expect([v1.status, v1.body]).toEqual([200, 'creds for 1.0']);
    const token = await tokenFor(s);
    const v2 = await handleImdsRequest(
      s,
      tokens,
      get('/latest/meta-data/iam/security-credentials/role', { 'x-aws-ec2-metadata-token': token }),
      T0,
    );
    expect([v2.status, v2.body]).toEqual([200, 'creds for 2.0']);
  });

  it('401: required without a token; invalid, expired or another instance token in any mode', async () => {
    const required = state({ httpTokens: 'required' });
    expect((await handleImdsRequest(required, tokens, get('/latest/meta-data/instance-id'), T0)).status).toBe(
      401,
    );
    const token = await tokenFor(required, '1');
    const ok = await handleImdsRequest(
      required,
      tokens,
      get('/latest/meta-data/instance-id', { 'x-aws-ec2-metadata-token': token }),
      T0,
    );
    expect([ok.status, ok.body]).toEqual([200, 'i-0123456789abcdef0']);
    for (const s of [required, state()]) {
      const expired = await handleImdsRequest(
        s,
        tokens,
        get('/latest/meta-data/instance-id', { 'x-aws-ec2-metadata-token': token }),
        T0 + 1000,
      );
      expect(expired.status).toBe(401);
      const forged = await handleImdsRequest(
        s,
        tokens,
        get('/latest/meta-data/instance-id', { 'x-aws-ec2-metadata-token': 'AAAA' }),
        T0,
      );
      expect(forged.status).toBe(401);
    }
    const other = { ...state(), binding: { instanceId: 'i-0000000000000000f', generation: 'g' } };
    const foreign = await tokenFor(other);
    expect(
      (
        await handleImdsRequest(
          state(),
          tokens,
          get('/latest/meta-data/instance-id', { 'x-aws-ec2-metadata-token': foreign }),
          T0,
        )
      ).status,
    ).toBe(401);
  });

  it('403: a token-bearing GET through a proxy (X-Forwarded-For)', async () => {
    const s = state();
    const token = await tokenFor(s);
    const res = await handleImdsRequest(
      s,
      tokens,
      get('/latest/meta-data/instance-id', {
        'x-aws-ec2-metadata-token': token,
        'x-forwarded-for': '10.0.0.1',
      }),
      T0,
    );
    expect(res.status).toBe(403);
  });

  it('errors are EC2’s XHTML pages (text/html), titled with the status', async () => {
    const missing = await handleImdsRequest(state(), tokens, get('/latest/meta-data/nothing'), T0);
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toBe('text/html');
    expect(missing.body).toBe(
      '<?xml version="1.0" encoding="iso-8859-1"?>\n' +
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n' +
        '\t\t "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n' +
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n' +
        ' <head>\n  <title>404 - Not Found</title>\n </head>\n' +
        ' <body>\n  <h1>404 - Not Found</h1>\n </body>\n' +
        '</html>\n',
    );
    const cases: [ImdsState, ReturnType<typeof get>, string][] = [
      [state({ httpTokens: 'required' }), get('/latest/meta-data/'), '401 - Unauthorized'],
      [state({ httpEndpoint: 'disabled' }), get('/latest/meta-data/'), '403 - Forbidden'],
      [state(), { method: 'POST', url: '/latest/meta-data/', headers: {} }, '405 - Method Not Allowed'],
      [state(), put({}), '400 - Bad Request'],
    ];
    for (const [s, request, title] of cases) {
      const res = await handleImdsRequest(s, tokens, request, T0);
      expect(res.headers['content-type'], title).toBe('text/html');
      expect(String(res.body)).toContain(`<title>${title}</title>\n </head>\n <body>\n  <h1>${title}</h1>`);
    }
  });

  it('HEAD answers with the GET’s status and real Content-Length, without a body', async () => {
    const head = (url: string) =>
      handleImdsRequest(state(), tokens, { method: 'HEAD', url, headers: {} }, T0);
    const leaf = await head('/latest/meta-data/instance-id');
    expect([leaf.status, leaf.body, leaf.headers['content-length']]).toEqual([200, '', '19']);
    const missing = await head('/latest/meta-data/nothing');
    expect([missing.status, missing.body]).toEqual([404, '']);
    expect(Number(missing.headers['content-length'])).toBe(
      Buffer.byteLength(String((await handleImdsRequest(state(), tokens, get('/nothing'), T0)).body)),
    );
  });
});

describe('createImdsServer over HTTP', () => {
  let endpoint: ImdsEndpoint;
  let current = state();
  beforeAll(async () => {
    endpoint = await createImdsServer({ state: () => current, tokens }, 0);
  });
  afterAll(() => endpoint.close());

  it('binds loopback and serves the protocol, picking up state changes at once', async () => {
    expect(endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const tokenRes = await fetch(`${endpoint.url}latest/api/token`, {
      method: 'PUT',
      headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '21600' },
    });
    expect(tokenRes.status).toBe(200);
    expect(tokenRes.headers.get('x-aws-ec2-metadata-token-ttl-seconds')).toBe('21600');
    expect(tokenRes.headers.get('content-type')).toBe('text/plain');
    const token = await tokenRes.text();
    const withToken = await fetch(`${endpoint.url}latest/meta-data/instance-id`, {
      headers: { 'X-aws-ec2-metadata-token': token },
    });
    expect(await withToken.text()).toBe('i-0123456789abcdef0');
    expect((await fetch(`${endpoint.url}latest/meta-data/instance-id`)).status).toBe(200);
    current = state({ httpTokens: 'required' });
    expect((await fetch(`${endpoint.url}latest/meta-data/instance-id`)).status).toBe(401);
    current = state({ httpEndpoint: 'disabled' });
    expect((await fetch(`${endpoint.url}latest/meta-data/instance-id`)).status).toBe(403);
  });

  it('HEAD over HTTP: Content-Length of the body it leaves out', async () => {
    current = state();
    const res = await fetch(`${endpoint.url}latest/meta-data/instance-id`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('19');
    expect(await res.text()).toBe('');
  });

  it('answers 500 (not a crash) when a leaf fails', async () => {
    current = {
      ...state(),
      tree: { latest: { boom: () => Promise.reject(new Error('control plane down')) } },
    };
    const res = await fetch(`${endpoint.url}latest/boom`);
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('control plane down');
  });

  it('answers 503 when the store or the access log is away (an AwsError 503), which the SDKs retry', async () => {
    current = {
      ...state(),
      tree: { latest: { boom: () => Promise.reject(mapDatabaseError(new Error('Connection terminated'))) } },
    };
    const res = await fetch(`${endpoint.url}latest/boom`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('503 - Service Unavailable');
  });
});
