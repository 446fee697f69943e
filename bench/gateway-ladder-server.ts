/**
 * The gateway ladder's server (`gateway-ladder.ts` starts it): one process serving the same
 * forwarded call at each stage of the gateway's work, each on its own loopback port, composed from
 * credplane's real modules, so that the CPU one stage adds over the one below it can be read from
 * this process's CPU time during a load on that port:
 *
 * - `bare`: the bare `node:http` proxy (`bare-proxy-handler.ts`), in this process;
 * - `sigv4`: + the body buffered and hashed and the caller authenticated as the gateway does it
 *   (`control/authenticate`: the store-generation check, SigV4 verification, the session token
 *   opened, the caller resolved), then forwarded as `bare` does;
 * - `resign`: + re-signed for the backend (`gateway/resign`) and forwarded by the gateway's
 *   `forward` (its timeouts, response-header filtering, outcome capture);
 * - `authorize`: the gateway itself (`createGateway`: target parsing, mapping, the rebuilt
 *   forwarded request, authorization) with an access log that takes every event without doing
 *   anything (one event built once and reused);
 * - `journal`: + the access record built per call (`audit/record`) and written to a journal
 *   (`audit/journaled-log`) whose store discards what it is given;
 * - `store`: + the real access log of the running plane (journal, then the SQLite store in batches);
 * - `full`: `credplane up`'s own port (the router in front of the same gateway).
 *
 * Usage: `tsx bench/gateway-ladder-server.ts <backend url> <data dir> <template>`, with the admin
 * key in `CREDPLANE_ADMIN_ACCESS_KEY_ID`/`_SECRET_ACCESS_KEY`. Prints one JSON line
 * `{ "ports": { stage: port }, "url": full url }` once every stage listens; stops on SIGTERM.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import inspector from 'node:inspector';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { JournaledAccessLog } from '../src/audit/journaled-log.js';
import { journalKey } from '../src/audit/journal-format.js';
import { buildAccessEvent } from '../src/audit/record.js';
import type { AccessLogSink, AccessRecordInput } from '../src/audit/types.js';
import { up } from '../src/cli/up.js';
import { authenticate, type AuthenticatorOptions } from '../src/control/authenticate.js';
import { emptyGatewaySettings, mergeGatewaySettings, parseGatewayFlags } from '../src/gateway/config.js';
import { forward } from '../src/gateway/forward.js';
import { mapperForSigningName } from '../src/gateway/mapping/index.js';
import { createResigner, EMPTY_SHA256, formatQuery, sha256Hex } from '../src/gateway/resign.js';
import { createGateway, type GatewayDeps } from '../src/gateway/server.js';
import { parseTarget } from '../src/gateway/target.js';
import type { AccessEventInput } from '../src/store/store.js';
import { bareProxyHandler } from './bare-proxy-handler.js';

const [backendArg, dataDir, template] = process.argv.slice(2);
if (backendArg === undefined || dataDir === undefined || template === undefined) {
  throw new Error('usage: gateway-ladder-server.ts <backend url> <data dir> <template>');
}
const backend = new URL(backendArg);
const backendPort = Number(backend.port || 80);
const ACCOUNT = '123456789012';

const running = await up({
  template,
  dataDir,
  port: 0,
  accountId: ACCOUNT,
  region: 'us-east-1',
  stackName: 'credplane',
  logLevel: 'warn',
  backend: [`*=${backend.origin}`],
});
const authenticator: AuthenticatorOptions = {
  snapshot: running.parts.snapshot,
  policies: running.parts.policies,
  keyRing: running.parts.keyRing.current,
  partition: 'aws',
};
const settings = mergeGatewaySettings(emptyGatewaySettings(), parseGatewayFlags([`*=${backend.origin}`], []));

/** The signing name from the Authorization header's credential scope (`.../<region>/<service>/aws4_request`). */
function signingName(req: http.IncomingMessage): string {
  return (
    /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(req.headers.authorization ?? '')?.[1] ?? ''
  );
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function refuse(res: http.ServerResponse, error: unknown): void {
  const code = (error as { code?: string }).code ?? 'InternalFailure';
  res.writeHead(403, { 'content-type': 'text/plain' }).end(code);
}

/** Authenticates as the gateway does (buffered body, hashed once), then `next`. */
async function authenticated(req: http.IncomingMessage, body: Buffer): Promise<string> {
  const payloadHash = body.length === 0 ? EMPTY_SHA256 : sha256Hex(body);
  await authenticate(
    {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      rawHeaders: req.rawHeaders,
      headers: req.headers,
      remoteAddress: req.socket.remoteAddress ?? '',
      requestId: randomUUID(),
      receivedAt: Date.now(),
      payloadHash,
    },
    authenticator,
    [signingName(req)],
  );
  return payloadHash;
}

const bareAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

/** `sigv4`: authenticate, then forward the buffered request unchanged, as `bare` forwards. */
const sigv4: http.RequestListener = (req, res) => {
  void (async () => {
    const body = await readBody(req);
    try {
      await authenticated(req, body);
    } catch (error) {
      return refuse(res, error);
    }
    const headers: Record<string, string | string[] | undefined> = {};
    for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name)) headers[name] = value;
    const upstream = http.request(
      {
        agent: bareAgent,
        host: backend.hostname,
        port: backendPort,
        method: req.method,
        path: req.url,
        headers,
      },
      (back) => {
        const out: Record<string, string | string[] | undefined> = {};
        for (const [name, value] of Object.entries(back.headers))
          if (!HOP_BY_HOP.has(name)) out[name] = value;
        res.writeHead(back.statusCode ?? 502, out);
        back.pipe(res);
      },
    );
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    upstream.end(body);
  })();
};

/** `resign`: authenticate, re-sign for the backend and forward with the gateway's `forward`. */
const resigner = createResigner();
const resignAgent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 });
const resign: http.RequestListener = (req, res) => {
  void (async () => {
    const body = await readBody(req);
    let payloadHash: string;
    try {
      payloadHash = await authenticated(req, body);
    } catch (error) {
      return refuse(res, error);
    }
    const target = parseTarget(req.url ?? '/');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value !== 'string' || HOP_BY_HOP.has(name) || name === 'authorization') continue;
      if (name.startsWith('x-amz-security-token') || name === 'x-amz-date') continue;
      headers[name] = value;
    }
    headers.host = backend.host;
    headers['x-amz-content-sha256'] = payloadHash;
    headers['content-length'] = String(body.length);
    const signed = resigner.sign({
      method: req.method ?? 'GET',
      hostname: backend.hostname,
      port: backendPort,
      path: target.path,
      query: target.query,
      headers,
      region: 'us-east-1',
      signingName: signingName(req),
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const query = formatQuery(target.query);
    await forward({
      agent: resignAgent,
      hostname: backend.hostname,
      port: backendPort,
      method: req.method ?? 'GET',
      target: query === '' ? target.path : `${target.path}?${query}`,
      headers: signed,
      body,
      res,
      connectTimeoutMs: 5_000,
      idleTimeoutMs: 60_000,
    });
  })();
};

/** The gateway itself, with the access log given; served without the plane's router. */
function gatewayListener(
  record: GatewayDeps['record'],
  sink: AccessLogSink,
): { listener: http.RequestListener; close(): void } {
  const gateway = createGateway({
    settings,
    mapperFor: mapperForSigningName,
    authenticator,
    keyRing: running.parts.keyRing.current,
    partition: 'aws',
    accountId: ACCOUNT,
    record,
    sink,
  });
  return {
    listener: (req, res) =>
      gateway.take(req, res, { requestId: randomUUID(), receivedAt: Date.now() }, signingName(req)),
    close: () => gateway.close(),
  };
}

const TAKES_ALL: AccessLogSink = { commit: () => Promise.resolve(true), append: () => true };
let reused: AccessEventInput | undefined;
const authorize = gatewayListener(
  (input: AccessRecordInput) => (reused ??= buildAccessEvent(input)),
  TAKES_ALL,
);

const journalDir = path.join(dataDir, 'ladder-journal');
fs.mkdirSync(journalDir, { recursive: true });
const journalOnly = new JournaledAccessLog({
  dir: journalDir,
  key: journalKey(randomBytes(32)),
  store: { appendAccessEvents: () => Promise.resolve() },
});
const journal = gatewayListener(buildAccessEvent, journalOnly);
const store = gatewayListener(buildAccessEvent, running.accessLog);

const listeners: Record<string, http.RequestListener> = {
  bare: bareProxyHandler(backend),
  sigv4,
  resign,
  authorize: authorize.listener,
  journal: journal.listener,
  store: store.listener,
};
const servers: http.Server[] = [];
const ports: Record<string, number> = {};
for (const [stage, listener] of Object.entries(listeners)) {
  const server = http.createServer(listener);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  ports[stage] = (server.address() as AddressInfo).port;
  servers.push(server);
}
ports.full = running.port;
process.stdout.write(`${JSON.stringify({ ports, url: running.url })}\n`);

// `CREDPLANE_BENCH_LADDER_PROFILE=<dir>`: SIGUSR2 starts a CPU profile and a sampling heap profile
// (objects collected since included: what a request allocates), the next SIGUSR2 writes both there
// (`ladder-<time>.cpuprofile`, `.heapprofile`): a profile of one stage's load alone, without start-up.
const profileDir = process.env.CREDPLANE_BENCH_LADDER_PROFILE;
if (profileDir !== undefined) {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
    );
  let profiling = false;
  process.on('SIGUSR2', () => {
    void (async () => {
      if (!profiling) {
        profiling = true;
        await post('Profiler.enable');
        await post('Profiler.start');
        await post('HeapProfiler.enable');
        await post('HeapProfiler.startSampling', {
          samplingInterval: 4096,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        });
        process.stderr.write('profiling\n');
        return;
      }
      profiling = false;
      const name = path.join(profileDir, `ladder-${new Date().toISOString().replace(/[:.]/g, '-')}`);
      const cpu = (await post('Profiler.stop')) as { profile: unknown };
      fs.writeFileSync(`${name}.cpuprofile`, JSON.stringify(cpu.profile));
      const heap = (await post('HeapProfiler.stopSampling')) as { profile: unknown };
      fs.writeFileSync(`${name}.heapprofile`, JSON.stringify(heap.profile));
      process.stderr.write(`profiles written: ${name}\n`);
    })();
  });
}

process.on('SIGTERM', () => {
  void (async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    for (const gateway of [authorize, journal, store]) gateway.close();
    await journalOnly.close();
    await running.stop();
    process.exit(0);
  })();
});
