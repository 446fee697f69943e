/**
 * The Query APIs' request log line (`server/query-api.ts`): written at `info` with the call's
 * service, action, caller and status and nothing secret; not built at all at `warn`, the level
 * `credplane up` runs at by default (the line's object was one more allocation per request).
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildPlane, type Plane } from '../composition/plane.js';
import { generateMasterKey } from '../crypto/index.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { ensureAdminKey, type AdminKey } from './admin.js';

const ACCOUNT = '123456789012';
const open: { plane: Plane; store: Store }[] = [];
afterEach(async () => {
  for (const { plane, store } of open.splice(0)) {
    await plane.close();
    await store.close();
  }
});

async function planeLoggingAt(level: 'info' | 'warn') {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const masterKey = generateMasterKey();
  const store = await openStore(':memory:');
  await store.createAccount({ accountId: ACCOUNT });
  const admin = await ensureAdminKey(store, ACCOUNT, masterKey, {});
  const plane = await buildPlane({
    store,
    masterKey,
    accountId: ACCOUNT,
    region: 'us-east-1',
    partition: 'aws',
    now: Date.now,
    logger: pino({ level }, sink),
  });
  open.push({ plane, store });
  return { plane, admin, lines };
}

async function getCallerIdentity(plane: Plane, admin: AdminKey) {
  const body = 'Action=GetCallerIdentity&Version=2011-06-15';
  const signer = new SignatureV4({ credentials: admin, region: 'us-east-1', service: 'sts', sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 7300,
    path: '/',
    headers: { host: '127.0.0.1:7300', 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const headers = signed.headers as Record<string, string>;
  return plane.router.handler({
    method: 'POST',
    url: '/',
    rawHeaders: Object.entries(headers).flat(),
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: Buffer.from(body),
    remoteAddress: '127.0.0.1',
    requestId: randomUUID(),
    receivedAt: Date.now(),
  });
}

describe('the Query APIs request log line', () => {
  it('is written at info, naming the call and the caller, never the secret or the signature', async () => {
    const { plane, admin, lines } = await planeLoggingAt('info');
    const response = await getCallerIdentity(plane, admin);
    expect(response.status).toBe(200);
    await new Promise((resolve) => setImmediate(resolve));
    const line = lines.find((l) => l.msg === 'request');
    expect(line).toMatchObject({ service: 'sts', action: 'GetCallerIdentity', status: 200 });
    expect(String(line?.caller)).toContain(`arn:aws:iam::${ACCOUNT}:user/`);
    const text = JSON.stringify(lines);
    expect(text).not.toContain(admin.secretAccessKey);
    expect(text).not.toContain('Signature=');
  });

  it('is not written at warn', async () => {
    const { plane, admin, lines } = await planeLoggingAt('warn');
    expect((await getCallerIdentity(plane, admin)).status).toBe(200);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.filter((l) => l.msg === 'request')).toEqual([]);
  });
});
