/**
 * One rung of the STS ladder (`sts-stages.ts`): a server composed from credplane's real modules up
 * to a given stage, so that the CPU each stage adds per request can be read off the difference
 * between two rungs (docs/benchmarks.md, "The STS ladder"). Prints its port on stdout.
 *
 * Usage: `node --import tsx bench/sts-stages-server.ts <stage> <data-dir>`, with the admin key in
 * `CREDPLANE_ADMIN_ACCESS_KEY_ID` / `CREDPLANE_ADMIN_SECRET_ACCESS_KEY`.
 *
 * Stages (each includes the ones before it):
 * - `bare`: node:http answering a fixed body of the call's size (the floor).
 * - `http`: credplane's HTTP layer (`http/server.ts`: request id, bounded body read, the answer)
 *   parsing the Query body and rendering the call's XML (`protocol/`), for a fixed caller.
 * - `sigv4`: + SigV4 verification (`sigv4/verify.ts`) against the admin key held in memory.
 * - `authorize`: the control plane's route table and Query handler (`composition/plane.ts`,
 *   `server/query-api.ts`) without an access log: authentication through the snapshot (the
 *   store-generation read, the key and its user's policies), STS dispatch and, for `AssumeRole`,
 *   the trust and identity policies' decision and the sealed session token.
 * - `journal`: + the access log's record (`audit/`) and its journal append (one `write(2)`), with a
 *   store that takes the batches and does nothing with them: the drain's SQLite work left out.
 * - `drain`: + the store drain into SQLite (the same journaled access log as `credplane up`).
 *   What remains between this rung and `credplane up` is the rest of the process (its logger at
 *   `warn`, timers, the other endpoints it serves).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { journalKey } from '../src/audit/journal-format.js';
import { JournaledAccessLog } from '../src/audit/journaled-log.js';
import type { AccessLogSink } from '../src/audit/types.js';
import { buildPlane } from '../src/composition/plane.js';
import { generateMasterKey, issueTemporaryCredentials } from '../src/crypto/index.js';
import { KeyRingService } from '../src/control/key-ring-service.js';
import { listen } from '../src/http/server.js';
import type { ApiRequest } from '../src/http/types.js';
import { parseQuery } from '../src/protocol/query.js';
import { queryResult, type XmlNode } from '../src/protocol/xml.js';
import { ensureAdminKey } from '../src/server/admin.js';
import { verifyRequest } from '../src/sigv4/index.js';
import { openStore } from '../src/store/open.js';
import type { AccessEventInput, Store } from '../src/store/store.js';
import { assumedRoleXml } from '../src/sts/credentials-xml.js';
import { STS_NAMESPACE } from '../src/sts/context.js';

export const STAGES = ['bare', 'http', 'sigv4', 'authorize', 'journal', 'drain'] as const;
export type Stage = (typeof STAGES)[number];
export const ACCOUNT = '123456789012';

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
  ],
});
const READ = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:ListBucket'],
      Resource: ['arn:aws:s3:::bench', 'arn:aws:s3:::bench/*'],
    },
  ],
});

/** The same account, admin key and `bench` role as `bench/fixtures/bench-stack.yaml` gives `credplane up`. */
async function seed(store: Store, masterKey: Buffer): Promise<void> {
  await store.createAccount({ accountId: ACCOUNT });
  await ensureAdminKey(store, ACCOUNT, masterKey, process.env);
  await store.createRole(ACCOUNT, { roleName: 'bench', assumeRolePolicyDocument: TRUST });
  await store.putRolePolicy(ACCOUNT, 'bench', 'read', READ);
}

/** What the `http` and `sigv4` rungs answer: the call's result for a fixed caller. */
async function fixedResults(store: Store, masterKey: Buffer): Promise<Record<string, XmlNode>> {
  const keyRing = new KeyRingService({ store, masterKey, now: () => new Date() });
  await keyRing.start();
  const now = new Date();
  const issuedAt = Math.floor(now.getTime() / 1000);
  const credentials = issueTemporaryCredentials(
    {
      accountId: ACCOUNT,
      roleArn: `arn:aws:iam::${ACCOUNT}:role/bench`,
      roleId: 'AROABENCHBENCHBENCH01',
      roleName: 'bench',
      roleSessionName: 'bench',
      issuedAt,
      expiresAt: issuedAt + 3600,
      sourcePrincipalArn: `arn:aws:iam::${ACCOUNT}:user/credplane-admin`,
    },
    keyRing.current(),
    now,
  );
  keyRing.stop();
  return {
    GetCallerIdentity: {
      Arn: `arn:aws:iam::${ACCOUNT}:user/credplane-admin`,
      UserId: 'AIDABENCHBENCHBENCH01',
      Account: ACCOUNT,
    },
    AssumeRole: assumedRoleXml(
      credentials,
      {
        partition: 'aws',
        accountId: ACCOUNT,
        roleId: 'AROABENCHBENCHBENCH01',
        roleName: 'bench',
        sessionName: 'bench',
      },
      false,
    ),
  };
}

/** Takes the drain's batches and discards them: the `journal` rung without SQLite's work. */
const discardingStore = { appendAccessEvents: async (_events: AccessEventInput[]): Promise<void> => {} };

async function main(): Promise<void> {
  const [stage, dataDir] = process.argv.slice(2) as [Stage, string];
  if (!STAGES.includes(stage) || dataDir === undefined) {
    throw new Error(`usage: sts-stages-server.ts <${STAGES.join('|')}> <data-dir>`);
  }
  const accessKeyId = process.env.CREDPLANE_ADMIN_ACCESS_KEY_ID ?? '';
  const secretAccessKey = process.env.CREDPLANE_ADMIN_SECRET_ACCESS_KEY ?? '';
  const closers: (() => Promise<void> | void)[] = [];
  let port: number;

  if (stage === 'bare') {
    // Answers the size of a GetCallerIdentity; the ladder's reference, as `bare-server.ts`.
    const body = queryResult(
      'GetCallerIdentity',
      STS_NAMESPACE,
      {
        Arn: `arn:aws:iam::${ACCOUNT}:user/credplane-admin`,
        UserId: 'AIDABENCHBENCHBENCH01',
        Account: ACCOUNT,
      },
      '00000000-0000-0000-0000-000000000000',
    ).body;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  } else {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const masterKey = Buffer.from(generateMasterKey());
    const store = await openStore(path.join(dataDir, 'credplane.db'));
    closers.push(() => store.close());
    await seed(store, masterKey);

    if (stage === 'http' || stage === 'sigv4') {
      const results = await fixedResults(store, masterKey);
      const credential = { secretAccessKey };
      const verify = stage === 'sigv4';
      const handler = (request: ApiRequest) => {
        if (verify) {
          verifyRequest(
            { method: request.method, url: request.url, headers: request.rawHeaders, body: request.body },
            {
              service: ['sts'],
              lookup: (id) => {
                if (id !== accessKeyId) throw new Error('unknown key');
                return credential;
              },
              maxSkewSeconds: 900,
              skewErrorCode: 'SignatureDoesNotMatch',
            },
          );
        }
        const params = parseQuery(request.body.toString('utf8'));
        const action = params.action ?? '';
        return queryResult(action, STS_NAMESPACE, results[action], request.requestId);
      };
      const server = await listen({ handler }, 0);
      port = server.port;
      closers.push(() => server.close());
    } else {
      let accessLog: (AccessLogSink & { close(): Promise<void> }) | undefined;
      if (stage === 'journal' || stage === 'drain') {
        accessLog = new JournaledAccessLog({
          dir: path.join(dataDir, 'access-journal'),
          key: journalKey(masterKey),
          store: stage === 'drain' ? store : discardingStore,
        });
      }
      const plane = await buildPlane({
        store,
        masterKey,
        accountId: ACCOUNT,
        region: 'us-east-1',
        partition: 'aws',
        now: Date.now,
        ...(accessLog === undefined ? {} : { accessLog }),
      });
      const server = await listen(plane.router, 0);
      port = server.port;
      closers.push(async () => {
        await server.close();
        await plane.close();
        await accessLog?.close();
      });
    }
  }
  process.stdout.write(`${port}\n`);
  process.once('SIGTERM', () => {
    void (async () => {
      for (const close of closers.reverse()) await close();
      process.exit(0);
    })();
  });
}

// Imported by the suite for `STAGES` only; run as a script, it serves.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
