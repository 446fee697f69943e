/**
 * The task lifecycle routes the CLI calls on a running credplane (`credplane run-task`,
 * `list-tasks`, `stop-task`). Each is authorized like its ECS action: `ecs:RunTask` on the task
 * definition and `iam:PassRole` on the task role (to `ecs-tasks.amazonaws.com`), `ecs:ListTasks`, `ecs:StopTask` on the task.
 */
import { ValidationError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import { stringField, type AdminRoute } from '../../admin-api/server.js';
import { findTaskDefinition } from './task-definitions.js';
import {
  ECS_TASKS_SERVICE,
  summary,
  TaskNotFoundError,
  type TaskRegistry,
  type TaskSummary,
} from './tasks.js';

export const MAX_TASKS_PER_CALL = 10;

/** What `run-task` hands back for each task: where and how its process finds its credentials. */
export interface StartedTask extends TaskSummary {
  credentialsFullUri: string;
  authorizationToken: string;
  metadataUri: string;
  /** `ECS_CONTAINER_METADATA_URI`: the same task's metadata, version 3. */
  metadataUriV3: string;
  /** The first container's `Environment` from the task definition. */
  environment: Record<string, string>;
  /** A task placed on a fleet node: served by that node's agent at 169.254.170.2 (docs/fleet-agent.md). */
  node?: string;
  /** `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` on that node: `/v2/credentials/<id>`. */
  credentialsRelativeUri?: string;
}

export interface TaskRoutesDeps {
  store: Store;
  registry: TaskRegistry;
  /** The container endpoint's base URL (`http://127.0.0.1:<port>`). */
  endpointUrl: () => string;
  partition: string;
}

function count(value: unknown): number {
  if (value === undefined) return 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_TASKS_PER_CALL) {
    throw new ValidationError(`count must be an integer from 1 to ${MAX_TASKS_PER_CALL}`);
  }
  return value;
}

/**
 * @example
 * createAdminApi(deps, taskRoutes({ store, registry, endpointUrl: () => server.url, partition: 'aws' }));
 */
export function taskRoutes(deps: TaskRoutesDeps): AdminRoute[] {
  return [
    {
      method: 'POST',
      path: '/credplane/ecs/run-task',
      service: 'ecs',
      handle: async ({ auth, body, authorize }) => {
        const definition = await findTaskDefinition(
          deps.store,
          auth.caller.accountId,
          stringField(body, 'taskDefinition'),
        );
        const n = count(body.count);
        const node = body.node === undefined ? undefined : stringField(body, 'node');
        if (node !== undefined && (await deps.store.getNode(node)) === undefined)
          throw new ValidationError(`No node ${node.slice(0, 64)} (credplane node add).`);
        authorize('ecs:RunTask', definition.taskDefinitionArn);
        // The answer leads to the task role's credentials: passing the role to ECS tasks, as AWS
        // requires for RunTask with a task role (see `admin-api.ts`).
        authorize(
          'iam:PassRole',
          `arn:${deps.partition}:iam::${definition.accountId}:role/${definition.roleName}`,
          { 'iam:PassedToService': ECS_TASKS_SERVICE },
        );
        const tasks = Array.from({ length: n }, () =>
          deps.registry.start(definition, node === undefined ? {} : { node }),
        );
        try {
          // Issue now, so a role that does not trust ecs-tasks fails here rather than in the task.
          await Promise.all(tasks.map((t) => t.credentials.get()));
        } catch (error) {
          for (const t of tasks) deps.registry.stop(t.taskId, 'Task failed to start');
          throw error;
        }
        const base = deps.endpointUrl();
        const started: StartedTask[] = tasks.map((t) => ({
          ...summary(t),
          credentialsFullUri: base + t.credentialsPath,
          authorizationToken: t.authorizationToken,
          metadataUri: `${base}/v4/${t.metadataId}`,
          metadataUriV3: `${base}/v3/${t.metadataId}`,
          environment: Object.fromEntries(
            (definition.containers[0]?.environment ?? [])
              .filter((e) => e.name !== '')
              .map((e) => [e.name, e.value]),
          ),
          ...(node === undefined ? {} : { node, credentialsRelativeUri: t.credentialsPath }),
        }));
        return { tasks: started };
      },
    },
    {
      method: 'POST',
      path: '/credplane/ecs/list-tasks',
      service: 'ecs',
      handle: async ({ auth, authorize }) => {
        authorize('ecs:ListTasks', '*');
        const account = auth.caller.accountId;
        return { tasks: deps.registry.list().filter((t) => t.taskArn.split(':')[4] === account) };
      },
    },
    {
      method: 'POST',
      path: '/credplane/ecs/stop-task',
      service: 'ecs',
      handle: async ({ auth, body, authorize }) => {
        const reference = stringField(body, 'task');
        const taskId = reference.split('/').pop() ?? reference;
        const task = deps.registry.get(taskId);
        if (task === undefined || task.definition.accountId !== auth.caller.accountId)
          throw new TaskNotFoundError(reference);
        authorize('ecs:StopTask', task.taskArn);
        const reason = typeof body.reason === 'string' ? body.reason.slice(0, 255) : undefined;
        return { task: summary(deps.registry.stop(taskId, reason)) };
      },
    },
  ];
}
