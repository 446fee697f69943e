/**
 * Builds and starts the control plane from its settings: master key, store (migrated), account,
 * admin key, key ring, read snapshot, HTTP listener on loopback, AWS config files. `stop()` undoes
 * it in reverse order, so SIGINT/SIGTERM shut down cleanly and a restart keeps every row.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { openSecret } from '../crypto/index.js';
import { KeyRingService } from '../control/key-ring-service.js';
import { PolicyCache } from '../control/policy-cache.js';
import { Snapshot } from '../control/snapshot.js';
import { findAwsManagedPolicy } from '../catalog/aws-managed-policies.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { ensureAdminKey, writeAwsFiles, type AdminKey, type AwsFiles } from './admin.js';
import { createControlPlaneHandler } from './control-plane.js';
import { listen } from './http.js';
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
  stop(): Promise<void>;
}

export async function startControlPlane(settings: ControlPlaneSettings): Promise<RunningControlPlane> {
  const partition = settings.partition ?? 'aws';
  const offsetMs = (settings.clockOffsetSeconds ?? 0) * 1000;
  const now = (): number => Date.now() + offsetMs;
  fs.mkdirSync(settings.dataDir, { recursive: true, mode: 0o700 });
  const master = loadMasterKey({ dataDir: settings.dataDir, ...(settings.env ? { env: settings.env } : {}) });
  const store = await openStore(settings.store ?? path.join(settings.dataDir, 'credplane.db'), { partition });
  const cleanup: (() => Promise<void> | void)[] = [() => store.close()];
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

    const handler = createControlPlaneHandler({
      store,
      snapshot,
      policies,
      keyRing,
      partition,
      now,
      ...(settings.logger === undefined ? {} : { logger: settings.logger }),
    });
    const server = await listen(
      { handler, ...(settings.logger ? { logger: settings.logger } : {}) },
      settings.port,
    );
    cleanup.push(() => server.close());
    const awsFiles = writeAwsFiles(settings.dataDir, admin, server.url, settings.region);

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
