/**
 * The server side of the agents benchmark (`fleet-agents.ts`), alone in its own process so that its
 * CPU can be read from `/proc/<pid>/stat`: the plane `credplane up` builds (`buildPlane`) and its
 * agent port (`startFleetServer`), over a SQLite store in `<dir>`, without the loopback metadata
 * endpoints `credplane up` would also open for every instance. Access-log events are committed to
 * the store (`CREDPLANE_ACCESS_LOG_DURABILITY=store`'s queue) before each credential set leaves.
 *
 * Usage: `node --import tsx bench/fleet-agent-server.ts <dir> <workloads> <nodes> <credential-seconds>`.
 * Prints one JSON line `{ pid, url, tokens }` (a join token per node; instance `k` is placed on
 * node `k % nodes`); on SIGUSR2 prints `{ bytesRead, bytesWritten, connections }` counted on every
 * TCP socket it accepted (TLS records included).
 */
import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import path from 'node:path';
import { AccessLogQueue } from '../src/audit/queue.js';
import { buildPlane } from '../src/composition/plane.js';
import { generateMasterKey } from '../src/crypto/index.js';
import { NodeCa } from '../src/delivery/fleet/ca.js';
import { NodeRegistry } from '../src/delivery/fleet/nodes.js';
import { startFleetServer } from '../src/delivery/fleet/serve.js';
import { createIdentitySigner } from '../src/delivery/imds/identity.js';
import { ensureAdminKey } from '../src/server/admin.js';
import { openStore } from '../src/store/open.js';

const ACCOUNT = '123456789012';
const [dir, workloadsArg, nodesArg, secondsArg] = process.argv.slice(2);
const workloads = Number(workloadsArg);
const nodes = Number(nodesArg);
const credentialSeconds = Number(secondsArg);
if (dir === undefined || !(workloads > 0) || !(nodes > 0) || !(credentialSeconds > 0)) {
  process.stderr.write('usage: fleet-agent-server.ts <dir> <workloads> <nodes> <credential-seconds>\n');
  process.exit(2);
}

const traffic = { bytesRead: 0, bytesWritten: 0, connections: 0 };
const open = new Set<Socket>();
diagnostics.subscribe('net.server.socket', (message) => {
  const socket = (message as { socket: Socket }).socket;
  traffic.connections += 1;
  open.add(socket);
  socket.once('close', () => {
    traffic.bytesRead += socket.bytesRead;
    traffic.bytesWritten += socket.bytesWritten;
    open.delete(socket);
  });
});

/** Instance `k`'s id: `i-` and 17 hex digits. */
const instanceId = (k: number): string => `i-${k.toString(16).padStart(17, '0')}`;
const nodeName = (n: number): string => `bench-node-${n}`;

const trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

const store = await openStore(path.join(dir, 'credplane.db'));
const masterKey = generateMasterKey();
await store.createAccount({ accountId: ACCOUNT });
await ensureAdminKey(store, ACCOUNT, masterKey, {});
await store.createRole(ACCOUNT, { roleName: 'fleet-bench', assumeRolePolicyDocument: trust });
await store.createInstanceProfile(ACCOUNT, { instanceProfileName: 'fleet-bench' });
await store.addRoleToInstanceProfile(ACCOUNT, 'fleet-bench', 'fleet-bench');
// Before the plane is built, so that its views load the finished store once.
for (let k = 0; k < workloads; k++) {
  await store.putWorkload(ACCOUNT, {
    kind: 'ec2-instance',
    name: `bench-${k}`,
    roleName: 'fleet-bench',
    settings: {
      instanceId: instanceId(k),
      instanceProfileName: 'fleet-bench',
      node: nodeName(k % nodes),
      metadataOptions: { httpTokens: 'required' },
    },
  });
}
const registry = new NodeRegistry({ store, ca: await NodeCa.load(store, masterKey) });
const tokens: string[] = [];
for (let n = 0; n < nodes; n++) tokens.push(await registry.add(nodeName(n)));

const accessLog = new AccessLogQueue({ store });
const plane = await buildPlane({
  store,
  masterKey,
  accountId: ACCOUNT,
  region: 'us-east-1',
  partition: 'aws',
  now: Date.now,
  accessLog,
});
const agents = await startFleetServer({
  store,
  masterKey,
  snapshot: plane.snapshot,
  keyRing: plane.keyRing.current,
  identity: createIdentitySigner(),
  accountId: ACCOUNT,
  region: 'us-east-1',
  partition: 'aws',
  now: Date.now,
  accessLog,
  port: 0,
  credentialSeconds,
  onError: (error) => process.stderr.write(`agent port: ${(error as Error).message}\n`),
});
process.stdout.write(`${JSON.stringify({ pid: process.pid, url: agents.url, tokens })}\n`);

let answers = 0;
process.on('SIGUSR2', () => {
  let { bytesRead, bytesWritten } = traffic;
  for (const socket of open) {
    bytesRead += socket.bytesRead;
    bytesWritten += socket.bytesWritten;
  }
  process.stdout.write(
    `${JSON.stringify({ seq: ++answers, bytesRead, bytesWritten, connections: traffic.connections })}\n`,
  );
});
// A bench that died leaves no server behind: it exits when its parent is gone.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(1);
}, 1000).unref();
process.once('SIGTERM', () => {
  void (async () => {
    await agents.close();
    await accessLog.close();
    await plane.close();
    await store.close();
    process.exit(0);
  })();
});
