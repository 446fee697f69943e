/**
 * ECS tasks as the container endpoint knows them: each task started from a task definition gets a
 * task id, its own credentials path and authorization token, a metadata id, and a
 * `RefreshingSource` holding its task-role credentials (issued as `ecs-tasks.amazonaws.com`, session
 * name = task id, `aws:SourceArn` = task ARN, as ECS does).
 *
 * Tasks live in memory, as they live in the ECS agent: they end with the process that serves them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { AwsError } from '../../errors.js';
import { lifetimeOptions, RefreshingSource, type CredentialLifetime } from '../refreshing-source.js';
import type { WorkloadCredentials, WorkloadIssuer } from '../workload-issuer.js';
import { newAuthorizationToken } from './protocol.js';

export const ECS_TASKS_SERVICE = 'ecs-tasks.amazonaws.com';

export interface TaskContainer {
  name: string;
  image: string;
  command?: string[];
  environment: { name: string; value: string }[];
}

/** What a task is started from: one revision of a task definition. */
export interface TaskDefinition {
  accountId: string;
  family: string;
  revision: number;
  taskDefinitionArn: string;
  /** The task role (the workload's one role). */
  roleName: string;
  containers: TaskContainer[];
}

export type TaskStatus = 'RUNNING' | 'STOPPED';

/** Where a task's credentials come from: issued here, or fetched by a node agent from the server. */
export interface TaskCredentialSource {
  get(): Promise<WorkloadCredentials>;
  invalidate(): void;
}

export interface Task {
  readonly taskId: string;
  readonly taskArn: string;
  readonly clusterArn: string;
  readonly definition: TaskDefinition;
  /** `/v2/credentials/<id>`, as the ECS agent formats it. */
  readonly credentialsPath: string;
  /** The path segment of `ECS_CONTAINER_METADATA_URI_V4`. */
  readonly metadataId: string;
  readonly authorizationToken: string;
  readonly credentials: TaskCredentialSource;
  readonly createdAt: Date;
  /**
   * The fleet node the task is placed on (`credplane run-task --node`): only that node's agent may
   * obtain its credentials (docs/fleet-agent.md).
   */
  readonly node?: string;
  status: TaskStatus;
  stoppedAt?: Date;
  stoppedReason?: string;
}

/** A task as listed: everything but the token and the credentials. */
export interface TaskSummary {
  taskId: string;
  taskArn: string;
  clusterArn: string;
  taskDefinitionArn: string;
  family: string;
  revision: number;
  lastStatus: TaskStatus;
  createdAt: string;
  stoppedAt?: string;
  stoppedReason?: string;
}

/** `400 InvalidParameterException` for an unknown task id, as ECS `StopTask` answers. */
export class TaskNotFoundError extends AwsError {
  constructor(taskId: string) {
    super('InvalidParameterException', `The referenced task was not found: ${taskId.slice(0, 100)}`, {
      status: 400,
    });
  }
}

export interface TaskRegistryOptions {
  issuer: WorkloadIssuer;
  partition: string;
  region: string;
  cluster?: string;
  now?: () => number;
  /** How many stopped tasks are remembered (to answer "stopped" rather than "unknown"). */
  maxStopped?: number;
  /** Task credentials' lifetime and refresh point (6 h and 30 min by default). */
  lifetime?: CredentialLifetime;
}

const TASK_ID_BYTES = 16;

export class TaskRegistry {
  private readonly tasks = new Map<string, Task>();
  private readonly byCredentialsPath = new Map<string, Task>();
  private readonly byMetadataId = new Map<string, Task>();
  private readonly stoppedOrder: string[] = [];
  private readonly now: () => number;

  constructor(private readonly options: TaskRegistryOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Start a task of `definition`: new id, path, token and credential source. Credentials are issued
   * lazily on the first GET (and refreshed ahead of expiry by the source).
   *
   * @example
   * const task = registry.start(definition);
   * task.credentialsPath; // '/v2/credentials/5f0c…'
   */
  start(definition: TaskDefinition, placement: { node?: string } = {}): Task {
    const taskId = randomBytes(TASK_ID_BYTES).toString('hex');
    const cluster = this.options.cluster ?? 'default';
    const prefix = `arn:${this.options.partition}:ecs:${this.options.region}:${definition.accountId}`;
    const taskArn = `${prefix}:task/${cluster}/${taskId}`;
    const issuer = this.options.issuer;
    const { durationSeconds, refreshBeforeSeconds } = lifetimeOptions(this.options.lifetime);
    const task: Task = {
      taskId,
      taskArn,
      clusterArn: `${prefix}:cluster/${cluster}`,
      definition,
      credentialsPath: `/v2/credentials/${randomUUID()}`,
      metadataId: randomUUID(),
      authorizationToken: newAuthorizationToken(),
      credentials: new RefreshingSource({
        issue: () =>
          issuer.issue({
            accountId: definition.accountId,
            roleName: definition.roleName,
            servicePrincipal: ECS_TASKS_SERVICE,
            sessionName: taskId,
            sourceArn: taskArn,
            ...(durationSeconds === undefined ? {} : { durationSeconds }),
          }),
        now: this.now,
        ...(refreshBeforeSeconds === undefined ? {} : { refreshBeforeSeconds }),
      }),
      createdAt: new Date(this.now()),
      status: 'RUNNING',
      ...(placement.node === undefined ? {} : { node: placement.node }),
    };
    this.tasks.set(taskId, task);
    this.byCredentialsPath.set(task.credentialsPath, task);
    this.byMetadataId.set(task.metadataId, task);
    return task;
  }

  /** Stop a task: its credentials path answers "stopped" from now on. Stopping twice is a no-op. */
  stop(taskId: string, reason = 'Task stopped by user'): Task {
    const task = this.tasks.get(taskId);
    if (task === undefined) throw new TaskNotFoundError(taskId);
    if (task.status === 'STOPPED') return task;
    task.status = 'STOPPED';
    task.stoppedAt = new Date(this.now());
    task.stoppedReason = reason;
    task.credentials.invalidate();
    this.stoppedOrder.push(taskId);
    while (this.stoppedOrder.length > (this.options.maxStopped ?? 1000))
      this.forget(this.stoppedOrder.shift()!);
    return task;
  }

  get(taskId: string): Task | undefined {
    return this.tasks.get(taskId);
  }

  /** The running tasks placed on `node`. */
  runningOn(node: string): Task[] {
    return [...this.tasks.values()].filter((t) => t.node === node && t.status === 'RUNNING');
  }

  findByCredentialsPath(path: string): Task | undefined {
    return this.byCredentialsPath.get(path);
  }

  findByMetadataId(id: string): Task | undefined {
    return this.byMetadataId.get(id);
  }

  /** Every known task, running first, then the remembered stopped ones. */
  list(): TaskSummary[] {
    const all = [...this.tasks.values()].map(summary);
    return [
      ...all.filter((t) => t.lastStatus === 'RUNNING'),
      ...all.filter((t) => t.lastStatus === 'STOPPED'),
    ];
  }

  private forget(taskId: string): void {
    const task = this.tasks.get(taskId);
    if (task === undefined) return;
    this.tasks.delete(taskId);
    this.byCredentialsPath.delete(task.credentialsPath);
    this.byMetadataId.delete(task.metadataId);
  }
}

export function summary(task: Task): TaskSummary {
  return {
    taskId: task.taskId,
    taskArn: task.taskArn,
    clusterArn: task.clusterArn,
    taskDefinitionArn: task.definition.taskDefinitionArn,
    family: task.definition.family,
    revision: task.definition.revision,
    lastStatus: task.status,
    createdAt: task.createdAt.toISOString(),
    ...(task.stoppedAt === undefined ? {} : { stoppedAt: task.stoppedAt.toISOString() }),
    ...(task.stoppedReason === undefined ? {} : { stoppedReason: task.stoppedReason }),
  };
}
