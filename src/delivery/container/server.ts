/**
 * The ECS container credentials endpoint on 127.0.0.1: `GET /v2/credentials/<id>` with the task's
 * token in `Authorization` answers the task role's credentials; `GET /v4/<id>`, `/v4/<id>/task`,
 * `/v4/<id>/stats` and `/v4/<id>/task/stats` (and the same under `/v3/`) answer the task metadata
 * documents.
 *
 * Order of checks on a credentials path: a token must be present (401), the path must name a known
 * task (400 `InvalidIdInRequest`, as the ECS agent answers), the token must be that task's (403,
 * compared in constant time), and the task must be running (400, "stopped"). Each of these
 * refusals is reported to `onRefused` (the access log's refusal events, docs/access-log.md).
 */
import type { Logger } from 'pino';
import type { RefusalReason } from '../../audit/refusal-record.js';
import { AwsError } from '../../errors.js';
import { listen, type RunningServer } from '../../http/server.js';
import type { ApiHandler, ApiRequest, ApiResponse } from '../../http/types.js';
import {
  authorizationOf,
  checkAuthorization,
  CredentialsNotFoundError,
  credentialsResponse,
  errorResponse,
  jsonResponse,
  MethodNotAllowedError,
  PathNotFoundError,
} from './protocol.js';
import { containerMetadata, taskMetadata } from './task-metadata.js';
import { TaskStats } from './task-stats.js';
import type { Task, TaskRegistry } from './tasks.js';

const CREDENTIALS_PREFIX = '/v2/credentials';
/** Task metadata v4 (`ECS_CONTAINER_METADATA_URI_V4`) and v3 (`ECS_CONTAINER_METADATA_URI`). */
const METADATA_PREFIXES = ['/v4/', '/v3/'] as const;

/** `400 NoIdInRequest` (the ECS agent's code): a credentials path without an id. */
export class NoIdInRequestError extends AwsError {
  constructor() {
    super('NoIdInRequest', 'No credentials id in the request', { status: 400 });
  }
}

/**
 * A credentials request refused: the task only when the path named a known one (its ARN gets the
 * caller nothing; the path and token are never reported).
 */
export interface ContainerRefusal {
  reason: Extract<RefusalReason, `container-${string}`>;
  status: number;
  sourceIp: string;
  task?: Task;
}

/** How the endpoint finds a task: the server's registry, or a node agent's tasks. */
export type TaskLookup = Pick<TaskRegistry, 'findByCredentialsPath' | 'findByMetadataId'>;

export interface ContainerCredentialsOptions {
  registry: TaskLookup;
  /**
   * `relative-uri`: the ECS agent's `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` form, served at
   * 169.254.170.2 by a node agent. The SDKs send no `Authorization` there (AWS SDKs and Tools
   * Reference Guide, Container credential provider): the credentials id in the path, a random
   * UUID known only to the task and its node, is the secret, so no token is asked and a token
   * that is sent is ignored. `token` (default): the full-URI form, token required.
   */
  authorization?: 'token' | 'relative-uri';
  region: string;
  logger?: Logger;
  /** Keeps the previous CPU reading per task for `precpu_stats`; one per endpoint by default. */
  stats?: TaskStats;
  /** Each refused credentials request, after its answer is decided (the answer is unchanged). */
  onRefused?: (refusal: ContainerRefusal) => void;
}

async function credentials(
  path: string,
  request: ApiRequest,
  options: ContainerCredentialsOptions,
): Promise<ApiResponse> {
  if (path === CREDENTIALS_PREFIX || path === `${CREDENTIALS_PREFIX}/`) throw new NoIdInRequestError();
  const refused = (reason: ContainerRefusal['reason'], error: AwsError, task?: Task): AwsError => {
    options.onRefused?.({
      reason,
      status: error.status,
      sourceIp: request.remoteAddress,
      ...(task === undefined ? {} : { task }),
    });
    return error;
  };
  const tokenless = options.authorization === 'relative-uri';
  let token: string | undefined;
  try {
    token = tokenless ? undefined : authorizationOf(request);
  } catch (error) {
    throw error instanceof AwsError ? refused('container-token-missing', error) : error;
  }
  const task = options.registry.findByCredentialsPath(path);
  if (task === undefined) throw refused('container-unknown-id', new CredentialsNotFoundError());
  if (token !== undefined) {
    try {
      checkAuthorization(token, task.authorizationToken);
    } catch (error) {
      throw error instanceof AwsError ? refused('container-token-invalid', error, task) : error;
    }
  }
  if (task.status !== 'RUNNING') {
    throw refused(
      'container-task-stopped',
      new CredentialsNotFoundError(`Credentials are not available: task ${task.taskId} is stopped`),
      task,
    );
  }
  const creds = await task.credentials.get();
  options.logger?.debug(
    { taskArn: task.taskArn, accessKeyId: creds.accessKeyId, requestId: request.requestId },
    'container credentials served',
  );
  return credentialsResponse(creds);
}

function metadata(
  prefix: (typeof METADATA_PREFIXES)[number],
  path: string,
  options: ContainerCredentialsOptions,
  stats: TaskStats,
): ApiResponse {
  const rest = path.slice(prefix.length);
  const slash = rest.indexOf('/');
  const id = slash === -1 ? rest : rest.slice(0, slash);
  const sub = (slash === -1 ? '' : rest.slice(slash)).replace(/\/$/, '');
  const task = options.registry.findByMetadataId(id);
  if (task === undefined) throw new PathNotFoundError();
  // v4 adds the network rate stats to v3's Docker stats.
  const rates = prefix === '/v4/';
  if (sub === '') return jsonResponse(containerMetadata(task));
  if (sub === '/task') return jsonResponse(taskMetadata(task, options.region));
  if (sub === '/stats') return jsonResponse(stats.container(task, undefined, rates));
  if (sub === '/task/stats') return jsonResponse(stats.task(task, rates));
  throw new PathNotFoundError();
}

/**
 * The endpoint as an in-process handler (test it by calling it; serve it with `listen`).
 *
 * @example
 * const handler = createContainerCredentialsHandler({ registry, region: 'us-east-1' });
 * const res = await handler(request); // GET /v2/credentials/<id>, Authorization: <token>
 */
export function createContainerCredentialsHandler(options: ContainerCredentialsOptions): ApiHandler {
  const stats = options.stats ?? new TaskStats();
  return async (request) => {
    try {
      if (request.method !== 'GET') throw new MethodNotAllowedError();
      const path = request.url.split('?', 1)[0] ?? '/';
      if (path === CREDENTIALS_PREFIX || path.startsWith(`${CREDENTIALS_PREFIX}/`)) {
        return await credentials(path, request, options);
      }
      const prefix = METADATA_PREFIXES.find((p) => path.startsWith(p));
      if (prefix !== undefined) return metadata(prefix, path, options, stats);
      throw new PathNotFoundError();
    } catch (error) {
      if (!(error instanceof AwsError)) {
        options.logger?.error({ err: error, requestId: request.requestId }, 'container endpoint error');
      }
      return errorResponse(error);
    }
  };
}

/**
 * Serve the endpoint on `host:port` (127.0.0.1, any free port by default).
 *
 * @example
 * const server = await createContainerCredentialsServer({ registry, region: 'us-east-1' });
 * env.AWS_CONTAINER_CREDENTIALS_FULL_URI = server.url + task.credentialsPath;
 */
export async function createContainerCredentialsServer(
  options: ContainerCredentialsOptions & { port?: number; host?: string },
): Promise<RunningServer> {
  return listen(
    {
      handler: createContainerCredentialsHandler(options),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      maxBodyBytes: 16 * 1024,
    },
    options.port ?? 0,
    options.host ?? '127.0.0.1',
  );
}
