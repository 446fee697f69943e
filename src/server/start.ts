/**
 * Start-up: everything around the plane that touches the machine. Makes the data directory, loads
 * the master key (env or file), opens and migrates the store, seeds the account and the admin key,
 * loads the instance identity key, builds the plane (`composition/plane.ts`, pure wiring), listens
 * on loopback with its route table, writes the AWS config files and the metadata endpoints file,
 * and starts the instances' metadata endpoints. `stop()` undoes it in reverse order, so
 * SIGINT/SIGTERM (handled by `cli/up.ts`) shut down cleanly and a restart keeps every row.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import { journalKey } from '../audit/journal-format.js';
import { replayJournals } from '../audit/journal-replay.js';
import { JournaledAccessLog } from '../audit/journaled-log.js';
import { AccessLogQueue } from '../audit/queue.js';
import { buildPlane, type Plane } from '../composition/plane.js';
import { startFleetServer } from '../delivery/fleet/serve.js';
import { ClusterRegistry } from '../oidc/cluster-registry.js';
import { loadIdentitySigner, removeEndpointsFile, writeEndpointsFile } from '../delivery/imds/files.js';
import { socketTtlHelper } from '../delivery/imds/socket-ttl.js';
import type { ImdsService } from '../delivery/imds/service.js';
import type { CredentialLifetime } from '../delivery/refreshing-source.js';
import { emptyGatewaySettings, type GatewaySettings } from '../gateway/config.js';
import { listen } from '../http/server.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { ensureAdminKey, writeAwsFiles, type AdminKey, type AwsFiles } from './admin.js';
import { loadMasterKey } from './master-key.js';
import { runSsrfLab } from '../delivery/imds/lab/ssrf.js';
import { privateDataDirectory } from './data-dir.js';

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
  imds?: {
    credentialSeconds?: number;
    refreshBeforeSeconds?: number;
    /** Where the instances' endpoints listen; 127.0.0.1 by default (tests in their own network namespaces). */
    host?: string;
  };
  /** Lambda invocations running at once across all functions (the function host's default). */
  lambdaConcurrency?: number;
  /** Task credential lifetime and refresh margin (testing aids; 6 h and 30 min by default). */
  ecs?: CredentialLifetime;
  /** Function execution-role credential lifetime and refresh margin (likewise). */
  lambda?: CredentialLifetime;
  /** IRSA: `AssumeRoleWithWebIdentity` sessions without `DurationSeconds` (STS's 3600 s by default). */
  irsa?: CredentialLifetime;
  /** The node agents' port (`--agent-port`; docs/fleet-agent.md); none without it. */
  agents?: { port: number; host?: string; serverNames?: string[] };
  /** Host names the console answers to besides IP literals and `localhost` (`--console-host`). */
  consoleHosts?: string[];
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
  /** The access log's sink: every decision and credential delivery is offered here. */
  accessLog: AccessLogQueue | JournaledAccessLog;
  /** The node agents' port (`https://...`), when started. */
  agentUrl?: string;
  /**
   * What authenticates and authorizes callers: the benchmark's gateway ladder
   * (`bench/gateway-ladder-server.ts`) composes the gateway's stages from these.
   */
  parts: Pick<Plane, 'snapshot' | 'policies' | 'keyRing'>;
  /** A new one-time console login URL (`/credplane/console/login?token=…`, docs/console.md). */
  consoleLoginUrl(): string;
  stop(): Promise<void>;
}

export async function startControlPlane(settings: ControlPlaneSettings): Promise<RunningControlPlane> {
  const partition = settings.partition ?? 'aws';
  const offsetMs = (settings.clockOffsetSeconds ?? 0) * 1000;
  const now = (): number => Date.now() + offsetMs;
  privateDataDirectory(settings.dataDir);
  const master = loadMasterKey({ dataDir: settings.dataDir, ...(settings.env ? { env: settings.env } : {}) });
  const store = await openStore(settings.store ?? path.join(settings.dataDir, 'credplane.db'), { partition });
  const cleanup: (() => Promise<void> | void)[] = [() => store.close()];
  try {
    const accounts = await store.listAccounts();
    if (!accounts.some((a) => a.accountId === settings.accountId)) {
      await store.createAccount({ accountId: settings.accountId });
    }
    const accessLog = await openAccessLog(settings, store, master.key);
    // Drained on stop after every server has closed, before the store does.
    cleanup.push(() => accessLog.close());
    const admin = await ensureAdminKey(store, settings.accountId, master.key, settings.env);

    // Token responses leave with IP TTL = the instance's hop limit (docs/imds.md, Hop limit). The
    // helper is compiled once into the data directory; without it the hop limit is not enforced,
    // and start-up says so.
    const socketTtl = socketTtlHelper(path.join(settings.dataDir, 'imds'));
    if ('reason' in socketTtl)
      settings.logger?.warn(`IMDS hop limit not enforced on sockets: ${socketTtl.reason}`);
    const identity = loadIdentitySigner(settings.dataDir);
    const plane = await buildPlane({
      store,
      masterKey: master.key,
      accountId: settings.accountId,
      region: settings.region,
      partition,
      now,
      ...(settings.logger === undefined ? {} : { logger: settings.logger }),
      accessLog,
      oidcDataDir: settings.dataDir,
      identity,
      imds: { ...settings.imds, ...('reason' in socketTtl ? {} : { setSocketTtl: socketTtl.set }) },
      ...(settings.irsa?.credentialSeconds === undefined
        ? {}
        : { webIdentityDefaultSeconds: settings.irsa.credentialSeconds }),
      gateway: settings.gateway ?? emptyGatewaySettings(),
      console: {
        runSsrfLab: ({ netns }) => runSsrfLab({ startPlane: startControlPlane, netns }),
        ...(settings.consoleHosts === undefined ? {} : { allowedHosts: settings.consoleHosts }),
      },
      launch: {
        ...(settings.lambdaConcurrency === undefined
          ? {}
          : { lambdaConcurrency: settings.lambdaConcurrency }),
        ...(settings.ecs === undefined ? {} : { ecs: settings.ecs }),
        ...(settings.lambda === undefined ? {} : { lambda: settings.lambda }),
      },
    });
    cleanup.push(() => plane.close());
    const { imds, launch } = plane;
    if (imds === undefined || launch === undefined)
      throw new Error('the plane was built without IMDS or launch');

    const server = await listen(
      { ...plane.router, ...(settings.logger ? { logger: settings.logger } : {}) },
      settings.port,
    );
    cleanup.push(() => server.close());
    // Open event streams would keep `server.close` waiting: they end first (cleanup runs in reverse).
    cleanup.push(() => plane.console.close());
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

    const agents =
      settings.agents === undefined
        ? undefined
        : await startFleetServer({
            ...settings.agents,
            store,
            masterKey: master.key,
            snapshot: plane.snapshot,
            keyRing: plane.keyRing.current,
            identity,
            accountId: settings.accountId,
            region: settings.region,
            partition,
            now,
            accessLog,
            ...(settings.imds?.credentialSeconds === undefined
              ? {}
              : { credentialSeconds: settings.imds.credentialSeconds }),
            tasks: launch.container.registry,
            clusters: new ClusterRegistry({ dataDir: settings.dataDir, masterKey: master.key, now }),
            onError: (err) => settings.logger?.error({ err }, 'agent port'),
          });
    if (agents !== undefined) cleanup.push(() => agents.close());

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
      ...(agents === undefined ? {} : { agentUrl: agents.url }),
      parts: { snapshot: plane.snapshot, policies: plane.policies, keyRing: plane.keyRing },
      consoleLoginUrl: () => `${server.url}/credplane/console/login?token=${plane.console.issueLoginToken()}`,
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

/**
 * The access log's sink (docs/access-log.md): by default each event is journaled in
 * `<data-dir>/access-journal` before its request is answered and reaches the store in batches;
 * journals a killed process left there are written into the store first. With
 * `CREDPLANE_ACCESS_LOG_DURABILITY=store`, each request waits for the store's commit instead
 * (slower; an acknowledged event then has the store's durability, e.g. PostgreSQL's).
 */
async function openAccessLog(
  settings: ControlPlaneSettings,
  store: Store,
  masterKey: Buffer,
): Promise<AccessLogQueue | JournaledAccessLog> {
  const logger = settings.logger ? { logger: settings.logger } : {};
  const mode = (settings.env ?? process.env).CREDPLANE_ACCESS_LOG_DURABILITY ?? 'journal';
  if (mode === 'store') return new AccessLogQueue({ store, ...logger });
  if (mode !== 'journal') {
    throw new Error(`CREDPLANE_ACCESS_LOG_DURABILITY must be "journal" or "store", not "${mode}"`);
  }
  const dir = path.join(settings.dataDir, 'access-journal');
  const key = journalKey(masterKey);
  await replayJournals({ dir, key, store, ...logger });
  return new JournaledAccessLog({ dir, key, store, ...logger });
}
