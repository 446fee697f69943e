/**
 * The ECS tasks placed on this node, as the agent serves them at 169.254.170.2 with the container
 * endpoint of `credplane up` (`createContainerCredentialsHandler`, relative-URI mode): each task's
 * credentials path and metadata id come from the server, its credentials from a
 * `CredentialCache` (ahead of need, served through server outages, as for the instance).
 */
import type { TemporaryAccessKeyId } from '../../../crypto/index.js';
import type { TaskLookup } from '../../container/server.js';
import type { Task } from '../../container/tasks.js';
import type { WorkloadCredentials } from '../../workload-issuer.js';
import type { NodeCredentials } from '../node-workloads.js';
import type { NodeTask } from '../node-tasks.js';
import { CredentialCache } from './credential-cache.js';
import type { PersistedState } from './persisted-state.js';

/**
 * @example
 * const c = workloadCredentials(await cache.get()); // for the container credentials document
 */
export function workloadCredentials(c: NodeCredentials): WorkloadCredentials {
  if (c.code !== 'Success') throw new Error(`the role ${c.roleName} does not trust the service`);
  return {
    accessKeyId: c.accessKeyId as TemporaryAccessKeyId,
    secretAccessKey: c.secretAccessKey,
    sessionToken: c.sessionToken,
    expiration: new Date(c.expiration),
    accountId: c.accountId,
    roleArn: c.roleArn,
  };
}

export interface AgentTasksOptions {
  fetch: (taskId: string) => Promise<NodeCredentials>;
  /** Where fetched sets are saved, and held ones found at start. */
  persisted?: PersistedState;
  now?: () => number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export class AgentTasks implements TaskLookup {
  private readonly byPath = new Map<string, { task: Task; cache: CredentialCache }>();
  private readonly byMetadataId = new Map<string, Task>();
  /** The region in the tasks' ARNs, for their metadata documents. */
  region = 'us-east-1';

  constructor(private readonly options: AgentTasksOptions) {}

  /** Follow what the server says is placed on the node: new tasks start, gone ones stop. */
  update(tasks: NodeTask[]): void {
    const wanted = new Set(tasks.map((t) => t.credentialsPath));
    for (const [p, entry] of this.byPath) {
      if (wanted.has(p)) continue;
      entry.cache.stop();
      this.byPath.delete(p);
      this.byMetadataId.delete(entry.task.metadataId);
    }
    for (const t of tasks) {
      this.region = t.taskArn.split(':')[3] ?? this.region;
      if (this.byPath.has(t.credentialsPath)) continue;
      const key = `task:${t.taskId}`;
      const initial = this.options.persisted?.credential(key);
      const cache = new CredentialCache({
        fetch: () => this.options.fetch(t.taskId),
        ...(initial === undefined ? {} : { initial }),
        onFetched: (c) => this.options.persisted?.setCredential(key, c),
        ...(this.options.now === undefined ? {} : { now: this.options.now }),
        onError: (error) =>
          this.options.log?.('task credential fetch failed; serving the cached set', {
            taskArn: t.taskArn,
            error: (error as Error).message,
          }),
      });
      const task: Task = {
        taskId: t.taskId,
        taskArn: t.taskArn,
        clusterArn: t.clusterArn,
        definition: t.definition,
        credentialsPath: t.credentialsPath,
        metadataId: t.metadataId,
        // Relative-URI mode asks no token (the path is the secret); never compared.
        authorizationToken: '',
        credentials: {
          get: async () => workloadCredentials(await cache.get()),
          invalidate: () => cache.invalidate(),
        },
        createdAt: new Date(t.createdAt),
        status: 'RUNNING',
      };
      this.byPath.set(t.credentialsPath, { task, cache });
      this.byMetadataId.set(t.metadataId, task);
      cache.start();
    }
  }

  findByCredentialsPath(path: string): Task | undefined {
    return this.byPath.get(path)?.task;
  }

  findByMetadataId(id: string): Task | undefined {
    return this.byMetadataId.get(id);
  }

  stop(): void {
    for (const { cache } of this.byPath.values()) cache.stop();
    this.byPath.clear();
    this.byMetadataId.clear();
  }
}
