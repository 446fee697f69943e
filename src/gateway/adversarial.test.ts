/**
 * Adversarial requests against the enforcing gateway with the real mappers: a signed caller must
 * not get a request to the backend that differs from the one the policy decision covered, nor
 * crash the server with odd input.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessRecordInput } from '../audit/types.js';
import { listen, type RunningServer } from '../http/server.js';
import {
  ACCOUNT,
  createTestPlane,
  credentialsOf,
  type Credentials,
  type TestPlane,
} from '../server/test-support/plane.js';
import { NodeSha256 } from '../sigv4/test-support/smithy.js';
import { mapperForSigningName } from './mapping/index.js';
import { createS3Mapper } from './mapping/s3.js';
import { createGateway, type Gateway, type GatewayDeps } from './server.js';
import { testGatewayDeps } from './test-support/deps.js';

let plane: TestPlane;
let backend: http.Server;
let gateway: Gateway;
let server: RunningServer;
let creds: Credentials;
let gatewayDeps: GatewayDeps;
const records: AccessRecordInput[] = [];
const seen: { method: string; url: string; body: string }[] = [];

beforeAll(async () => {
  plane = await createTestPlane();
  backend = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body: Buffer.concat(chunks).toString() });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const backendPort = (backend.address() as AddressInfo).port;
  await plane.store.createRole(ACCOUNT, {
    roleName: 'narrow',
    assumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
      ],
    }),
  });
  await plane.store.putRolePolicy(
    ACCOUNT,
    'narrow',
    'inline',
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/public/*' },
        { Effect: 'Allow', Action: 'sqs:ListQueues', Resource: '*' },
        { Effect: 'Allow', Action: 'sqs:*', Resource: `arn:aws:sqs:us-east-1:${ACCOUNT}:open` },
      ],
    }),
  );
  const res = await plane.call('sts', plane.admin, {
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: `arn:aws:iam::${ACCOUNT}:role/narrow`,
    RoleSessionName: 'unit',
  });
  creds = credentialsOf(res.text);
  gatewayDeps = testGatewayDeps(
    plane,
    { backends: { '*': { url: `http://127.0.0.1:${backendPort}` } }, modes: {} },
    mapperForSigningName,
    { records },
    ACCOUNT,
  );
  gateway = createGateway(gatewayDeps);
  server = await listen(plane.withGateway(gateway), 0);
});

afterAll(async () => {
  await server.close();
  gateway.close();
  await new Promise<void>((resolve) => backend.close(() => resolve()));
  await plane.close();
});

/** Signs `request` for `service` and returns the headers to send (host, authorization, ...). */
async function sign(
  service: string,
  request: { method: string; path: string; headers?: Record<string, string>; body?: string; host?: string },
  port = server.port,
): Promise<Record<string, string>> {
  const [path, query] = request.path.split('?');
  const host = request.host ?? `127.0.0.1:${port}`;
  const signer = new SignatureV4({
    credentials: creds,
    region: 'us-east-1',
    service,
    sha256: NodeSha256,
    uriEscapePath: service !== 's3',
    applyChecksum: service === 's3',
  });
  const queryPairs: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(query ?? '')) {
    const existing = queryPairs[name];
    queryPairs[name] =
      existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  const signed = await signer.sign({
    method: request.method,
    protocol: 'http:',
    hostname: host.split(':')[0]!,
    port,
    path: path!,
    query: queryPairs,
    headers: { host, ...request.headers },
    body: request.body ?? '',
  });
  return signed.headers as Record<string, string>;
}

async function send(
  service: string,
  request: { method: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; text: string }> {
  const headers = await sign(service, request);
  const body = request.body ?? '';
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: request.method,
        path: request.path,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Writes raw bytes to the gateway and returns whatever comes back before the socket closes. */
function raw(bytes: string, waitMs = 300): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(server.port, '127.0.0.1');
    let out = '';
    socket.on('data', (c: Buffer) => (out += c.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(out));
    socket.write(bytes, 'latin1');
    setTimeout(() => socket.destroy(), waitMs);
  });
}

const SQS_FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
const openUrl = `http://127.0.0.1/${ACCOUNT}/open`;
const secretUrl = `http://127.0.0.1/${ACCOUNT}/secret`;

describe('gateway: the forwarded request is the authorized one', () => {
  it('control: an allowed Query request is forwarded', async () => {
    const before = seen.length;
    const res = await send('sqs', {
      method: 'POST',
      path: '/',
      headers: SQS_FORM,
      body: `Action=GetQueueAttributes&QueueUrl=${encodeURIComponent(openUrl)}`,
    });
    expect(res.status).toBe(200);
    expect(seen.length).toBe(before + 1);
  });

  it('refuses a Query body that repeats Action (backends differ on which one wins)', async () => {
    const before = seen.length;
    const res = await send('sqs', {
      method: 'POST',
      path: '/',
      headers: SQS_FORM,
      body: `Action=ListQueues&Action=DeleteQueue&QueueUrl=${encodeURIComponent(secretUrl)}`,
    });
    expect(res.status).toBe(400);
    expect(seen.length).toBe(before);
  });

  it('refuses a Query request whose URL and body name different queues or actions', async () => {
    const before = seen.length;
    const res = await send('sqs', {
      method: 'POST',
      path: `/?QueueUrl=${encodeURIComponent(openUrl)}`,
      headers: SQS_FORM,
      body: `Action=DeleteQueue&QueueUrl=${encodeURIComponent(secretUrl)}`,
    });
    expect(res.status).toBe(400);
    expect(seen.length).toBe(before);
  });

  it('refuses a Query request posted to one queue URL that names another in QueueUrl', async () => {
    const before = seen.length;
    const res = await send('sqs', {
      method: 'POST',
      path: `/${ACCOUNT}/secret`,
      headers: SQS_FORM,
      body: `Action=DeleteQueue&QueueUrl=${encodeURIComponent(openUrl)}`,
    });
    expect(res.status).toBe(400);
    expect(seen.length).toBe(before);
  });

  it('still forwards a repeated parameter with the same value, and a matching path queue', async () => {
    const before = seen.length;
    const res = await send('sqs', {
      method: 'POST',
      path: `/${ACCOUNT}/open`,
      headers: SQS_FORM,
      body: `Action=GetQueueAttributes&Action=GetQueueAttributes&QueueUrl=${encodeURIComponent(openUrl)}`,
    });
    expect(res.status).toBe(200);
    expect(seen.length).toBe(before + 1);
  });

  it('a header the Connection header lists (so never forwarded) does not select the operation', async () => {
    const before = seen.length;
    const res = await send('sqs', {
      method: 'POST',
      path: `/?Action=DeleteQueue&QueueUrl=${encodeURIComponent(secretUrl)}`,
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.GetQueueAttributes',
        connection: 'keep-alive, x-amz-target',
      },
      body: JSON.stringify({ QueueUrl: openUrl }),
    });
    // Without X-Amz-Target the backend reads a Query request: DeleteQueue on the secret queue.
    expect(res.status).toBe(403);
    expect(seen.length).toBe(before);
  });

  it('refuses S3 paths with dot segments (a backend that normalizes them reaches another object)', async () => {
    const before = seen.length;
    for (const path of [
      '/bucket/public/../../secret/key',
      '/bucket/public/%2E%2E/private/key',
      '/bucket/public/..%2Fprivate/key',
      '/../secret/public/key',
      '/bucket/public/./x',
    ]) {
      const res = await send('s3', { method: 'GET', path });
      // 400 InvalidURI; the percent-encoded dots may already fail the signature (403): refused either way.
      expect({ path, refused: res.status === 400 || res.status === 403 }).toEqual({ path, refused: true });
    }
    expect(seen.length).toBe(before);
    const literal = await send('s3', { method: 'GET', path: '/bucket/public/../../secret/key' });
    expect(literal.status).toBe(400);
    expect(literal.text).toContain('<Code>InvalidURI</Code>');
    // A streamed upload (the body not read) and a copy source are refused the same way.
    const upload = await send('s3', { method: 'PUT', path: '/bucket/public/../../secret/key', body: 'abc' });
    expect(upload.status).toBe(400);
    const copy = await send('s3', {
      method: 'PUT',
      path: '/bucket/public/copy',
      headers: { 'x-amz-copy-source': '/bucket/public/../../secret/key' },
    });
    expect(copy.status).toBe(400);
    expect(seen.length).toBe(before);
    const ok = await send('s3', { method: 'GET', path: '/bucket/public/a..b/.c/d.' });
    expect(ok.status).toBe(200);
  });
});

describe('gateway: S3 headers the signature does not cover', () => {
  /** Sends `headers` (signed ones plus whatever the sender adds) without re-signing. */
  function sendAs(method: string, path: string, headers: Record<string, string>): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: server.port, method, path, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('refuses an unsigned x-amz-* header as S3 does (AccessDenied), never forwarding it', async () => {
    const before = seen.length;
    const signed = await sign('s3', { method: 'GET', path: '/bucket/public/a' });
    expect(await sendAs('GET', '/bucket/public/a', signed)).toBe(200);
    expect(seen.length).toBe(before + 1);
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: server.port,
          method: 'GET',
          path: '/bucket/public/a',
          headers: { ...signed, 'x-amz-copy-source': 'bucket/public/b', 'x-amzn-trace-id': 'Root=1' },
        },
        (r) => {
          let text = '';
          r.on('data', (c: Buffer) => (text += c.toString()));
          r.on('end', () => resolve({ status: r.statusCode!, text }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(res.status).toBe(403);
    expect(res.text).toContain('<Code>AccessDenied</Code>');
    expect(res.text).toContain('There were headers present in the request which were not signed');
    expect(seen.length).toBe(before + 1);
  });

  it('a presigned URL: headers added by whoever holds it are refused; the URL alone works', async () => {
    const signer = new SignatureV4({
      credentials: creds,
      region: 'us-east-1',
      service: 's3',
      sha256: NodeSha256,
      uriEscapePath: false,
    });
    const host = `127.0.0.1:${server.port}`;
    const presigned = await signer.presign(
      {
        method: 'GET',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: server.port,
        path: '/bucket/public/a',
        query: {},
        // As S3 presigners do: the payload is UNSIGNED-PAYLOAD, the header neither signed nor sent.
        headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      },
      {
        expiresIn: 300,
        unhoistableHeaders: new Set(['x-amz-content-sha256']),
        unsignableHeaders: new Set(['x-amz-content-sha256']),
      },
    );
    const query = Object.entries(presigned.query ?? {})
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    const url = `/bucket/public/a?${query}`;
    const before = seen.length;
    expect(await sendAs('GET', url, { host })).toBe(200);
    expect(await sendAs('GET', url, { host, 'x-amz-acl': 'public-read' })).toBe(403);
    expect(seen.length).toBe(before + 1);
  });
});

describe('gateway: virtual-hosted S3 on a configured endpoint host', () => {
  it('forwards path-style to the bucket the mapper authorized, with the mapper own host names', async () => {
    const custom = createGateway({
      ...gatewayDeps,
      mapperFor: (name) => (name === 's3' ? createS3Mapper({ endpointHosts: ['gateway.test'] }) : undefined),
    });
    const other = await listen(plane.withGateway(custom), 0);
    try {
      const host = `bucket.gateway.test:${other.port}`;
      const headers = await sign('s3', { method: 'GET', path: '/public/a', host }, other.port);
      const before = seen.length;
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port: other.port, method: 'GET', path: '/public/a', headers },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(200);
      // Not `/public/a` (bucket "public"): the bucket the policy decision covered.
      expect(seen.slice(before).map((s) => s.url)).toEqual(['/bucket/public/a']);
    } finally {
      await other.close();
      custom.close();
    }
  });
});

describe('gateway: secrets stay out of the access log', () => {
  it('no session token, signature or secret key in any record, allowed, denied or failed', async () => {
    await send('s3', { method: 'GET', path: '/bucket/public/a' });
    await send('s3', { method: 'GET', path: '/bucket/private/a' });
    const headers = await sign('sqs', {
      method: 'POST',
      path: '/',
      headers: SQS_FORM,
      body: 'Action=ListQueues',
    });
    await new Promise<void>((resolve, reject) => {
      // Tampered body: the signature fails and the failure is logged.
      const req = http.request(
        {
          host: '127.0.0.1',
          port: server.port,
          method: 'POST',
          path: '/',
          headers: { ...headers, 'content-length': '17' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve());
        },
      );
      req.on('error', reject);
      req.end('Action=ListTopics');
    });
    const logged = JSON.stringify(records);
    expect(records.some((r) => r.errorCode === 'SignatureDoesNotMatch')).toBe(true);
    expect(logged).not.toContain(creds.sessionToken!);
    expect(logged).not.toContain(creds.secretAccessKey);
    expect(logged).not.toContain(/Signature=([0-9a-f]{64})/.exec(headers.authorization!)![1]);
  });
});

describe('gateway: the request target', () => {
  it('forwards an absolute-form request in origin form: the unsigned authority never reaches the backend', async () => {
    const body = JSON.stringify({ QueueUrl: openUrl });
    const headers = await sign('sqs', {
      method: 'POST',
      path: '/',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.GetQueueAttributes',
      },
      body,
    });
    const head = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    const before = seen.length;
    const answer = await raw(
      `POST http://secret.s3.localhost.localstack.cloud/ HTTP/1.1\r\n${head}content-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(seen.slice(before).map((s) => s.url)).toEqual(['/']);
  });

  it('refuses a target that is neither origin- nor absolute-form', async () => {
    const headers = await sign('sqs', {
      method: 'POST',
      path: '/',
      headers: SQS_FORM,
      body: 'Action=ListQueues',
    });
    const head = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    const before = seen.length;
    const answer = await raw(`OPTIONS * HTTP/1.1\r\n${head}content-length: 17\r\n\r\nAction=ListQueues`);
    expect(answer).not.toMatch(/^HTTP\/1\.1 200/);
    expect(seen.length).toBe(before);
  });
});

describe('gateway: odd input never kills the server', () => {
  it('answers or closes on malformed framing, then still serves', async () => {
    const headers = await sign('s3', { method: 'GET', path: '/bucket/public/a' });
    const head = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    const inputs = [
      // Content-Length and Transfer-Encoding together (a smuggling classic).
      `PUT /bucket/public/a HTTP/1.1\r\n${head}content-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n`,
      // Broken chunked framing.
      `PUT /bucket/public/a HTTP/1.1\r\n${head}transfer-encoding: chunked\r\n\r\nzz\r\nabc\r\n`,
      // Absolute-form target.
      `GET http://evil.example/bucket/public/a HTTP/1.1\r\n${head}\r\n`,
      // Asterisk target and a malformed percent-encoding.
      `OPTIONS * HTTP/1.1\r\n${head}\r\n`,
      `GET /bucket/public/%E0%A4%A?x=%ZZ HTTP/1.1\r\n${head}\r\n`,
      // obs-text in a header value, a header listed in Connection.
      `GET /bucket/public/a HTTP/1.1\r\n${head}x-odd: caf\xe9\r\nconnection: x-odd, authorization\r\n\r\n`,
      // Client gives up mid-body.
      `PUT /bucket/public/a HTTP/1.1\r\n${head}content-length: 100000\r\n\r\npartial`,
      // Signed for S3 but with a body hash that is neither hex nor a literal.
      `PUT /bucket/public/a HTTP/1.1\r\n${head.replace(/x-amz-content-sha256: [^\r]+/, 'x-amz-content-sha256: nope')}content-length: 1\r\n\r\nx`,
    ];
    for (const input of inputs) await raw(input);
    const res = await send('s3', { method: 'GET', path: '/bucket/public/a' });
    expect(res.status).toBe(200);
  });

  it('a request with both Content-Length and Transfer-Encoding never reaches the backend', async () => {
    const before = seen.length;
    const headers = await sign('s3', { method: 'GET', path: '/bucket/public/a' });
    const head = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    const answer = await raw(
      `GET /bucket/public/a HTTP/1.1\r\n${head}content-length: 4\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(seen.length).toBe(before);
  });
});
