/**
 * The instance's `HttpPutResponseHopLimit` on the socket that carries its token response, read back
 * from the kernel (`getsockopt`) on the accepted socket: set from `RunInstances`, changed by
 * `ModifyInstanceMetadataOptions` for the next token response, and only on token responses. The
 * routed proof (a client one hop away timing out with hop limit 1) is test/e2e/imds-hop-limit.test.ts.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, createTestPlane, xmlValue, type TestPlane } from '../../server/test-support/plane.js';
import { createIdentitySigner } from './identity.js';
import { createImdsService, type ImdsService } from './service.js';
import { socketTtlHelper, type SocketTtl } from './socket-ttl.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-hop-'));
const defaultTtl = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_default_ttl', 'utf8'));
let plane: TestPlane;
let imds: ImdsService;
let helper: SocketTtl;
/** What the kernel said about each token response's socket, before and after the server set it. */
const seen: { before: number | undefined; after: number | undefined }[] = [];

beforeAll(async () => {
  const built = socketTtlHelper(tmp);
  if ('reason' in built) throw new Error(built.reason);
  helper = built;
  plane = await createTestPlane();
  imds = createImdsService({
    store: plane.store,
    snapshot: plane.snapshot,
    keyRing: plane.keyRing,
    accountId: ACCOUNT,
    region: 'us-east-1',
    partition: 'aws',
    identity: createIdentitySigner(),
    now: () => plane.clock.now,
    portBase: 34000 + Math.floor(Math.random() * 2000),
    portSpan: 500,
    pollMs: 0,
    setSocketTtl: (socket, ttl) => {
      const before = helper.get(socket);
      helper.set(socket, ttl);
      seen.push({ before, after: helper.get(socket) });
    },
  });
  await imds.start();
});

afterAll(async () => {
  await imds.stop();
  await plane.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const ec2 = (params: Record<string, string>) =>
  plane.call('ec2', plane.admin, { Version: '2016-11-15', ...params });

async function putToken(url: string): Promise<Response> {
  return fetch(`${url}latest/api/token`, {
    method: 'PUT',
    headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' },
  });
}

describe('the hop limit on the token response socket', () => {
  it('is the instance’s HttpPutResponseHopLimit, and ModifyInstanceMetadataOptions changes the next one', async () => {
    const run = await ec2({
      Action: 'RunInstances',
      ImageId: 'ami-0123456789abcdef0',
      MinCount: '1',
      MaxCount: '1',
      'MetadataOptions.HttpPutResponseHopLimit': '3',
    });
    expect(run.status).toBe(200);
    const id = xmlValue(run.text, 'instanceId')!;
    await imds.reconcile();
    const url = imds.find(id)!.url;

    const first = await putToken(url);
    expect(first.status).toBe(200);
    // The TTL stays on the socket until the response has left, so that connection ends with it.
    expect(first.headers.get('connection')).toBe('close');
    const token = await first.text();
    expect(seen).toEqual([{ before: defaultTtl, after: 3 }]);

    // Metadata reads are not hop-limited (the hop limit is the PUT response's).
    const read = await fetch(`${url}latest/meta-data/instance-id`, {
      headers: { 'x-aws-ec2-metadata-token': token },
    });
    expect(await read.text()).toBe(id);
    expect(seen).toHaveLength(1);

    const modified = await ec2({
      Action: 'ModifyInstanceMetadataOptions',
      InstanceId: id,
      HttpPutResponseHopLimit: '1',
    });
    expect(modified.status).toBe(200);
    await imds.reconcile();
    expect((await putToken(url)).status).toBe(200);
    expect(seen[1]).toEqual({ before: defaultTtl, after: 1 });

    await ec2({ Action: 'ModifyInstanceMetadataOptions', InstanceId: id, HttpPutResponseHopLimit: '64' });
    await imds.reconcile();
    expect((await putToken(url)).status).toBe(200);
    expect(seen[2]).toEqual({ before: defaultTtl, after: 64 });
  });

  it('sets the IPv6 hop limit on IPv6 sockets', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '::1', resolve));
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const client = net.connect((server.address() as net.AddressInfo).port, '::1');
    try {
      const socket = await accepted;
      helper.set(socket, 2);
      expect(helper.get(socket)).toBe(2);
      helper.set(socket, 7);
      expect(helper.get(socket)).toBe(7);
      socket.destroy();
    } finally {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
