import { SignatureV4 } from '@smithy/signature-v4';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AccessRecordInput } from '../audit/types.js';
import { UnauthenticatedBudget } from '../audit/unauthenticated.js';
import { buildAccessEvent } from '../audit/record.js';
import { decodeDenial } from '../control/authorization-message.js';
import { AwsError } from '../errors.js';
import { listen, type RunningServer } from '../http/server.js';
import { verifyRequest } from '../sigv4/index.js';
import {
  ACCOUNT,
  createTestPlane,
  credentialsOf,
  xmlValue,
  type Credentials,
  type TestPlane,
} from '../server/test-support/plane.js';
import type { AccessEventInput } from '../store/store.js';
import type { GatewaySettings } from './config.js';
import { s3Mapper } from './mapping/s3.js';
import { isS3QueryName } from './mapping/s3-operations.js';
import { NodeSha256 } from '../sigv4/test-support/smithy.js';
import { createGateway, type Gateway, type GatewayDeps } from './server.js';
import { testGatewayDeps } from './test-support/deps.js';
import type { GatewayRequest, MappedRequest, ServiceMapper, UnmappedRequest } from './types.js';

/** A small S3 mapper: path-style GET/PUT of objects; `?acl` is left unmapped. */
const s3: ServiceMapper = {
  service: 's3',
  signingName: 's3',
  protocol: 'rest-xml',
  needsBody: () => false,
  acceptsQueryParameter: isS3QueryName,
  map(request: GatewayRequest): MappedRequest | UnmappedRequest {
    const [bucket, ...key] = request.path.slice(1).split('/');
    if (request.query.some(([name]) => name === 'acl')) {
      return { unmapped: true, service: 's3', eventSource: 's3.amazonaws.com', operation: 'GetObjectAcl' };
    }
    if (bucket === 'malformed') throw new AwsError('InvalidBucketName', 'The specified bucket is not valid.');
    const operation = request.method === 'PUT' ? 'PutObject' : 'GetObject';
    const resource = `arn:aws:s3:::${bucket}/${decodeURIComponent(key.join('/'))}`;
    return {
      service: 's3',
      eventSource: 's3.amazonaws.com',
      operation,
      checks: [{ action: `s3:${operation}`, resource, context: {} }],
      requestParameters: { bucketName: bucket!, key: key.join('/') },
      resources: [{ ARN: resource, type: 'AWS::S3::Object' }],
    };
  },
};

/** A small DynamoDB mapper reading the JSON body. */
const dynamodb: ServiceMapper = {
  service: 'dynamodb',
  signingName: 'dynamodb',
  protocol: 'json',
  errorNamespace: 'com.amazonaws.dynamodb.v20120810#',
  needsBody: () => true,
  map(request) {
    const operation = (request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    const table = (JSON.parse(request.body!.toString()) as { TableName: string }).TableName;
    const resource = `arn:aws:dynamodb:${request.region}:${request.accountId}:table/${table}`;
    return {
      service: 'dynamodb',
      eventSource: 'dynamodb.amazonaws.com',
      operation,
      checks: [{ action: `dynamodb:${operation}`, resource, context: {} }],
    };
  },
};

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  complete: boolean;
  verified?: boolean;
  closed?: boolean;
}

let plane: TestPlane;
let backend: http.Server;
let backendPort: number;
let seen: Seen[];
let events: AccessEventInput[];
let records: AccessRecordInput[];
let accept = true;
let settings: GatewaySettings;
let gateway: Gateway;
let server: RunningServer;
let allowedCreds: Credentials;

async function role(name: string, policy: object): Promise<Credentials> {
  await plane.store.createRole(ACCOUNT, {
    roleName: name,
    assumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
      ],
    }),
  });
  await plane.store.putRolePolicy(ACCOUNT, name, 'inline', JSON.stringify(policy));
  const res = await plane.call('sts', plane.admin, {
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
    RoleSessionName: 'unit',
  });
  expect(res.status).toBe(200);
  return credentialsOf(res.text);
}

beforeAll(async () => {
  plane = await createTestPlane();
  backend = http.createServer((req, res) => {
    const entry: Seen = {
      method: req.method!,
      url: req.url!,
      headers: req.headers,
      body: Buffer.alloc(0),
      complete: false,
    };
    seen.push(entry);
    req.once('close', () => (entry.closed = true));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      entry.body = Buffer.concat(chunks);
      entry.complete = true;
      // A backend that checks SigV4 (LocalStack, MinIO) must accept the gateway's signature.
      try {
        verifyRequest(
          { method: req.method!, url: req.url!, headers: req.rawHeaders, body: entry.body },
          { lookup: () => ({ secretAccessKey: 'test' }) },
        );
        entry.verified = true;
      } catch {
        entry.verified = false;
      }
      if (req.url?.includes('/slow')) return; // never answers
      const requestId = `BACKEND${seen.length}`;
      if (req.url?.includes('/missing')) {
        res.writeHead(404, { 'content-type': 'application/xml', 'x-amz-request-id': requestId });
        res.end(
          '<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>',
        );
        return;
      }
      res.writeHead(200, {
        'content-type': 'text/plain',
        'x-backend': 'fake',
        'x-amz-request-id': requestId,
        connection: 'keep-alive',
      });
      res.end(`backend saw ${req.method} ${req.url} (${entry.body.length} bytes)`);
    });
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  backendPort = (backend.address() as AddressInfo).port;
  allowedCreds = await role('reader', {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::bucket/public/*' },
      {
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/Open`,
      },
    ],
  });
});

afterAll(async () => {
  await new Promise<void>((resolve) => backend.close(() => resolve()));
  await plane.close();
});

async function startGateway(
  overrides: Partial<GatewaySettings> = {},
  mappers: Record<string, ServiceMapper> = { s3, dynamodb },
  deps: Partial<GatewayDeps> = {},
): Promise<void> {
  settings = { backends: { '*': { url: `http://127.0.0.1:${backendPort}` } }, modes: {}, ...overrides };
  gateway = createGateway({
    ...testGatewayDeps(
      plane,
      settings,
      (name) => mappers[name],
      { records, events, accept: () => accept },
      ACCOUNT,
    ),
    ...deps,
  });
  server = await listen(plane.withGateway(gateway), 0);
}

afterEach(async () => {
  await server.close();
  gateway.close();
  accept = true;
});

beforeAll(() => {
  seen = [];
  events = [];
  records = [];
});

interface Sent {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** Sign for `service` and send; `send` replaces the body actually sent (tampering). */
async function call(
  service: string,
  credentials: Credentials,
  request: {
    method: string;
    path: string;
    host?: string;
    headers?: Record<string, string>;
    body?: string;
    send?: string;
  },
): Promise<Sent> {
  const port = server.port;
  const body = request.body ?? '';
  const host = request.host ?? `127.0.0.1:${port}`;
  const headers: Record<string, string> = { host, ...request.headers };
  const [path, query] = request.path.split('?');
  const signer = new SignatureV4({
    credentials,
    region: 'us-east-1',
    service,
    sha256: NodeSha256,
    uriEscapePath: service !== 's3',
    applyChecksum: service === 's3',
  });
  const signed = await signer.sign({
    method: request.method,
    protocol: 'http:',
    hostname: host.split(':')[0]!,
    port,
    path: path!,
    query: Object.fromEntries(new URLSearchParams(query ?? '')),
    headers,
    body,
  });
  const sent = request.send ?? body;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: request.method,
        path: request.path,
        headers: {
          ...(signed.headers as Record<string, string>),
          'content-length': String(Buffer.byteLength(sent)),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(sent);
  });
}

describe('gateway', () => {
  it('forwards an allowed S3 GET re-signed with the backend credentials and logs it once', async () => {
    await startGateway();
    const before = seen.length;
    const res = await call('s3', allowedCreds, {
      method: 'GET',
      path: '/bucket/public/a.txt?versionId=v%201',
    });
    expect(res.status).toBe(200);
    expect(res.text).toBe('backend saw GET /bucket/public/a.txt?versionId=v%201 (0 bytes)');
    expect(res.headers['x-backend']).toBe('fake');
    const got = seen[before]!;
    expect(got.headers.host).toBe(`127.0.0.1:${backendPort}`);
    expect(got.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/us-east-1\/s3\/aws4_request/,
    );
    expect(got.headers['x-amz-security-token']).toBeUndefined();
    expect(got.verified).toBe(true);
    expect(JSON.stringify(got.headers)).not.toContain(allowedCreds.sessionToken!);
    const last = records.at(-1)!;
    expect(last).toMatchObject({ channel: 'gateway', eventName: 'GetObject', decision: 'allow' });
    expect(last.decisions?.map((d) => d.decision.decision)).toEqual(['Allow']);
    const logged = events.filter((e) => e.eventId === last.requestId);
    // Committed before forwarding, then completed with the request id the client received.
    expect(logged.map((e) => e.completes === true)).toEqual([false, true]);
    expect(res.headers['x-amz-request-id']).toMatch(/^BACKEND/);
    expect(logged[1]!.record).toMatchObject({ requestID: res.headers['x-amz-request-id'] });
    expect(logged[1]!.errorCode).toBeUndefined();
  });

  it('serves an IAM user signing with its own key: its policies decide, the log names it IAMUser', async () => {
    await startGateway();
    const iam = async (params: Record<string, string>) => {
      const res = await plane.call('iam', plane.admin, { Version: '2010-05-08', ...params });
      expect(res.status, res.text).toBe(200);
      return res.text;
    };
    await iam({ Action: 'CreateUser', UserName: 'gw-user' });
    await iam({
      Action: 'PutUserPolicy',
      UserName: 'gw-user',
      PolicyName: 'read',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/public/*' }],
      }),
    });
    const created = await iam({ Action: 'CreateAccessKey', UserName: 'gw-user' });
    const user = {
      accessKeyId: xmlValue(created, 'AccessKeyId')!,
      secretAccessKey: xmlValue(created, 'SecretAccessKey')!,
    };
    const ok = await call('s3', user, { method: 'GET', path: '/bucket/public/a.txt' });
    expect(ok.status).toBe(200);
    // The record production builds from it (`audit/record.ts`).
    expect(buildAccessEvent(records.at(-1)!).record).toMatchObject({
      userIdentity: {
        type: 'IAMUser',
        arn: `arn:aws:iam::${ACCOUNT}:user/gw-user`,
        accessKeyId: user.accessKeyId,
      },
    });
    const denied = await call('s3', user, { method: 'GET', path: '/bucket/private/b.txt' });
    expect(denied.status).toBe(403);
    expect(xmlValue(denied.text, 'Message')).toMatch(
      new RegExp(`^User: arn:aws:iam::${ACCOUNT}:user/gw-user is not authorized to perform: s3:GetObject`),
    );
    await iam({
      Action: 'UpdateAccessKey',
      UserName: 'gw-user',
      AccessKeyId: user.accessKeyId,
      Status: 'Inactive',
    });
    const inactive = await call('s3', user, { method: 'GET', path: '/bucket/public/a.txt' });
    expect(inactive.status).toBe(403);
    // Refused as an unknown key is, in S3's words (denial.ts).
    expect(xmlValue(inactive.text, 'Code')).toBe('InvalidAccessKeyId');
  });

  it("records a forwarded call's backend error code and request id (S3 NoSuchKey)", async () => {
    await startGateway();
    const res = await call('s3', allowedCreds, { method: 'GET', path: '/bucket/public/missing.txt' });
    expect(res.status).toBe(404);
    const id = records.at(-1)!.requestId;
    const completion = events.find((e) => e.eventId === id && e.completes === true)!;
    expect(completion).toMatchObject({ errorCode: 'NoSuchKey', decision: 'allow' });
    expect(completion.record).toMatchObject({
      requestID: res.headers['x-amz-request-id'],
      errorCode: 'NoSuchKey',
      errorMessage: 'The specified key does not exist.',
    });
  });

  it('refuses a denied S3 GET with S3 AccessDenied and a decodable authorization message', async () => {
    await startGateway();
    const before = seen.length;
    const res = await call('s3', allowedCreds, { method: 'GET', path: '/bucket/private/b.txt' });
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toBe('application/xml');
    expect(xmlValue(res.text, 'Code')).toBe('AccessDenied');
    const message = xmlValue(res.text, 'Message')!;
    expect(message).toMatch(
      new RegExp(
        `^User: arn:aws:sts::${ACCOUNT}:assumed-role/reader/unit is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::bucket/private/b.txt" because no identity-based policy allows the s3:GetObject action\\. Encoded authorization failure message: `,
      ),
    );
    const encoded = message.split('Encoded authorization failure message: ')[1]!;
    const decoded = JSON.parse(decodeDenial(encoded, plane.keyRing())!) as { context: { action: string } };
    expect(decoded.context.action).toBe('s3:GetObject');
    expect(xmlValue(res.text, 'RequestId')).toBe(res.headers['x-amz-request-id']);
    expect(seen.length).toBe(before);
    expect(records.at(-1)).toMatchObject({ decision: 'deny', errorCode: 'AccessDenied' });
  });

  it('denies an unmapped operation (fail closed), naming it; audit mode forwards it as audit-deny', async () => {
    await startGateway();
    const before = seen.length;
    const denied = await call('s3', allowedCreds, { method: 'GET', path: '/bucket/public/a.txt?acl' });
    expect(denied.status).toBe(403);
    expect(xmlValue(denied.text, 'Message')).toContain('no IAM mapping for s3:GetObjectAcl');
    expect(seen.length).toBe(before);
    await server.close();
    gateway.close();
    await startGateway({ modes: { 's3:GetObjectAcl': 'audit' } });
    const audited = await call('s3', allowedCreds, { method: 'GET', path: '/bucket/public/a.txt?acl' });
    expect(audited.status).toBe(200);
    expect(seen.length).toBe(before + 1);
    expect(records.at(-1)).toMatchObject({ decision: 'audit-deny', eventName: 'GetObjectAcl' });
  });

  it('audit mode forwards a policy denial and logs audit-deny', async () => {
    await startGateway({ modes: { s3: 'audit' } });
    const res = await call('s3', allowedCreds, { method: 'GET', path: '/bucket/private/b.txt' });
    expect(res.status).toBe(200);
    expect(records.at(-1)).toMatchObject({ decision: 'audit-deny' });
    expect(records.at(-1)!.errorMessage).toContain('is not authorized to perform: s3:GetObject');
  });

  it('streams a signed upload through and never delivers a tampered one complete', async () => {
    await startGateway();
    const body = 'x'.repeat(200_000);
    const hash = createHash('sha256').update(body).digest('hex');
    const before = seen.length;
    const ok = await call('s3', allowedCreds, {
      method: 'PUT',
      path: '/bucket/public/up.bin',
      headers: { 'x-amz-content-sha256': hash },
      body,
    });
    expect(ok.status).toBe(200);
    expect(seen[before]!.body.equals(Buffer.from(body))).toBe(true);
    expect(seen[before]!.headers['x-amz-content-sha256']).toBe(hash);
    expect(seen[before]!.verified).toBe(true);

    const tampered = await call('s3', allowedCreds, {
      method: 'PUT',
      path: '/bucket/public/up.bin',
      headers: { 'x-amz-content-sha256': hash },
      body,
      send: `${'x'.repeat(199_999)}y`,
    });
    expect(tampered.status).toBe(400);
    expect(xmlValue(tampered.text, 'Code')).toBe('XAmzContentSHA256Mismatch');
    // Logged as the error the client got, not as a plain allow.
    const id = records.at(-1)!.requestId;
    expect(events.find((e) => e.eventId === id && e.completes === true)).toMatchObject({
      errorCode: 'XAmzContentSHA256Mismatch',
      record: { errorCode: 'XAmzContentSHA256Mismatch' },
    });
    await new Promise((r) => setTimeout(r, 50));
    const after = seen.slice(before + 1);
    expect(after.every((s) => !s.complete)).toBe(true);
  });

  it('answers JSON services in their shape: DynamoDB AccessDeniedException 400', async () => {
    await startGateway();
    const headers = {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.GetItem',
    };
    const ok = await call('dynamodb', allowedCreds, {
      method: 'POST',
      path: '/',
      headers,
      body: '{"TableName":"Open","Key":{}}',
    });
    expect(ok.status).toBe(200);
    expect(seen.at(-1)!.verified).toBe(true);
    const denied = await call('dynamodb', allowedCreds, {
      method: 'POST',
      path: '/',
      headers,
      body: '{"TableName":"Closed","Key":{}}',
    });
    expect(denied.status).toBe(400);
    expect(denied.headers['x-amzn-errortype']).toBe('AccessDeniedException');
    expect(denied.headers['content-type']).toBe('application/x-amz-json-1.0');
    const json = JSON.parse(denied.text) as { __type: string; message: string };
    expect(json.__type).toBe('com.amazonaws.dynamodb.v20120810#AccessDeniedException');
    expect(json.message).toContain(`on resource: arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/Closed because`);
  });

  it('rejects a JSON body changed after signing (the signature covers it)', async () => {
    await startGateway();
    const before = seen.length;
    const res = await call('dynamodb', allowedCreds, {
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem' },
      body: '{"TableName":"Open","Key":{}}',
      send: '{"TableName":"Opem","Key":{}}',
    });
    expect(res.status).toBe(400);
    expect(res.headers['x-amzn-errortype']).toBe('InvalidSignatureException');
    expect(seen.length).toBe(before);
    expect(records.at(-1)).toMatchObject({ decision: 'deny', errorCode: 'SignatureDoesNotMatch' });
  });

  it('logs requests whose signature does not verify within a budget only, and answers them all', async () => {
    await startGateway({}, undefined, {
      unauthenticatedBudget: new UnauthenticatedBudget({ perSourceBurst: 3, perSourcePerSecond: 0 }),
    });
    const before = records.length;
    const forged = { ...allowedCreds, secretAccessKey: 'not-the-secret-not-the-secret-not-the-sec' };
    for (let i = 0; i < 20; i++) {
      const res = await call('s3', forged, { method: 'GET', path: '/bucket/public/a.txt' });
      expect(res.status).toBe(403);
      expect(xmlValue(res.text, 'Code')).toBe('SignatureDoesNotMatch');
    }
    expect(records.length - before).toBe(3);
    expect(records.slice(before).every((r) => r.errorCode === 'SignatureDoesNotMatch')).toBe(true);
  });

  it('refuses rather than forwarding unlogged when the access log is full', async () => {
    await startGateway();
    accept = false;
    const before = seen.length;
    const res = await call('s3', allowedCreds, { method: 'GET', path: '/bucket/public/a.txt' });
    expect(res.status).toBe(503);
    expect(xmlValue(res.text, 'Code')).toBe('SlowDown');
    expect(seen.length).toBe(before);
  });

  it('bounds the bytes all requests hold buffered, and releases them when each is answered', async () => {
    const body = '{"TableName":"Open","Key":{}}';
    // Room for one such body at a time, not two.
    await startGateway({ maxBufferedBytes: Buffer.byteLength(body) + 10 });
    const headers = {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.GetItem',
    };
    for (let i = 0; i < 3; i += 1) {
      const ok = await call('dynamodb', allowedCreds, { method: 'POST', path: '/', headers, body });
      expect(ok.status).toBe(200);
    }
    const big = await call('dynamodb', allowedCreds, {
      method: 'POST',
      path: '/',
      headers,
      body: `{"TableName":"Open","Key":{},"Pad":"${'x'.repeat(64)}"}`,
    });
    expect(big.status).toBe(503);
    expect((JSON.parse(big.text) as { __type: string }).__type).toBe(
      'com.amazonaws.dynamodb.v20120810#ThrottlingException',
    );
  });

  it('answers 503 in the service shape when the backend is down, missing, or silent', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await startGateway({ backends: { s3: { url: `http://127.0.0.1:${deadPort}` } }, idleTimeoutMs: 300 });
    const down = await call('s3', allowedCreds, { method: 'GET', path: '/bucket/public/a.txt' });
    expect(down.status).toBe(503);
    expect(xmlValue(down.text, 'Code')).toBe('ServiceUnavailable');
    expect(xmlValue(down.text, 'Message')).toContain(
      `could not reach the s3 backend at http://127.0.0.1:${deadPort}`,
    );

    const missing = await call('dynamodb', allowedCreds, {
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem' },
      body: '{"TableName":"Open","Key":{}}',
    });
    expect(missing.status).toBe(503);
    expect(JSON.parse(missing.text)).toMatchObject({
      __type: 'com.amazonaws.dynamodb.v20120810#ServiceUnavailableException',
    });
    expect(missing.text).toContain('--backend dynamodb=');
    await server.close();
    gateway.close();

    await startGateway({ idleTimeoutMs: 300 });
    const started = Date.now();
    const silent = await call('s3', allowedCreds, { method: 'GET', path: '/bucket/public/slow.txt' });
    expect(silent.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('answers a mapper-rejected request in the service shape without forwarding', async () => {
    await startGateway();
    const before = seen.length;
    const res = await call('s3', allowedCreds, { method: 'GET', path: '/malformed/x' });
    expect(res.status).toBe(400);
    expect(xmlValue(res.text, 'Code')).toBe('InvalidBucketName');
    expect(seen.length).toBe(before);
  });

  it('forwards a virtual-hosted S3 request path-style (the real S3 mapper)', async () => {
    await startGateway({}, { s3: s3Mapper });
    const before = seen.length;
    const res = await call('s3', allowedCreds, {
      method: 'GET',
      path: '/public/v.txt',
      host: `bucket.localhost:${server.port}`,
    });
    expect(res.status).toBe(200);
    expect(seen[before]!.url).toBe('/bucket/public/v.txt');
    expect(seen[before]!.verified).toBe(true);
    const denied = await call('s3', allowedCreds, {
      method: 'GET',
      path: '/private/v.txt',
      host: `bucket.localhost:${server.port}`,
    });
    expect(denied.status).toBe(403);
    expect(xmlValue(denied.text, 'Message')).toContain('on resource: "arn:aws:s3:::bucket/private/v.txt"');
  });

  it('accepts a presigned GET and forwards it without the presigning parameters', async () => {
    await startGateway();
    const port = server.port;
    const signer = new SignatureV4({
      credentials: allowedCreds,
      region: 'us-east-1',
      service: 's3',
      sha256: NodeSha256,
      uriEscapePath: false,
    });
    const presigned = await signer.presign(
      {
        method: 'GET',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port,
        path: '/bucket/public/p.txt',
        query: { 'response-content-type': 'text/plain' },
        // As S3 presigners do: the payload is UNSIGNED-PAYLOAD, the header itself neither signed nor sent.
        headers: { host: `127.0.0.1:${port}`, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      },
      {
        expiresIn: 300,
        unhoistableHeaders: new Set(['x-amz-content-sha256']),
        unsignableHeaders: new Set(['x-amz-content-sha256']),
      },
    );
    const query = new URLSearchParams(presigned.query as Record<string, string>).toString();
    const before = seen.length;
    const res = await fetch(`http://127.0.0.1:${port}/bucket/public/p.txt?${query}`);
    expect(res.status).toBe(200);
    expect(seen[before]!.url).toBe('/bucket/public/p.txt?response-content-type=text%2Fplain');
    expect(seen[before]!.verified).toBe(true);
    const denied = await fetch(
      `http://127.0.0.1:${port}/bucket/public/p.txt?${query.replace('text%2Fplain', 'text%2Fhtml')}`,
    );
    expect(denied.status).toBe(403);
    expect(xmlValue(await denied.text(), 'Code')).toBe('SignatureDoesNotMatch');
  });

  it('stops forwarding an upload whose client goes away', async () => {
    await startGateway();
    const body = Buffer.alloc(64 * 1024, 1);
    const full = Buffer.concat([body, body]);
    const port = server.port;
    const signer = new SignatureV4({
      credentials: allowedCreds,
      region: 'us-east-1',
      service: 's3',
      sha256: NodeSha256,
      uriEscapePath: false,
    });
    const signed = await signer.sign({
      method: 'PUT',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port,
      path: '/bucket/public/abort.bin',
      headers: {
        host: `127.0.0.1:${port}`,
        'x-amz-content-sha256': createHash('sha256').update(full).digest('hex'),
        'content-length': String(full.length),
      },
    });
    const before = seen.length;
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'PUT',
      path: '/bucket/public/abort.bin',
      headers: signed.headers,
    });
    req.on('error', () => undefined);
    req.write(body);
    for (let i = 0; i < 50 && seen.length === before; i++) await new Promise((r) => setTimeout(r, 20));
    req.destroy();
    await new Promise((r) => setTimeout(r, 200));
    const after = seen.slice(before);
    expect(after).toHaveLength(1);
    // The backend's request is torn down at once, not left open until a timeout.
    expect(after[0]).toMatchObject({ complete: false, closed: true });
  });

  it('leaves STS to the control plane', async () => {
    await startGateway();
    const res = await plane.call('sts', allowedCreds, { Action: 'GetCallerIdentity', Version: '2011-06-15' });
    expect(res.status).toBe(200);
    const viaPort = await call('sts', allowedCreds, {
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    expect(viaPort.status).toBe(200);
    expect(viaPort.text).toContain('<GetCallerIdentityResult>');
  });
});
