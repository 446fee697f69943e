/**
 * The ECS tasks a node may serve: those started with `--node <name>` (`credplane run-task`), as the
 * ECS agent on a container instance learns only the tasks ECS places there. The agent gets each
 * task's credentials path (its `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`) and metadata id, and the
 * task role's credentials from the task's own source on the server — the one that issues (one
 * access-log event per credential set) for the server's own container endpoint too. A node asking
 * for a task not placed on it, or a stopped one, is refused, and the refusal is an access-log
 * event naming the node and the task.
 */
import { buildAccessEvent } from '../../audit/record.js';
import { deliveryRecord } from '../../audit/delivery-record.js';
import type { AccessLogSink } from '../../audit/types.js';
import { AccessDeniedError } from '../../control/errors.js';
import { ECS_TASKS_SERVICE, type TaskDefinition, type TaskRegistry } from '../container/tasks.js';
import type { NodeCredentials } from './node-workloads.js';

/** One task as the agent gets it: enough for the container endpoint's credentials and metadata. */
export interface NodeTask {
  taskId: string;
  taskArn: string;
  clusterArn: string;
  credentialsPath: string;
  metadataId: string;
  createdAt: string;
  definition: TaskDefinition;
}

export interface NodeTasksOptions {
  registry: TaskRegistry;
  region: string;
  accessLog?: AccessLogSink;
  now?: () => number;
}

export class NodeTasks {
  constructor(private readonly options: NodeTasksOptions) {}

  /** The running tasks placed on `node`. */
  tasks(node: string): NodeTask[] {
    return this.options.registry.runningOn(node).map((t) => ({
      taskId: t.taskId,
      taskArn: t.taskArn,
      clusterArn: t.clusterArn,
      credentialsPath: t.credentialsPath,
      metadataId: t.metadataId,
      createdAt: t.createdAt.toISOString(),
      definition: t.definition,
    }));
  }

  /** The task role's credentials for `node`, which must be where the running task is placed. */
  async credentials(node: string, taskId: string): Promise<NodeCredentials> {
    const task = this.options.registry.get(taskId);
    if (task === undefined || task.node !== node || task.status !== 'RUNNING') {
      const message = `Node ${node} is not allowed the credentials of task ${taskId.slice(0, 100)}.`;
      await this.options.accessLog?.commit(
        buildAccessEvent(
          deliveryRecord({
            servicePrincipal: ECS_TASKS_SERVICE,
            accountId: task?.definition.accountId ?? '',
            roleName: task?.definition.roleName ?? '',
            sessionName: taskId.slice(0, 64),
            durationSeconds: 0,
            ...(task === undefined ? {} : { sourceArn: task.taskArn }),
            region: this.options.region,
            eventTime: new Date((this.options.now ?? Date.now)()),
            decisions: [],
            error: { code: 'AccessDenied', message },
          }),
        ),
      );
      throw new AccessDeniedError(message);
    }
    const c = await task.credentials.get();
    return {
      code: 'Success',
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      sessionToken: c.sessionToken,
      expiration: c.expiration.toISOString(),
      issuedAt: new Date((this.options.now ?? Date.now)()).toISOString(),
      accountId: c.accountId,
      roleArn: c.roleArn,
    };
  }
}
