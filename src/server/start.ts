/**
 * Builds and starts the control plane from its settings: master key, store (migrated), account,
 * admin key, key ring, read snapshot, HTTP listener on loopback, AWS config files. `stop()` undoes
 * it in reverse order, so SIGINT/SIGTERM shut down cleanly and a restart keeps every row.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { AccessLogQueue } from '../audit/queue.js';
import { openSecret } from '../crypto/index.js';
import { KeyRingService } from '../control/key-ring-service.js';
import { PolicyCache } from '../control/policy-cache.js';
import { Snapshot } from '../control/snapshot.js';
import { findAwsManagedPolicy } from '../catalog/aws-managed-policies.js';
import { createOidcService } from '../oidc/service.js';
import { createEc2Handler } from '../ec2-api/dispatch.js';
import { loadIdentitySigner, removeEndpointsFile, writeEndpointsFile } from '../delivery/imds/files.js';
import { createImdsService, type ImdsService } from '../delivery/imds/service.js';
import { createLaunchService } from '../delivery/launch/service.js';
import { buildAccessEvent } from '../audit/record.js';
import { emptyGatewaySettings, type GatewaySettings } from '../gateway/config.js';
import { mapperForSigningName } from '../gateway/mapping/index.js';
import { createGateway } from '../gateway/server.js';
import { createRouter } from '../composition/routes.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { ensureAdminKey, writeAwsFiles, type AdminKey, type AwsFiles } from './admin.js';
import { createQueryApiHandler } from './control-plane.js';
import { listen } from '../http/server.js';
import { loadMasterKey } from './master-key.js';

export interface ControlPlaneSettings {
  dataDir: string;
  /** 0 = any free port. */
  port: number;
  /** A PostgreSQL URL or a SQLite file; `<dataDir>/credplane.db` by default. */
  store?: string;
  accountId: string;
  region: string;
  partition?: string;
  logger?: Logger;
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Seconds added to the server's clock (`CREDPLANE_CLOCK_OFFSET_SECONDS`): a testing aid to see
   * credentials expire without waiting. Clients must sign with the same offset.
   */
  clockOffsetSeconds?: number;
  /** The gateway's backends and modes (`--backend`, `--gateway-mode`, `Metadata.Credplane.Gateway`). */
  gateway?: GatewaySettings;
  /** Instance credential lifetime and refresh margin (testing aids; 6 h and 30 min by default). */
  imds?: { credentialSeconds?: number; refreshBeforeSeconds?: number };
  /** Lambda invocations running at once across all functions (the function host's default). */
  lambdaConcurrency?: number;
}

export interface RunningControlPlane {
  url: string;
  port: number;
  accountId: string;
  region: string;
  store: Store;
  admin: AdminKey;
  awsFiles: AwsFiles;
  masterKeySource: string;
  /** Every EC2 instance's metadata endpoint. */
  imds: ImdsService;
  /** The access log's queue: every decision and credential delivery is offered here. */
  accessLog: AccessLogQueue;
  stop(): Promise<void>;
}

export async function startControlPlane(settings: ControlPlaneSettings): Promise<RunningControlPlane> {
  const partition = settings.partition ?? 'aws';
  const offsetMs = (settings.clockOffsetSeconds ?? 0) * 1000;
  const now = (): number => Date.now() + offsetMs;
  fs.mkdirSync(settings.dataDir, { recursive: true, mode: 0o700 });
  // `mode` applies only to a directory mkdir creates: an existing one (0755 from a plain mkdir)
  // is narrowed too, since it holds the master key, the store and the access log.
  fs.chmodSync(settings.dataDir, 0o700);
  const master = loadMasterKey({ dataDir: settings.dataDir, ...(settings.env ? { env: settings.env } : {}) });
  const store = await openStore(settings.store ?? path.join(settings.dataDir, 'credplane.db'), { partition });
  const cleanup: (() => Promise<void> | void)[] = [() => store.close()];
  // Drained on stop after every server has closed, before the store does.
  const accessLog = new AccessLogQueue({ store, ...(settings.logger ? { logger: settings.logger } : {}) });
  cleanup.push(() => accessLog.close());
  try {
    const accounts = await store.listAccounts();
    if (!accounts.some((a) => a.accountId === settings.accountId)) {
      await store.createAccount({ accountId: settings.accountId });
    }
    const admin = await ensureAdminKey(store, settings.accountId, master.key, settings.env);

    const keyRing = new KeyRingService({ store, masterKey: master.key, now: () => new Date(now()) });
    await keyRing.start();
    cleanup.push(() => keyRing.stop());

    const policies = new PolicyCache();
    const snapshot = new Snapshot({
      store,
      policies,
      awsManaged: (arn) => findAwsManagedPolicy(arn),
      openAdminSecret: (key) => openSecret(key.sealedSecret, key.accessKeyId, master.key),
      now,
    });
    await snapshot.start();
    cleanup.push(() => snapshot.stop());

    // ECS container endpoint + task/function routes under /credplane/ (issue 5).
    const launch = await createLaunchService({
      store,
      snapshot,
      policies,
      keyRing: keyRing.current,
      partition,
      region: settings.region,
      now,
      ...(settings.logger === undefined ? {} : { logger: settings.logger }),
      ...(settings.lambdaConcurrency === undefined
        ? {}
        : { maxConcurrentInvocations: settings.lambdaConcurrency }),
      accessLog,
    });
    cleanup.push(() => launch.close());

    const oidc = createOidcService({
      dataDir: settings.dataDir,
      masterKey: master.key,
      store,
      partition,
      now,
    });
    // EC2 instances: one metadata endpoint each, plus the EC2 Query API (issue 4).
    const identity = loadIdentitySigner(settings.dataDir);
    const imds = createImdsService({
      store,
      snapshot,
      keyRing: keyRing.current,
      accountId: settings.accountId,
      region: settings.region,
      partition,
      identity,
      now,
      ...settings.imds,
      onError: (err) => settings.logger?.error({ err }, 'imds'),
      accessLog,
    });
    const query = createQueryApiHandler({
      webIdentity: oidc.verifyWebIdentity,
      ec2: createEc2Handler({
        store,
        keyRing: keyRing.current,
        partition,
        identityCertificatePem: identity.certificatePem,
      }),
      store,
      snapshot,
      policies,
      keyRing,
      partition,
      now,
      ...(settings.logger === undefined ? {} : { logger: settings.logger }),
      accessLog,
      region: settings.region,
    });
    // AWS service calls signed for a service a mapper serves, on the same port (the route table's `gateway` row).
    const gateway = createGateway({
      settings: settings.gateway ?? emptyGatewaySettings(),
      mapperFor: mapperForSigningName,
      authenticator: { snapshot, policies, keyRing: keyRing.current, partition, now },
      keyRing: keyRing.current,
      partition,
      accountId: settings.accountId,
      record: buildAccessEvent,
      sink: accessLog,
      now,
      ...(settings.logger === undefined ? {} : { logger: settings.logger }),
    });
    cleanup.push(() => gateway.close());
    const server = await listen(
      {
        ...createRouter({ query, admin: launch.admin, gateway, oidcIssuer: oidc.issuerHandler }),
        ...(settings.logger ? { logger: settings.logger } : {}),
      },
      settings.port,
    );
    cleanup.push(() => server.close());
    launch.setControlPlaneUrl(server.url);
    const awsFiles = writeAwsFiles(settings.dataDir, admin, server.url, settings.region);
    const endpoints = {
      url: server.url,
      accountId: settings.accountId,
      region: settings.region,
      pid: process.pid,
    };
    imds.onReconciled((instances) => writeEndpointsFile(settings.dataDir, endpoints, instances));
    await imds.start();
    cleanup.push(async () => {
      await imds.stop();
      removeEndpointsFile(settings.dataDir);
    });

    let stopped = false;
    return {
      url: server.url,
      port: server.port,
      accountId: settings.accountId,
      region: settings.region,
      store,
      admin,
      awsFiles,
      masterKeySource: master.source,
      imds,
      accessLog,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        for (const step of cleanup.reverse()) await step();
      },
    };
  } catch (error) {
    for (const step of cleanup.reverse()) await step();
    throw error;
  }
}
