/**
 * The ECS channel as `start.ts` wires it: a task registry issuing through the shared
 * `WorkloadIssuer`, the container endpoint on 127.0.0.1, and the task routes for the CLI.
 */
import type { Logger } from 'pino';
import type { AuthorizationView } from '../../control/authorization-view.js';
import type { KeyRing } from '../../crypto/index.js';
import type { Store } from '../../store/store.js';
import type { AdminRoute } from '../../admin-api/server.js';
import type { AccessLogSink } from '../../audit/types.js';
import { createRefusalLog } from '../../audit/refusal-log.js';
import type { UnauthenticatedBudget } from '../../audit/unauthenticated.js';
import { WorkloadIssuer } from '../workload-issuer.js';
import type { CredentialLifetime } from '../refreshing-source.js';
import { taskRoutes } from './admin-routes.js';
import { createContainerCredentialsServer } from './server.js';
import { TaskRegistry } from './tasks.js';

export interface ContainerServiceOptions {
  store: Store;
  snapshot: AuthorizationView;
  keyRing: () => KeyRing;
  partition: string;
  region: string;
  now?: () => number;
  logger?: Logger;
  /** The endpoint's port on 127.0.0.1; 0 (any free port) by default. */
  port?: number;
  /**
   * Each credential set issued for a task is an access-log event; so is each refused credentials
   * request (no or a wrong token, an unknown id, a stopped task; `audit/refusal-record.ts`), under
   * the unauthenticated budget, in `accountId`'s log when no task names the account.
   */
  accessLog?: AccessLogSink;
  accountId?: string;
  /** One for this endpoint by default. */
  unauthenticatedBudget?: UnauthenticatedBudget;
  /** Task credentials' lifetime and refresh point. */
  lifetime?: CredentialLifetime;
}

export interface ContainerService {
  url: string;
  registry: TaskRegistry;
  routes: AdminRoute[];
  close(): Promise<void>;
}

/**
 * @example
 * const ecs = await createContainerService({ store, snapshot, keyRing, partition: 'aws', region });
 * // ... ecs.routes go to createAdminApi; await ecs.close() on shutdown
 */
export async function createContainerService(options: ContainerServiceOptions): Promise<ContainerService> {
  const issuer = new WorkloadIssuer({
    snapshot: options.snapshot,
    keyRing: options.keyRing,
    ...(options.now === undefined ? {} : { now: options.now }),
    region: options.region,
    ...(options.accessLog === undefined ? {} : { accessLog: options.accessLog }),
  });
  const registry = new TaskRegistry({
    issuer,
    partition: options.partition,
    region: options.region,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.lifetime === undefined ? {} : { lifetime: options.lifetime }),
  });
  const log = options.accessLog;
  const refused =
    log === undefined || options.accountId === undefined
      ? undefined
      : createRefusalLog({
          accessLog: log,
          accountId: options.accountId,
          region: options.region,
          partition: options.partition,
          ...(options.unauthenticatedBudget === undefined ? {} : { budget: options.unauthenticatedBudget }),
          ...(options.now === undefined ? {} : { now: options.now }),
          onError: (err: unknown) => options.logger?.error({ err }, 'container refusal not logged'),
        });
  const server = await createContainerCredentialsServer({
    registry,
    region: options.region,
    ...(refused === undefined
      ? {}
      : {
          onRefused: ({ reason, status, sourceIp, task }) =>
            refused({
              channel: 'container',
              reason,
              status,
              sourceIp,
              ...(task === undefined
                ? {}
                : {
                    accountId: task.definition.accountId,
                    resource: { ARN: task.taskArn, type: 'AWS::ECS::Task' },
                  }),
            }),
        }),
    port: options.port ?? 0,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  return {
    url: server.url,
    registry,
    routes: taskRoutes({
      store: options.store,
      registry,
      endpointUrl: () => server.url,
      partition: options.partition,
    }),
    close: () => server.close(),
  };
}
