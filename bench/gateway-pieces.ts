/**
 * The gateway's pipeline, piece by piece, in process (issue 16): the CPU one call of each piece costs
 * on a real signed request of the gateway suite's role session (S3 `GetObject` of 1 KiB, DynamoDB
 * `GetItem`), measured two ways:
 *
 * - warm: called back to back (JIT, caches and branch predictors warm): the work itself;
 * - cold (`--cold`): each call after a 2 ms sleep, as a request finds the process on a machine
 *   whose other processes ran meanwhile (caches and TLB refilled by others), minus what the sleep
 *   alone costs. On a loaded machine this, not the warm figure, is what a request pays.
 *
 * Pieces: reading the headers and target, hashing the body, authentication (store-generation check,
 * SigV4 verification, the session token, the caller), resolving and mapping, rebuilding the forwarded
 * request, the decision, the access record, the journal append (`write(2)`), re-signing, and the
 * backend's outcome with the event's completion. Not here: node:http itself (the bare proxy's
 * share, see the `gateway-ladder` suite) and the store's batched insert (26 µs per call, see
 * docs/benchmarks.md). DynamoDB's mapping runs without the resolver (its table lookup is answered
 * from a cache after the first call in the gateway).
 *
 * Usage: `npx tsx bench/gateway-pieces.ts [--cold]` (starts credplane in process on 127.0.0.1, no
 * backend traffic: the backend URL is a closed port that nothing here calls).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { JournaledAccessLog } from '../src/audit/journaled-log.js';
import { journalKey } from '../src/audit/journal-format.js';
import { buildAccessEvent } from '../src/audit/record.js';
import type { AccessRecordInput } from '../src/audit/types.js';
import { up } from '../src/cli/up.js';
import { authenticate, type AuthenticatedCaller } from '../src/control/authenticate.js';
import { backendOutcome } from '../src/gateway/backend-outcome.js';
import { emptyGatewaySettings, mergeGatewaySettings, parseGatewayFlags } from '../src/gateway/config.js';
import { forwardedRequest } from '../src/gateway/forwarded-request.js';
import { mapperForSigningName } from '../src/gateway/mapping/index.js';
import { createContext, type Outcome } from '../src/gateway/pipeline/context.js';
import { decideRequest } from '../src/gateway/pipeline/authorize.js';
import { complete } from '../src/gateway/pipeline/record.js';
import { flatHeaders } from '../src/gateway/pipeline/request-parts.js';
import { createResigner, EMPTY_SHA256, sha256Hex } from '../src/gateway/resign.js';
import { parseTarget } from '../src/gateway/target.js';
import type { GatewayRequest, MappedRequest, UnmappedRequest } from '../src/gateway/types.js';
import type { AccessEventInput } from '../src/store/store.js';
import { ACCOUNT, ADMIN, CALLS, sign, TEMPLATE } from './gateway.js';

const COLD = process.argv.includes('--cold');
const CLOSED = 'http://127.0.0.1:9';

Object.assign(process.env, {
  CREDPLANE_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId,
  CREDPLANE_ADMIN_SECRET_ACCESS_KEY: ADMIN.secretAccessKey,
  AWS_EC2_METADATA_DISABLED: 'true',
});
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgw-micro-'));
const template = path.join(dir, 'stack.yaml');
fs.writeFileSync(template, TEMPLATE);
// `up` prints its banner; this script prints its table only.
const origWrite = process.stdout.write.bind(process.stdout);
process.stdout.write = (() => true) as typeof process.stdout.write;
const running = await up({
  template,
  dataDir: path.join(dir, 'plane'),
  port: 0,
  accountId: ACCOUNT,
  region: 'us-east-1',
  stackName: 'credplane',
  logLevel: 'warn',
  backend: [`*=${CLOSED}`],
});
process.stdout.write = origWrite;
const sts = new STSClient({ endpoint: running.url, region: 'us-east-1', credentials: ADMIN });
const a = await sts.send(
  new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/bench-gateway`, RoleSessionName: 'bench' }),
);
const session = {
  accessKeyId: a.Credentials!.AccessKeyId!,
  secretAccessKey: a.Credentials!.SecretAccessKey!,
  sessionToken: a.Credentials!.SessionToken!,
};
const authenticator = {
  snapshot: running.parts.snapshot,
  policies: running.parts.policies,
  keyRing: running.parts.keyRing.current,
  partition: 'aws',
};
const settings = mergeGatewaySettings(emptyGatewaySettings(), parseGatewayFlags([`*=${CLOSED}`], []));
const TAKES_ALL = { commit: () => Promise.resolve(true), append: () => true };
const journalOnly = new JournaledAccessLog({
  dir: path.join(dir, 'j'),
  key: journalKey(randomBytes(32)),
  store: { appendAccessEvents: () => Promise.resolve() },
});
const ctxNoop = createContext({
  settings,
  mapperFor: mapperForSigningName,
  authenticator,
  keyRing: running.parts.keyRing.current,
  partition: 'aws',
  accountId: ACCOUNT,
  record: buildAccessEvent,
  sink: TAKES_ALL,
});
const resigner = createResigner();

async function time(label: string, n: number, fn: () => unknown): Promise<number> {
  for (let i = 0; i < Math.min(n, 2000); i++) await fn();
  if (COLD) {
    // Between calls the process sleeps 2 ms (the machine's other processes run): what one call
    // costs when it starts with caches others used, minus what the pause itself costs.
    const m = 600;
    let c0 = process.cpuUsage();
    for (let i = 0; i < m; i++) await pause();
    let c = process.cpuUsage(c0);
    const base = (c.user + c.system) / m;
    c0 = process.cpuUsage();
    for (let i = 0; i < m; i++) {
      await pause();
      await fn();
    }
    c = process.cpuUsage(c0);
    const us = (c.user + c.system) / m - base;
    console.log(
      `${label.padEnd(46)} ${us.toFixed(1).padStart(7)} µs (cold; pause alone ${base.toFixed(1)} µs)`,
    );
    return us;
  }
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn();
  const c = process.cpuUsage(c0);
  const us = (c.user + c.system) / n;
  console.log(`${label.padEnd(46)} ${us.toFixed(1).padStart(7)} µs`);
  return us;
}

/** Pauses the process for 2 ms: the machine's other processes run meanwhile. */
function pause(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 2));
}

for (const call of CALLS) {
  console.log(`--- ${call.name}${COLD ? ' (cold)' : ' (warm)'}`);
  const signed = await sign(call, running.url, session);
  const rawHeaders: string[] = [];
  for (const [name, value] of Object.entries(signed)) rawHeaders.push(name, value);
  if (call.body) rawHeaders.push('content-length', String(Buffer.byteLength(call.body)));
  const lower: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) lower[rawHeaders[i]!.toLowerCase()] = rawHeaders[i + 1]!;
  const body = Buffer.from(call.body);
  const mapper = mapperForSigningName(call.name.startsWith('S3') ? 's3' : 'dynamodb')!;
  const payloadHash = body.length === 0 ? EMPTY_SHA256 : sha256Hex(body);
  const target = parseTarget(call.path);
  const shape = { service: mapper.service, protocol: mapper.protocol };
  let auth = undefined as unknown as AuthenticatedCaller;
  let request = undefined as unknown as GatewayRequest;
  let mapped = undefined as unknown as MappedRequest | UnmappedRequest;
  let outcome = undefined as unknown as Outcome;
  let event = undefined as unknown as AccessEventInput;
  const total: number[] = [];
  total.push(
    await time('headers and target', 20_000, () => {
      flatHeaders(rawHeaders);
      parseTarget(call.path);
    }),
  );
  total.push(await time('body hash', 20_000, () => (body.length === 0 ? EMPTY_SHA256 : sha256Hex(body))));
  total.push(
    await time('authenticate (generation, SigV4, caller)', 10_000, async () => {
      auth = await authenticate(
        {
          method: call.method,
          url: call.path,
          rawHeaders,
          headers: lower,
          remoteAddress: '127.0.0.1',
          requestId: 'bench',
          receivedAt: Date.now(),
          payloadHash,
        },
        authenticator,
        [mapper.signingName],
      );
    }),
  );
  const gatewayRequest = (): GatewayRequest => {
    const headers = flatHeaders(rawHeaders);
    return {
      method: call.method,
      path: target.path,
      query: target.query,
      headers,
      host: headers.host ?? '',
      partition: 'aws',
      body,
      region: auth.region,
      accountId: auth.caller.accountId,
    };
  };
  total.push(
    await time('resolve and map', 10_000, async () => {
      request = gatewayRequest();
      mapped =
        mapper.signingName === 's3'
          ? mapper.map(await ctxNoop.resolver.resolve(mapper, request, () => undefined))
          : mapper.map(request);
    }),
  );
  total.push(
    await time('forwarded request', 10_000, () =>
      forwardedRequest(mapper, shape.protocol, request, request.headers),
    ),
  );
  total.push(
    await time('decision', 10_000, () => {
      outcome = decideRequest(ctxNoop, auth, mapped, shape);
    }),
  );
  const recordInput = (): AccessRecordInput => ({
    channel: 'gateway',
    eventTime: new Date(),
    eventSource: mapped.eventSource,
    eventName: mapped.operation ?? 'Unknown',
    awsRegion: auth.region,
    sourceIPAddress: '127.0.0.1',
    requestId: randomUUID(),
    decision: outcome.decision,
    decisions: outcome.decisions,
    userAgent: 'bench',
    caller: auth,
    accessKeyId: auth.caller.accessKeyId,
    ...('unmapped' in mapped
      ? {}
      : {
          ...(mapped.requestParameters === undefined ? {} : { requestParameters: mapped.requestParameters }),
          ...(mapped.resources === undefined ? {} : { resources: mapped.resources }),
        }),
  });
  total.push(
    await time('access record', 10_000, () => {
      event = buildAccessEvent(recordInput());
    }),
  );
  total.push(await time('journal append (HMAC, write(2))', 5_000, () => journalOnly.commit(event)));
  const forwarded = forwardedRequest(mapper, shape.protocol, request, request.headers);
  total.push(
    await time('re-signing', 10_000, () =>
      resigner.sign({
        method: forwarded.method,
        hostname: '127.0.0.1',
        port: 9,
        path: forwarded.path,
        query: forwarded.query,
        headers: { ...forwarded.headers, host: '127.0.0.1:9', 'x-amz-content-sha256': payloadHash },
        region: 'us-east-1',
        signingName: mapper.signingName,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      }),
    ),
  );
  // moto_server's answer headers to a GetObject.
  const answer = [
    'Server',
    'Werkzeug/3.0.1 Python/3.11',
    'Date',
    new Date().toUTCString(),
    'Content-Type',
    'binary/octet-stream',
    'Content-Length',
    '1024',
    'x-amz-request-id',
    'X5JLZ8VXG1N7G9RWLGIKYH4E5ZF1Q6V7MIPKAMOLQ2O4UFLE5IWX',
    'ETag',
    '"abc"',
    'Connection',
    'close',
  ];
  total.push(
    await time('outcome and completion', 10_000, () =>
      complete(ctxNoop, event, 'bench', backendOutcome(200, answer, undefined), { lazy: true }),
    ),
  );
  console.log(
    `${'sum'.padEnd(46)} ${total
      .reduce((x, y) => x + y, 0)
      .toFixed(1)
      .padStart(7)} µs`,
  );
}
await journalOnly.close();
await running.stop();
fs.rmSync(dir, { recursive: true, force: true });
process.exit(0);
