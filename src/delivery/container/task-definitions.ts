/**
 * Task definitions as `credplane apply` stores them (workload kind `ecs-task-definition`, name =
 * family; settings `revision`, `taskDefinitionArn`, `containers`, see `config/workload-settings.ts`),
 * looked up the way `RunTask` accepts them: `family`, `family:revision` or the full ARN.
 */
import { AwsError } from '../../errors.js';
import type { Store } from '../../store/store.js';
import type { ContainerSettings } from '../../workloads/index.js';
import type { TaskContainer, TaskDefinition } from './tasks.js';

/** ECS's answer for a task definition it cannot find: `400 ClientException`. */
export class TaskDefinitionNotFoundError extends AwsError {
  constructor(reference: string) {
    super('ClientException', `Unable to describe task definition: ${reference.slice(0, 300)}`, {
      status: 400,
    });
  }
}

function containers(stored: ContainerSettings[] | undefined): TaskContainer[] {
  return (stored ?? []).map((c) => ({
    name: c.name ?? 'main',
    image: c.image ?? '',
    ...(c.command === undefined ? {} : { command: [...c.command] }),
    environment: (c.environment ?? []).map((e) => ({ name: e.name, value: e.value })),
  }));
}

/** `family`, `family:3` or `arn:…:task-definition/family:3` → family and optional revision. */
export function parseTaskDefinitionReference(reference: string): { family: string; revision?: number } {
  const tail = /^arn:[^:]+:ecs:[^:]*:\d{12}:task-definition\/(.+)$/.exec(reference)?.[1] ?? reference;
  const match = /^([A-Za-z0-9_-]{1,255})(?::(\d{1,9}))?$/.exec(tail);
  if (match === null) throw new TaskDefinitionNotFoundError(reference);
  return { family: match[1]!, ...(match[2] === undefined ? {} : { revision: Number(match[2]) }) };
}

/**
 * The current revision of a stored task definition; a reference to another revision is not found
 * (credplane keeps the latest revision only).
 *
 * @example
 * const def = await findTaskDefinition(store, '123456789012', 'orders:1');
 */
export async function findTaskDefinition(
  store: Store,
  accountId: string,
  reference: string,
): Promise<TaskDefinition> {
  const { family, revision } = parseTaskDefinitionReference(reference);
  const workload = await store.getWorkload(accountId, 'ecs-task-definition', family).catch(() => undefined);
  if (workload === undefined) throw new TaskDefinitionNotFoundError(reference);
  const current = workload.settings.revision ?? 1;
  if (revision !== undefined && revision !== current) throw new TaskDefinitionNotFoundError(reference);
  return {
    accountId,
    family,
    revision: current,
    taskDefinitionArn:
      workload.settings.taskDefinitionArn ?? `arn:aws:ecs:::task-definition/${family}:${current}`,
    roleName: workload.roleName,
    containers: containers(workload.settings.containers),
  };
}
