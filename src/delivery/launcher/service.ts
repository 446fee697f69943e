/**
 * The workload launch service the composition root wires in: the ECS container endpoint, and the
 * task and function routes of the admin API, which the route table (`composition/routes.ts`) gives
 * every `/credplane/` request on the control plane's port.
 */
import type { Logger } from 'pino';
import type { PolicyCache } from '../../control/policy-cache.js';
import type { AuthorizationView } from '../../control/authorization-view.js';
import type { KeyRing } from '../../crypto/index.js';
import type { ApiHandler } from '../../http/types.js';
import type { Store } from '../../store/store.js';
import { createContainerService, type ContainerService } from '../container/service.js';
import { functionRoutes } from '../lambda/admin-routes.js';
import { FunctionHost } from '../lambda/function-host.js';
import type { AccessLogSink } from '../../audit/types.js';
import { WorkloadIssuer } from '../workload-issuer.js';
import type { CredentialLifetime } from '../refreshing-source.js';
import { errorResponse } from '../container/protocol.js';
import { createAdminApi, UnknownOperationError } from '../../admin-api/server.js';

export interface LaunchServiceOptions {
  store: Store;
  snapshot: AuthorizationView;
  policies: PolicyCache;
  keyRing: () => KeyRing;
  partition: string;
  region: string;
  now?: () => number;
  logger?: Logger;
  /** The container endpoint's port on 127.0.0.1 (0 = any free port). */
  containerPort?: number;
  /** Task and function credential deliveries go to the access log, and the container endpoint's refusals. */
  accessLog?: AccessLogSink;
  /** The account of a container refusal no task names. */
  accountId?: string;
  /** Lambda invocations running at once across all functions. */
  maxConcurrentInvocations?: number;
  /** Task credentials' lifetime and refresh point. */
  ecsLifetime?: CredentialLifetime;
  /** Function execution-role credentials' lifetime and refresh point. */
  lambdaLifetime?: CredentialLifetime;
}

export interface LaunchService {
  container: ContainerService;
  /** The admin API: every `/credplane/` request (`UnknownOperationException` for a path no route serves). */
  admin: ApiHandler;
  /** The control plane's URL once it listens: functions get it as `AWS_ENDPOINT_URL`. */
  setControlPlaneUrl(url: string): void;
  close(): Promise<void>;
}

/**
 * @example
 * const launch = await createLaunchService({ store, snapshot, policies, keyRing: keyRing.current, partition, region });
 * const server = await listen(createRouter({ query, admin: launch.admin }), port);
 */
export async function createLaunchService(options: LaunchServiceOptions): Promise<LaunchService> {
  const now = options.now === undefined ? {} : { now: options.now };
  const accessLog = options.accessLog === undefined ? {} : { accessLog: options.accessLog };
  const container = await createContainerService({
    store: options.store,
    snapshot: options.snapshot,
    keyRing: options.keyRing,
    partition: options.partition,
    region: options.region,
    ...now,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.containerPort === undefined ? {} : { port: options.containerPort }),
    ...accessLog,
    ...(options.ecsLifetime === undefined ? {} : { lifetime: options.ecsLifetime }),
    ...(options.accountId === undefined ? {} : { accountId: options.accountId }),
  });
  const issuer = new WorkloadIssuer({
    snapshot: options.snapshot,
    keyRing: options.keyRing,
    ...now,
    region: options.region,
    ...accessLog,
  });
  let controlPlaneUrl = 'http://127.0.0.1:7300';
  const host = new FunctionHost({
    region: options.region,
    endpointUrl: () => controlPlaneUrl,
    ...now,
    ...(options.maxConcurrentInvocations === undefined
      ? {}
      : { maxConcurrentInvocations: options.maxConcurrentInvocations }),
  });
  const admin = createAdminApi(
    {
      authenticator: {
        snapshot: options.snapshot,
        policies: options.policies,
        keyRing: options.keyRing,
        partition: options.partition,
        ...now,
      },
    },
    [
      ...container.routes,
      ...functionRoutes({
        store: options.store,
        issuer,
        host,
        partition: options.partition,
        region: options.region,
        ...now,
        ...(options.lambdaLifetime === undefined ? {} : { lifetime: options.lambdaLifetime }),
      }),
    ],
  );
  return {
    container,
    admin: (request) => admin(request) ?? errorResponse(new UnknownOperationError()),
    setControlPlaneUrl: (url) => {
      controlPlaneUrl = url;
    },
    close: async () => {
      await host.close();
      await container.close();
    },
  };
}
