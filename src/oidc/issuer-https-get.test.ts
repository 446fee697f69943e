/**
 * The issuer GET's bounds, over real TLS with a private CA pinned by thumbprint: a server that
 * never answers times out, a body over the cap is refused whether declared or streamed, and a
 * redirect is answered as its status, never followed.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuerHttpsGet } from './issuer-https-get.js';
import { createPrivatePki, type PrivatePki } from './test-support/private-ca.js';

let pki: PrivatePki;
let server: https.Server;
let base = '';

beforeAll(async () => {
  pki = await createPrivatePki();
  server = https.createServer({ key: pki.leafKey, cert: pki.leaf.pem + pki.intermediate.pem }, (req, res) => {
    if (req.url === '/silent') return; // never answers
    if (req.url === '/declared-large') {
      res.writeHead(200, { 'content-length': String(100_000) }).end('x'.repeat(100_000));
    } else if (req.url === '/streamed-large') {
      res.writeHead(200);
      res.end('y'.repeat(100_000));
    } else if (req.url === '/redirect') {
      res.writeHead(302, { location: 'https://169.254.169.254/' }).end();
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const options = () => ({ timeoutMs: 500, maxBytes: 64 * 1024, thumbprints: [pki.intermediate.sha1] });

describe('issuerHttpsGet', () => {
  it('answers a pinned issuer', async () => {
    expect(await issuerHttpsGet(new URL(`${base}/ok`), options())).toEqual({
      status: 200,
      body: '{"ok":true}',
    });
  });

  it('times out on a server that never answers', async () => {
    await expect(issuerHttpsGet(new URL(`${base}/silent`), options())).rejects.toThrow(/timed out/);
  });

  it('refuses a body over the cap, declared or streamed', async () => {
    for (const path of ['/declared-large', '/streamed-large']) {
      await expect(issuerHttpsGet(new URL(`${base}${path}`), options())).rejects.toThrow(
        /larger than 65536 bytes/,
      );
    }
  });

  it('does not follow a redirect', async () => {
    expect(await issuerHttpsGet(new URL(`${base}/redirect`), options())).toEqual({ status: 302, body: '' });
  });
});
