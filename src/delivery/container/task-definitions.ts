/**
 * Task definitions as `credplane apply` stores them (workload kind `ecs-task-definition`, name =
 * family; settings `revision`, `taskDefinitionArn`, `containers`, see `config/workload-settings.ts`),
 * looked up the way `RunTask` accepts them: `family`, `family:revision` or the full ARN.
 */
import { AwsError } from '../../errors.js';
import type { JsonValue } from '../../iam/types.js';
import type { Store } from '../../store/store.js';
import type { TaskContainer, TaskDefinition } from './tasks.js';

/** ECS's answer for a task definition it cannot find: `400 ClientException`. */
export class TaskDefinitionNotFoundError extends AwsError {
  constructor(reference: string) {
    super('ClientException', `Unable to describe task definition: ${reference.slice(0, 300)}`, {
      status: 400,
    });
  }
}

const obj = (v: JsonValue | undefined): { [k: string]: JsonValue } =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
const str = (v: JsonValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

function containers(value: JsonValue | undefined): TaskContainer[] {
  return (Array.isArray(value) ? value : []).map((c) => {
    const o = obj(c);
    return {
      name: str(o.name) ?? 'main',
      image: str(o.image) ?? '',
      ...(Array.isArray(o.command) ? { command: o.command.map(String) } : {}),
      environment: (Array.isArray(o.environment) ? o.environment : []).map((e) => ({
        name: str(obj(e).name) ?? '',
        value: str(obj(e).value) ?? '',
      })),
    };
  });
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
  const current = typeof workload.settings.revision === 'number' ? workload.settings.revision : 1;
  if (revision !== undefined && revision !== current) throw new TaskDefinitionNotFoundError(reference);
  return {
    accountId,
    family,
    revision: current,
    taskDefinitionArn:
      str(workload.settings.taskDefinitionArn) ?? `arn:aws:ecs:::task-definition/${family}:${current}`,
    roleName: workload.roleName,
    containers: containers(workload.settings.containers),
  };
}
