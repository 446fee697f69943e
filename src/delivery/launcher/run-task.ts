/**
 * `credplane run-task <task-definition> [--count N] -- <command>`: ask the running credplane to
 * start N tasks (each with its own id, credentials path and token), run the command once per task
 * with the variables ECS sets, and stop the tasks when their commands exit.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TaskSummary } from '../container/tasks.js';
import type { StartedTask } from '../container/admin-routes.js';
import { adminRequest, type AdminEndpoint } from '../../admin-api/client.js';
import { runCommand, workloadProcessEnv } from './workload-process.js';

export interface RunTaskOptions {
  endpoint: AdminEndpoint;
  taskDefinition: string;
  count: number;
  /** Deliver the token as `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` instead of the variable. */
  tokenFile: boolean;
  command: readonly string[];
  log: (line: string) => void;
}

/**
 * The variables a task's process gets.
 *
 * @example
 * taskEnvironment(task, endpoint, undefined).AWS_CONTAINER_CREDENTIALS_FULL_URI; // http://127.0.0.1:…/v2/credentials/…
 */
export function taskEnvironment(
  task: StartedTask,
  endpoint: AdminEndpoint,
  tokenFile: string | undefined,
): Record<string, string> {
  return {
    ...task.environment,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: task.credentialsFullUri,
    ...(tokenFile === undefined
      ? { AWS_CONTAINER_AUTHORIZATION_TOKEN: task.authorizationToken }
      : { AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile }),
    ECS_CONTAINER_METADATA_URI_V4: task.metadataUri,
    ECS_CONTAINER_METADATA_URI: task.metadataUriV3,
    AWS_ENDPOINT_URL: endpoint.url,
    AWS_REGION: endpoint.region,
    AWS_DEFAULT_REGION: endpoint.region,
    AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE',
  };
}

/** Write the token without a trailing newline (botocore and Go refuse CR/LF), readable by the owner only. */
function writeTokenFile(dir: string, task: StartedTask): string {
  const file = path.join(dir, `${task.taskId}.token`);
  fs.writeFileSync(file, task.authorizationToken, { mode: 0o600 });
  return file;
}

export async function runTask(options: RunTaskOptions): Promise<number> {
  const answer = (await adminRequest(options.endpoint, 'ecs', 'POST', '/credplane/ecs/run-task', {
    taskDefinition: options.taskDefinition,
    count: options.count,
  })) as { tasks: StartedTask[] };
  const tokenDir = options.tokenFile ? fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-task-')) : undefined;
  try {
    for (const t of answer.tasks) options.log(`started task ${t.taskArn} (${t.family}:${t.revision})`);
    const codes = await Promise.all(
      answer.tasks.map((task) => {
        const tokenFile = tokenDir === undefined ? undefined : writeTokenFile(tokenDir, task);
        const env = workloadProcessEnv(process.env, taskEnvironment(task, options.endpoint, tokenFile));
        return runCommand(options.command, env);
      }),
    );
    return codes.find((c) => c !== 0) ?? 0;
  } finally {
    for (const task of answer.tasks) {
      await adminRequest(options.endpoint, 'ecs', 'POST', '/credplane/ecs/stop-task', {
        task: task.taskId,
        reason: 'Essential container in task exited',
      }).catch(() => undefined);
    }
    if (tokenDir !== undefined) fs.rmSync(tokenDir, { recursive: true, force: true });
  }
}

export async function listTasks(endpoint: AdminEndpoint): Promise<TaskSummary[]> {
  return (
    (await adminRequest(endpoint, 'ecs', 'POST', '/credplane/ecs/list-tasks', {})) as { tasks: TaskSummary[] }
  ).tasks;
}

export async function stopTask(endpoint: AdminEndpoint, task: string): Promise<TaskSummary> {
  return (
    (await adminRequest(endpoint, 'ecs', 'POST', '/credplane/ecs/stop-task', { task })) as {
      task: TaskSummary;
    }
  ).task;
}
