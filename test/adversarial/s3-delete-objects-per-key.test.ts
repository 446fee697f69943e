/**
 * S3 `DeleteObjects` names many keys in one request, and IAM decides each one: S3 answers 200 with
 * a `<Deleted>` or an `<Error>` per key ("DeleteObjects", Amazon S3 API Reference). Through the
 * gateway a caller allowed some keys and denied others must get exactly that — the allowed keys
 * deleted, `AccessDenied` for the others — and the backend must never receive a denied key (it
 * gets a rewritten body whose Content-MD5 matches, as S3 requires one for this operation).
 *
 * In process: the test plane and gateway, a recording pass-through, a real `moto_server`, and the
 * JS SDK v3 as the client.
 */
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessRecordInput } from '../../src/audit/types.js';
import { mapperForSigningName } from '../../src/gateway/mapping/index.js';
import { createGateway, type Gateway } from '../../src/gateway/server.js';
import { testGatewayDeps } from '../../src/gateway/test-support/deps.js';
import { listen, type RunningServer } from '../../src/http/server.js';
import {
  ACCOUNT,
  createTestPlane,
  credentialsOf,
  type TestPlane,
} from '../../src/server/test-support/plane.js';
import { startMoto, tempDir, type Moto } from '../e2e/support.js';

let dir: string;
let moto: Moto;
let recorder: http.Server;
let plane: TestPlane;
let gateway: Gateway;
let server: RunningServer;
let s3: S3Client;
const records: AccessRecordInput[] = [];
const forwarded: { method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer }[] = [];

beforeAll(async () => {
  dir = tempDir('delete-objects');
  const emptyConfig = path.join(dir, 'aws-config');
  fs.writeFileSync(emptyConfig, '');
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_CONFIG_FILE = emptyConfig;
  process.env.AWS_SHARED_CREDENTIALS_FILE = emptyConfig;
  moto = await startMoto(dir);
  // Records what the backend receives, then passes it to moto unchanged.
  recorder = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      forwarded.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const upstream = http.request(
        { host: '127.0.0.1', port: moto.port, method: req.method, path: req.url, headers: req.headers },
        (back) => {
          res.writeHead(back.statusCode ?? 502, back.headers);
          back.pipe(res);
        },
      );
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
  plane = await createTestPlane();
  await plane.store.createRole(ACCOUNT, {
    roleName: 'cleaner',
    assumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
      ],
    }),
  });
  await plane.store.putRolePolicy(
    ACCOUNT,
    'cleaner',
    'inline',
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:CreateBucket', 's3:PutObject', 's3:ListBucket'], Resource: '*' },
        { Effect: 'Allow', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::bucket/public/*' },
      ],
    }),
  );
  const assumed = await plane.call('sts', plane.admin, {
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: `arn:aws:iam::${ACCOUNT}:role/cleaner`,
    RoleSessionName: 'unit',
  });
  const recorderPort = (recorder.address() as AddressInfo).port;
  gateway = createGateway(
    testGatewayDeps(
      plane,
      { backends: { '*': { url: `http://127.0.0.1:${recorderPort}` } }, modes: {} },
      mapperForSigningName,
      { records },
      ACCOUNT,
    ),
  );
  server = await listen(plane.withGateway(gateway), 0);
  s3 = new S3Client({
    region: 'us-east-1',
    endpoint: server.url,
    forcePathStyle: true,
    credentials: credentialsOf(assumed.text),
    maxAttempts: 1,
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'bucket' }));
}, 60_000);

afterAll(async () => {
  await server?.close();
  gateway?.close();
  await new Promise<void>((resolve) => (recorder ? recorder.close(() => resolve()) : resolve()));
  await plane?.close();
  await moto?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function put(...keys: string[]): Promise<void> {
  for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: 'bucket', Key: key, Body: 'x' }));
}

async function remaining(): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'bucket' }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

const deleteRequests = () => forwarded.filter((f) => f.method === 'POST' && /[?&]delete(=|&|$)/.test(f.url));

describe('S3 DeleteObjects through the gateway: one answer per key', () => {
  it('deletes the allowed keys and answers AccessDenied for the denied ones, with a 200', async () => {
    await put('public/a', 'public/b & <c>', 'private/secret');
    const before = deleteRequests().length;
    const result = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'bucket',
        Delete: {
          Objects: [{ Key: 'public/a' }, { Key: 'private/secret' }, { Key: 'public/b & <c>' }],
        },
      }),
    );
    expect((result.Deleted ?? []).map((d) => d.Key).sort()).toEqual(['public/a', 'public/b & <c>']);
    expect(result.Errors).toEqual([
      { Key: 'private/secret', Code: 'AccessDenied', Message: 'Access Denied' },
    ]);
    expect(await remaining()).toEqual(['private/secret']);
    // The backend got one rewritten request without the denied key, with a matching Content-MD5
    // and no checksum of the original body.
    const sent = deleteRequests().slice(before);
    expect(sent).toHaveLength(1);
    const body = sent[0]!.body.toString();
    expect(body).not.toContain('private/secret');
    expect(body).toContain('<Key>public/b &amp; &lt;c&gt;</Key>');
    expect(sent[0]!.headers['content-md5']).toBe(createHash('md5').update(sent[0]!.body).digest('base64'));
    expect(Object.keys(sent[0]!.headers).filter((h) => h.startsWith('x-amz-checksum-'))).toEqual([]);
    // The access log has the request, with the denied key's decision a denial.
    const record = records.filter((r) => r.eventName === 'DeleteObjects').at(-1)!;
    const denied = (record.decisions ?? [])
      .filter((d) => d.decision.decision !== 'Allow')
      .map((d) => d.resource);
    expect(denied).toEqual(['arn:aws:s3:::bucket/private/secret']);
  });

  it('in Quiet mode forwards Quiet and answers the denied keys as errors', async () => {
    await put('public/q');
    const result = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'bucket',
        Delete: { Quiet: true, Objects: [{ Key: 'public/q' }, { Key: 'private/secret' }] },
      }),
    );
    // Quiet stays in the forwarded body (moto ignores it and lists Deleted anyway; S3 does not).
    expect(deleteRequests().at(-1)!.body.toString()).toContain('<Quiet>true</Quiet>');
    expect((result.Deleted ?? []).map((d) => d.Key)).not.toContain('private/secret');
    expect(result.Errors).toEqual([
      { Key: 'private/secret', Code: 'AccessDenied', Message: 'Access Denied' },
    ]);
    expect(await remaining()).toEqual(['private/secret']);
  });

  it('answers 200 with only errors, forwarding nothing, when every key is denied', async () => {
    const before = deleteRequests().length;
    const result = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'bucket',
        Delete: { Objects: [{ Key: 'private/secret' }, { Key: 'private/other', VersionId: 'v1' }] },
      }),
    );
    expect(result.$metadata.httpStatusCode).toBe(200);
    expect(result.Deleted ?? []).toEqual([]);
    expect(result.Errors).toEqual([
      { Key: 'private/secret', Code: 'AccessDenied', Message: 'Access Denied' },
      { Key: 'private/other', VersionId: 'v1', Code: 'AccessDenied', Message: 'Access Denied' },
    ]);
    expect(deleteRequests().length).toBe(before);
    expect(await remaining()).toEqual(['private/secret']);
  });
});
