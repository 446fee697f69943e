/**
 * The composition root: builds the control plane from a config object (an open store, the master
 * key, the account and region, which optional parts to wire) as pure wiring: no port of its own
 * opened, no file read or written, no signal handled. Start-up (`server/start.ts`) loads the
 * master key, opens the store, then builds the plane here and listens with `plane.router`; the
 * in-process tests (`server/test-support/plane.ts`) build it here too, so they go through the
 * same route table (`routes.ts`) and the same handlers as `credplane up`.
 */
import type { Logger } from 'pino';
import type { AccessLogSink } from '../audit/types.js';
import { buildAccessEvent } from '../audit/record.js';
import { findAwsManagedPolicy } from '../catalog/aws-managed-policies.js';
import { KeyRingService } from '../control/key-ring-service.js';
import { AccessKeyUseRecorder } from '../control/access-key-use.js';
import { PolicyCache } from '../control/policy-cache.js';
import { AuthorizationView } from '../control/authorization-view.js';
import { openSecret, sealSecret, type MasterKey } from '../crypto/index.js';
import type { IdentitySigner } from '../delivery/imds/identity.js';
import type { SetSocketTtl } from '../delivery/imds/server.js';
import { createImdsService, type ImdsService } from '../delivery/imds/service.js';
import type { CredentialLifetime } from '../delivery/refreshing-source.js';
import { createLaunchService, type LaunchService } from '../delivery/launcher/service.js';
import { createEc2Handler } from '../ec2-api/dispatch.js';
import type { GatewaySettings } from '../gateway/config.js';
import { mapperForSigningName } from '../gateway/mapping/index.js';
import { createGateway, type Gateway } from '../gateway/server.js';
import { createOidcService } from '../oidc/service.js';
import { createConsole, type ConsoleService } from '../console/server.js';
import type { RunSsrfLab } from '../console/api/lab.js';
import type { AddEscalations } from '../console/api/graph.js';
import { ADMIN_USER } from '../server/admin.js';
import type { WebIdentityVerifier } from '../oidc/verify-web-identity-token.js';
import { createQueryApiHandler } from '../server/query-api.js';
import type { Store } from '../store/store.js';
import { createReadiness } from './readiness.js';
import { createRouter, type RouteHandlers } from './routes.js';

export interface PlaneConfig {
  /** Open and migrated; the plane never closes it. */
  store: Store;
  masterKey: MasterKey;
  accountId: string;
  region: string;
  partition: string;
  /** The plane's clock (epoch ms): tests move it, `CREDPLANE_CLOCK_OFFSET_SECONDS` shifts it. */
  now: () => number;
  logger?: Logger;
  /** Every decision and credential delivery is offered here; nothing is logged without it. */
  accessLog?: AccessLogSink;
  /** Verifies `AssumeRoleWithWebIdentity` tokens; by default credplane's own issuers, then the Store's providers over HTTP(S). */
  webIdentity?: WebIdentityVerifier;
  /** `AssumeRoleWithWebIdentity` sessions without `DurationSeconds` (IRSA): STS's 3600 s by default. */
  webIdentityDefaultSeconds?: number;
  /**
   * Where credplane's own EKS clusters' issuer keys live (`oidc/cluster-registry.ts`, read when a
   * request needs them). Without it no issuer is served.
   */
  oidcDataDir?: string;
  /** The key that signs EC2 instance identity documents; without it, no certificate row and no IMDS. */
  identity?: IdentitySigner;
  /** The EC2 instances' metadata endpoints (built, not started: `imds.start()` listens). */
  imds?: {
    credentialSeconds?: number;
    refreshBeforeSeconds?: number;
    setSocketTtl?: SetSocketTtl;
    host?: string;
  };
  /** The gateway's backends and modes; without it, no gateway row. */
  gateway?: GatewaySettings;
  /**
   * ECS tasks and Lambda functions (the `/credplane/` admin API). Its container endpoint opens its
   * own loopback port when built.
   */
  launch?: { lambdaConcurrency?: number; ecs?: CredentialLifetime; lambda?: CredentialLifetime };
  /** The web console (docs/console.md); always served, these only tune it. */
  console?: {
    /** The built front-end; `dist/console-ui/` by default. */
    uiRoot?: string;
    /** Runs the SSRF lab (start-up hands in `startControlPlane`); without it the lab answers 503. */
    runSsrfLab?: RunSsrfLab;
    /** The escalation analysis's part of the access graph. */
    addEscalations?: AddEscalations;
    streamPollMs?: number;
    /** Event streams open at once (16 by default). */
    maxStreams?: number;
    /** Event streams one principal may hold (4 by default). */
    maxStreamsPerPrincipal?: number;
    /** Host names besides IP literals and `localhost` the console answers to (`--console-host`). */
    allowedHosts?: readonly string[];
  };
}

export interface Plane {
  keyRing: KeyRingService;
  policies: PolicyCache;
  snapshot: AuthorizationView;
  /** The handlers the route table names (`routes.ts`). */
  handlers: RouteHandlers;
  /** The control plane's port as `listen` options. */
  router: ReturnType<typeof createRouter>;
  gateway?: Gateway;
  launch?: LaunchService;
  imds?: ImdsService;
  /** The web console: `issueLoginToken()` for the URL `credplane up` prints. */
  console: ConsoleService;
  /** Stops what `buildPlane` started, in reverse; the store stays open. */
  close(): Promise<void>;
}

/**
 * @example
 * const plane = await buildPlane({ store, masterKey, accountId, region: 'us-east-1', partition: 'aws', now: Date.now });
 * const server = await listen(plane.router, 0);
 */
export async function buildPlane(config: PlaneConfig): Promise<Plane> {
  const { store, masterKey, partition, now } = config;
  const logger = config.logger === undefined ? {} : { logger: config.logger };
  const accessLog = config.accessLog === undefined ? {} : { accessLog: config.accessLog };
  const cleanup: (() => Promise<void> | void)[] = [];
  const close = async (): Promise<void> => {
    for (const step of cleanup.splice(0).reverse()) await step();
  };
  try {
    const keyRing = new KeyRingService({ store, masterKey, now: () => new Date(now()) });
    await keyRing.start();
    cleanup.push(() => keyRing.stop());

    const policies = new PolicyCache();
    const snapshot = new AuthorizationView({
      store,
      policies,
      awsManaged: (arn) => findAwsManagedPolicy(arn),
      openAdminSecret: (key) => openSecret(key.sealedSecret, key.accessKeyId, masterKey),
      now,
    });
    await snapshot.start();
    cleanup.push(() => snapshot.stop());

    // Users' key uses, written in batches (`GetAccessKeyLastUsed`).
    const keyUse = new AccessKeyUseRecorder({
      store,
      onError: (err) => config.logger?.warn({ err }, 'access key last-use write failed'),
    });
    keyUse.start();
    cleanup.push(() => keyUse.stop());

    const launch =
      config.launch === undefined
        ? undefined
        : await createLaunchService({
            store,
            snapshot,
            policies,
            keyRing: keyRing.current,
            partition,
            region: config.region,
            accountId: config.accountId,
            now,
            ...logger,
            ...(config.launch.lambdaConcurrency === undefined
              ? {}
              : { maxConcurrentInvocations: config.launch.lambdaConcurrency }),
            ...(config.launch.ecs === undefined ? {} : { ecsLifetime: config.launch.ecs }),
            ...(config.launch.lambda === undefined ? {} : { lambdaLifetime: config.launch.lambda }),
            ...accessLog,
          });
    if (launch !== undefined) cleanup.push(() => launch.close());

    const oidc =
      config.oidcDataDir === undefined
        ? undefined
        : createOidcService({ dataDir: config.oidcDataDir, masterKey, store, partition, now });
    const webIdentity = config.webIdentity ?? oidc?.verifyWebIdentity;

    const imds =
      config.identity === undefined || config.imds === undefined
        ? undefined
        : createImdsService({
            store,
            snapshot,
            keyRing: keyRing.current,
            accountId: config.accountId,
            region: config.region,
            partition,
            identity: config.identity,
            now,
            ...config.imds,
            onError: (err) => config.logger?.error({ err }, 'imds'),
            ...accessLog,
          });

    const query = createQueryApiHandler({
      ...(webIdentity === undefined ? {} : { webIdentity }),
      ec2: createEc2Handler({
        store,
        keyRing: keyRing.current,
        partition,
        ...(config.identity === undefined ? {} : { identityCertificatePem: config.identity.certificatePem }),
      }),
      store,
      snapshot,
      policies,
      keyRing,
      partition,
      now,
      keyUse,
      sealAccessKeySecret: (secret, accessKeyId) => sealSecret(secret, accessKeyId, masterKey),
      openSealedSecret: (sealed, id) => openSecret(sealed, id, masterKey),
      ...logger,
      ...accessLog,
      region: config.region,
      ...(config.webIdentityDefaultSeconds === undefined
        ? {}
        : { webIdentityDefaultSeconds: config.webIdentityDefaultSeconds }),
    });

    if (config.gateway !== undefined && config.accessLog === undefined) {
      throw new Error('the gateway records every decision: give the plane an access log');
    }
    const gateway =
      config.gateway === undefined || config.accessLog === undefined
        ? undefined
        : createGateway({
            settings: config.gateway,
            mapperFor: mapperForSigningName,
            authenticator: { snapshot, policies, keyRing: keyRing.current, partition, now, keyUse },
            keyRing: keyRing.current,
            partition,
            accountId: config.accountId,
            record: buildAccessEvent,
            sink: config.accessLog,
            now,
            ...logger,
          });
    if (gateway !== undefined) cleanup.push(() => gateway.close());

    const consoleService = createConsole({
      store,
      snapshot,
      policies,
      keyRing: keyRing.current,
      partition,
      accountId: config.accountId,
      region: config.region,
      now,
      adminUserName: ADMIN_USER,
      ...logger,
      ...(config.console?.uiRoot === undefined ? {} : { uiRoot: config.console.uiRoot }),
      ...(config.console?.runSsrfLab === undefined ? {} : { runSsrfLab: config.console.runSsrfLab }),
      ...(config.console?.addEscalations === undefined
        ? {}
        : { addEscalations: config.console.addEscalations }),
      ...(config.console?.streamPollMs === undefined ? {} : { streamPollMs: config.console.streamPollMs }),
      ...(config.console?.maxStreams === undefined ? {} : { maxStreams: config.console.maxStreams }),
      ...(config.console?.maxStreamsPerPrincipal === undefined
        ? {}
        : { maxStreamsPerPrincipal: config.console.maxStreamsPerPrincipal }),
      ...(config.console?.allowedHosts === undefined ? {} : { allowedHosts: config.console.allowedHosts }),
    });
    cleanup.push(() => consoleService.close());

    const handlers: RouteHandlers = {
      query,
      console: consoleService,
      ...(launch === undefined ? {} : { admin: launch.admin }),
      ...(gateway === undefined ? {} : { gateway }),
      ...(oidc === undefined ? {} : { oidcIssuer: oidc.issuerHandler }),
      ready: createReadiness({ readStore: () => store.generation(), keyRing: keyRing.current }),
    };
    return {
      keyRing,
      policies,
      snapshot,
      handlers,
      router: createRouter(handlers),
      ...(gateway === undefined ? {} : { gateway }),
      ...(launch === undefined ? {} : { launch }),
      ...(imds === undefined ? {} : { imds }),
      console: consoleService,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
